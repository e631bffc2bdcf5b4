/**
 * Outbound credentials: what the proxy presents to the upstream MCP server on behalf of an
 * endpoint (never the client's own token), and public sub-paths that skip inbound auth.
 */

/** A fixed secret sent as `Authorization: Bearer <token>`. */
export interface UpstreamStaticAuth {
  type: 'static';
  token: string;
}

/** A fixed API key in a header (`header`) or a query parameter (`query`); exactly one is set. */
export interface UpstreamApiKeyAuth {
  type: 'api_key';
  key: string;
  /** Header name as configured (e.g. `X-API-Key`), or null when `query` is used. */
  header: string | null;
  /** Query parameter name, or null when `header` is used. */
  query: string | null;
}

/**
 * An OAuth 2.0 token fetched by the proxy: `client_credentials` (RFC 6749 §4.4) for the endpoint,
 * or `token_exchange` (RFC 8693) of the user's validated token, per user.
 */
export interface UpstreamTokenAuth {
  type: 'client_credentials' | 'token_exchange';
  /** The token endpoint; '' until discovery from `issuer` filled it in. */
  token_endpoint: string;
  /** Issuer whose discovery document names the token endpoint, or null. */
  issuer: string | null;
  client_id: string;
  client_secret: string;
  /** RFC 6749 §2.3.1: HTTP Basic, or the credentials in the form body. */
  auth_method: 'client_secret_basic' | 'client_secret_post';
  /** Space-delimited scopes to request, or null. */
  scope: string | null;
  /** RFC 8693 §2.1 `audience` (also sent with client_credentials, as many IdPs expect), or null. */
  audience: string | null;
  /** RFC 8707 `resource` indicator, or null. */
  resource: string | null;
  /** Seconds before `expires_in` runs out at which a token is refreshed. */
  expiry_margin: number;
  /** Lifetime assumed when the token response has no `expires_in`. */
  default_ttl: number;
  /** Extra attempts after a failed token request. */
  retries: number;
  /** Delay before the first retry in ms; doubles each time. */
  retry_delay_ms: number;
}

/**
 * Operator-supplied JavaScript: a module whose default export `(ctx) => string | Promise<string>`
 * returns the Authorization value. Trusted code, not sandboxed.
 */
export interface UpstreamScriptAuth {
  type: 'script';
  /** Absolute path of the module (Node imports it; the njs build bundles it). */
  file: string;
  /** Environment variables the script reads (nginx needs `env NAME;` to pass them to njs). */
  env: string[];
}

export type UpstreamAuth = UpstreamStaticAuth | UpstreamApiKeyAuth | UpstreamTokenAuth | UpstreamScriptAuth;

/** Whether the credential is a token we fetch (`client_credentials` or `token_exchange`). */
export function isTokenAuth(a: UpstreamAuth | null | undefined): a is UpstreamTokenAuth {
  return !!a && (a.type === 'client_credentials' || a.type === 'token_exchange');
}

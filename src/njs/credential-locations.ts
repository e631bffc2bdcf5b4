/**
 * Internal locations of the check server for fetched outbound credentials, shared by the conf
 * generator and the njs code:
 *   /_mcp_authz/cred/<id>        proxy_cache + lock in front of …
 *   /_mcp_authz/cred-fetch/<id>  js_content: the token request with retries, X-Accel-Expires;
 *   /_mcp_authz/token/<id>       proxy_pass to the token endpoint (one attempt).
 */

/** Check server → public server: the outbound credential's value, and the upstream args. */
export const CREDENTIAL_HEADER = 'X-MCP-Authz-Upstream-Credential';
export const ARGS_HEADER = 'X-MCP-Authz-Upstream-Args';

/** The cached credential of an endpoint (token exchange adds `?k=<hash of the user token>`). */
export function credentialLocation(id: string): string {
  return '/_mcp_authz/cred/' + id;
}

export const CREDENTIAL_FETCH_PREFIX = '/_mcp_authz/cred-fetch/';

/** The token endpoint of an endpoint's credential. */
export function tokenLocation(id: string): string {
  return '/_mcp_authz/token/' + id;
}

/** The JSON the fetch location answers with and the cache keeps. */
export interface CachedCredential {
  authorization: string;
  /** Epoch seconds: the token's real expiry (a stale cached copy is refused past it). */
  expires_at: number;
  /** Epoch seconds: when it should be refreshed (expiry − margin). */
  refresh_at: number;
}

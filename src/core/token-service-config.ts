/**
 * Config of the two strategies that ask a service about a token instead of verifying it locally:
 * `introspection` (RFC 7662) and `remote` (a validation endpoint of your own). Referenced from the
 * Strategy union in config-types.ts.
 */

/** Which bearer tokens an introspection strategy sends to its endpoint. */
export type IntrospectionTokens = 'opaque' | 'all';

/** How the strategy authenticates to the introspection endpoint (RFC 7662 §2.1, RFC 6749 §2.3.1). */
export type IntrospectionClientAuth = 'client_secret_basic' | 'client_secret_post';

export interface IntrospectionStrategy {
  type: 'introspection';
  /** The introspection endpoint URL (from config, or from discovery before core runs). */
  endpoint: string;
  client_id: string;
  client_secret: string;
  client_auth: IntrospectionClientAuth;
  /** When set, the response's `iss` must equal it byte for byte. */
  issuer: string | null;
  /** Accepted `aud` values (checked when the response has `aud`); defaults to the endpoint's resource. */
  audience: string[];
  /** Refuse a response without `aud` (audience-bound tokens only). */
  require_audience: boolean;
  /** When set, `token_type` must equal it (case-insensitive); otherwise only refresh tokens are refused. */
  token_type: string | null;
  /** `opaque`: JWT-shaped tokens are not sent (a jwt strategy before this one owns them). */
  tokens: IntrospectionTokens;
  clock_skew: number;
  /** Upper bound on how long an active token's decision is cached, in seconds. */
  cache_ttl: number;
  /** How long an inactive token's denial is cached, in seconds (0 = not cached). */
  negative_cache_ttl: number;
  /** Seconds to wait for the endpoint. */
  timeout: number;
}

export interface RemoteStrategy {
  type: 'remote';
  /** Where `{"token": "…"}` is POSTed. */
  url: string;
  /** Static request headers (e.g. a key for the validator); lower-cased names. */
  headers: Record<string, string>;
  /** Seconds to wait for the validator. */
  timeout: number;
  /** How long a `valid: true` answer is reused, in seconds (0 = not cached). */
  cache_ttl: number;
  /** How long a `valid: false` answer is reused, in seconds (0 = not cached). */
  negative_cache_ttl: number;
}

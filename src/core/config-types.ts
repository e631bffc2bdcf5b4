/**
 * The effective configuration core decides with: what src/config produces after validation,
 * defaults and ${ENV} expansion. Plain data so it can be embedded in the njs bundle as JSON.
 */
import type { IntrospectionStrategy, RemoteStrategy } from './token-service-config.ts';

export type { IntrospectionStrategy, RemoteStrategy };

import type { RateLimit } from './rate-limit-config.ts';

import type { UpstreamAuth } from './upstream-auth-config.ts';

export type { UpstreamAuth };

import type { ScriptStrategy } from './script-config.ts';

export type { ScriptStrategy };

/** A public JSON Web Key (RFC 7517), only the members verification reads. */
import type { ToolRule } from './tool-rules.ts';

export type { ToolRule };

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
}

export interface JwkSet {
  keys: Jwk[];
}

export interface JwtStrategy {
  type: 'jwt';
  issuer: string;
  /** Resolved key set URL (from config, or from OIDC discovery before core runs). */
  jwks_uri: string;
  /** Accepted `aud` values; defaults to the endpoint's resource. */
  audience: string[];
  algorithms: string[];
  clock_skew: number;
  required_claims: string[];
  /** Seconds since `iat` after which a token is refused; 0 = no limit. */
  max_token_age: number;
  /** Required JOSE `typ` (e.g. `at+jwt`), compared case-insensitively without `application/`. */
  typ: string | null;
  /** Upper bound on how long a verified token's decision may be cached, in seconds. */
  cache_ttl: number;
}

export interface ApiKeyEntry {
  key: string;
  subject: string;
  scopes: string[];
  groups: string[];
}

export interface ApiKeyStrategy {
  type: 'apikey';
  /** Lower-cased header name carrying the key. */
  header: string;
  keys: ApiKeyEntry[];
}

export interface BearerEntry {
  token: string;
  subject: string;
  scopes: string[];
  groups: string[];
}

export interface BearerStrategy {
  type: 'bearer';
  tokens: BearerEntry[];
}

export interface TrustedHeaderStrategy {
  type: 'trusted_header';
  /** Lower-cased header names set by the auth proxy in front. */
  subject_header: string;
  email_header: string | null;
  groups_header: string | null;
  /** CIDRs of peers allowed to set these headers. */
  trusted_peers: string[];
}

export interface NoneStrategy {
  type: 'none';
  subject: string;
  scopes: string[];
}

export type Strategy =
  | JwtStrategy
  | ApiKeyStrategy
  | BearerStrategy
  | TrustedHeaderStrategy
  | NoneStrategy
  | IntrospectionStrategy
  | RemoteStrategy
  | ScriptStrategy;

export interface ClaimMapping {
  subject: string;
  email: string;
  email_verified: string;
  groups: string;
  /** Claims holding scopes: a space-delimited string (`scope`) or an array (`scp`). */
  scopes: string[];
}

export interface Policy {
  required_scopes: string[];
  allowed_subjects: string[];
  /** Exact addresses, or `*@domain` for a whole domain. */
  allowed_emails: string[];
  allowed_groups: string[];
  require_email_verified: boolean;
}

export interface IdentityHeaderNames {
  subject: string;
  email: string;
  groups: string;
  scopes: string;
}

export interface CorsConfig {
  /** `*` or exact origins. */
  allowed_origins: string[];
  max_age: number;
}

export interface EndpointConfig {
  /** Stable identifier used in logs, metrics and generated nginx names. */
  id: string;
  /** Path prefix on the proxy: the endpoint itself and anything below `path/`. */
  path: string;
  /** The canonical public URL of the endpoint: its RFC 9728 `resource` and token audience. */
  resource: string;
  upstream: string;
  authorization_servers: string[];
  scopes_supported: string[];
  resource_name: string | null;
  strategies: Strategy[];
  policy: Policy;
  claims: ClaimMapping;
  /** Let the client's Authorization header reach the upstream (off by default: no passthrough). */
  pass_authorization: boolean;
  /** Per-subject request rate limit; null or absent = unlimited. */
  rate_limit?: RateLimit | null;
  /** Per-tool rules for JSON-RPC `tools/call` (tool-policy.ts); absent or empty = none. */
  tools?: ToolRule[];
  /** Largest request body read for tool rules, in bytes; bigger bodies get 413. */
  max_body_bytes?: number;
  /** Lower-cased client headers allowed upstream besides the ones MCP needs; absent = all. */
  pass_headers?: string[] | null;
  /** Credential sent to the upstream instead of the client's (upstream-auth-config.ts); absent = none. */
  upstream_auth?: UpstreamAuth | null;
  /**
   * Public sub-paths (normalised, below `path`) that skip inbound auth: exact paths, or a prefix
   * when the entry ends in `/*`. No identity and no credential of anyone goes upstream there.
   */
  bypass?: string[];
}

export interface CoreConfig {
  endpoints: EndpointConfig[];
  identity_headers: IdentityHeaderNames;
  cors: CorsConfig;
  /** Tokens longer than this are refused before any parsing. */
  max_token_length: number;
}

export type { RateLimit };

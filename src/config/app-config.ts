/**
 * The configuration shape the loader produces: core's {@link CoreConfig} plus what only the
 * Node side needs (nginx generation settings, where to discover a JWKS URL).
 */
import type { CoreConfig, EndpointConfig, IntrospectionStrategy, JwtStrategy, Strategy } from '../core/config-types.ts';
import type { AsRateLimits } from './companion-rate-limits.ts';
import type { RateLimitSettings } from './rate-limit-settings.ts';
import type { AsRegistration } from './as-registration-schema.ts';

/** Settings for the generated nginx module; core never reads them. */
export interface NginxSettings {
  /** Unix socket of the internal check server nginx forwards auth subrequests to. */
  check_socket: string;
  cache_path: string;
  log_path: string;
}

/**
 * A jwt strategy as loaded. `discovery_url` is set (and `jwks_uri` is '') when the file gave no
 * `jwks_uri`; {@link resolveDiscovery} fills `jwks_uri` from it before core runs.
 */
export interface AppJwtStrategy extends JwtStrategy {
  discovery_url: string | null;
}

/**
 * An introspection strategy as loaded: without an `endpoint`, `discovery_url` is set (and
 * `endpoint` is '') until {@link resolveDiscovery} fills it from `introspection_endpoint`.
 */
export interface AppIntrospectionStrategy extends IntrospectionStrategy {
  discovery_url: string | null;
}

export type AppStrategy = Exclude<Strategy, JwtStrategy | IntrospectionStrategy> | AppJwtStrategy | AppIntrospectionStrategy;

export interface AppEndpointConfig extends Omit<EndpointConfig, 'strategies'> {
  strategies: AppStrategy[];
}

/** Settings of `mcp-authz serve` (the forward-auth, ext_authz, admin and companion listeners). */
export interface ServeSettings {
  forward_auth: { listen: string; trusted_proxies: string[] };
  ext_authz: { listen: string };
  admin: { listen: string };
  /** The Authorization Server's public HTTP listener; used only when `authorization_server` is set. */
  companion: { listen: string };
}

/** A built-in user of the Authorization Server's login page. */
export interface AsUser {
  username: string;
  /** bcrypt hash of the password, or null when `password_env` is used. */
  password_hash: string | null;
  /** Name of the environment variable holding the password, or null when hashed. */
  password_env: string | null;
  /** Scopes this user may be granted; a client asking for more gets the intersection. */
  scopes: string[];
  email: string | null;
  groups: string[];
}

/** A client registered in the configuration rather than through dynamic registration. */
export interface AsClient {
  client_id: string;
  client_name: string | null;
  redirect_uris: string[];
  token_endpoint_auth_method: 'none' | 'client_secret_basic';
  /** Name of the environment variable holding the client secret (client_secret_basic only). */
  client_secret_env: string | null;
}

/** `authorization_server.login.oidc`: federated sign-in at an upstream OpenID Provider. */
export interface AsOidcLogin {
  /** The IdP's issuer; discovered at start-up (`/.well-known/openid-configuration`). */
  issuer: string;
  client_id: string;
  /** Variable holding our client secret at the IdP, or null for a public client (PKCE only). */
  client_secret_env: string | null;
  /** Scopes requested from the IdP; always includes `openid`. */
  scopes: string[];
  /** Email domains allowed to sign in (exact, lower-case); empty allows any. */
  allowed_email_domains: string[];
  require_email_verified: boolean;
  /** Claim of the ID token / userinfo holding the person's groups. */
  groups_claim: string;
  /** Scopes every federated person may be granted. */
  user_scopes: string[];
  /** Emails (lower-case) of administrators; they may also be granted `admin_scopes`. */
  admin_users: string[];
  admin_scopes: string[];
}

/** `authorization_server.login`: sign-in methods besides the built-in users. */
export interface AsLoginSettings {
  oidc?: AsOidcLogin;
}

/** Where the Authorization Server keeps clients, grants, refresh tokens and sessions. */
export type AsStorage = { type: 'sqlite'; path: string } | { type: 'redis'; url: string };

/** The `authorization_server:` section: the companion's OAuth 2.1 AS for MCP clients. */
export interface AuthorizationServerSettings {
  /** Issuer identifier, no trailing slash; byte-identical in metadata, tokens and PRM. */
  issuer: string;
  /** Signing keys (ES256, optionally RS256) are generated into and kept in `dir`. */
  keys: { dir: string; rs256: boolean };
  storage: AsStorage;
  /** Seconds. */
  access_token_ttl: number;
  /** Seconds a refresh token lives; each use rotates it. */
  refresh_token_ttl: number;
  users: AsUser[];
  clients: AsClient[];
  /** RFC 7591 dynamic client registration, open to anyone when `open`; or a static client handed out. */
  registration: AsRegistration;
  /**
   * Client ID Metadata Documents (an https URL as client_id, fetched by the AS). Absent means the
   * defaults: enabled (MCP 2025-11-25 recommends CIMD support), 5120-byte cap.
   */
  client_id_metadata_documents?: { enabled: boolean; max_bytes: number };
  /** Absent when no other sign-in method is configured. */
  login?: AsLoginSettings;
  /** Per-client-address budgets of /register, /authorize, /token and the login form (also per username). */
  rate_limits: AsRateLimits;
}

/** The effective configuration: validated, defaults applied, `${ENV}` expanded. */
export interface AppConfig extends Omit<CoreConfig, 'endpoints'> {
  endpoints: AppEndpointConfig[];
  nginx: NginxSettings;
  serve: ServeSettings;
  /** The companion Authorization Server, or null when not configured. */
  authorization_server: AuthorizationServerSettings | null;
  /** Where `serve` counts per-subject rate limits; absent means in process. */
  rate_limits?: RateLimitSettings;
}

type Assert<T extends true> = T;
/** Compile-time proof that an AppConfig can be handed to core unchanged (the extras are inert). */
export type AppConfigIsCoreConfig = Assert<AppConfig extends CoreConfig ? true : false>;

/**
 * Project an AppConfig onto exactly {@link CoreConfig}, dropping the nginx settings and
 * `discovery_url`, so the JSON embedded in the njs bundle carries nothing core does not read.
 */
export function toCoreConfig(config: AppConfig): CoreConfig {
  return {
    endpoints: config.endpoints.map((endpoint) => ({
      ...endpoint,
      strategies: endpoint.strategies.map((strategy): Strategy => {
        if (strategy.type !== 'jwt' && strategy.type !== 'introspection') return strategy;
        const { discovery_url: _dropped, ...core } = strategy;
        return core;
      }),
    })),
    identity_headers: config.identity_headers,
    cors: config.cors,
    max_token_length: config.max_token_length,
  };
}

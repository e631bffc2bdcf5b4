/**
 * The configuration shape the loader produces: core's {@link CoreConfig} plus what only the
 * Node side needs (nginx generation settings, where to discover a JWKS URL).
 */
import type { CoreConfig, EndpointConfig, JwtStrategy, Strategy } from '../core/config-types.ts';

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

export type AppStrategy = Exclude<Strategy, JwtStrategy> | AppJwtStrategy;

export interface AppEndpointConfig extends Omit<EndpointConfig, 'strategies'> {
  strategies: AppStrategy[];
}

/** Settings of `mcp-authz serve` (the forward-auth, ext_authz and admin listeners). */
export interface ServeSettings {
  forward_auth: { listen: string; trusted_proxies: string[] };
  ext_authz: { listen: string };
  admin: { listen: string };
}

/** The effective configuration: validated, defaults applied, `${ENV}` expanded. */
export interface AppConfig extends Omit<CoreConfig, 'endpoints'> {
  endpoints: AppEndpointConfig[];
  nginx: NginxSettings;
  serve: ServeSettings;
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
        if (strategy.type !== 'jwt') return strategy;
        const { discovery_url: _dropped, ...core } = strategy;
        return core;
      }),
    })),
    identity_headers: config.identity_headers,
    cors: config.cors,
    max_token_length: config.max_token_length,
  };
}

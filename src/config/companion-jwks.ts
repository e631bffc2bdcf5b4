/**
 * A jwt strategy that trusts the companion's own issuer and names no `jwks_uri` gets the
 * companion's key set URL directly. OIDC discovery would ask the companion itself, which `serve`
 * starts only after discovery is resolved, and which may be down while `mcp-authz nginx` runs.
 */
import type { AppConfig, AppStrategy } from './app-config.ts';
import { ROUTES } from '../companion/routes.ts';
import { stripTrailingSlash } from './url-rules.ts';

/** `config` with the companion's JWKS URL filled into the strategies that need it. */
export function fillCompanionJwks(config: AppConfig): AppConfig {
  const as = config.authorization_server;
  if (as === null) return config;
  const fill = (s: AppStrategy): AppStrategy =>
    s.type === 'jwt' && s.jwks_uri === '' && stripTrailingSlash(s.issuer) === as.issuer
      ? { ...s, jwks_uri: as.issuer + ROUTES.jwks, discovery_url: null }
      : s;
  return { ...config, endpoints: config.endpoints.map((e) => ({ ...e, strategies: e.strategies.map(fill) })) };
}

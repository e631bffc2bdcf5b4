/**
 * Each distinct JWKS URL gets an internal nginx location (`/_mcp_authz/jwks/<n>`), numbered in
 * config order. The conf generator and the njs port both derive the numbering from here.
 */
import type { CoreConfig } from '../core/types.ts';

/** Distinct JWKS URLs of the configuration, in order. */
export function jwksUris(config: CoreConfig): string[] {
  const out: string[] = [];
  config.endpoints.forEach(function (e) {
    e.strategies.forEach(function (s) {
      if (s.type === 'jwt' && out.indexOf(s.jwks_uri) < 0) out.push(s.jwks_uri);
    });
  });
  return out;
}

/** The internal location serving a JWKS URL; `refresh` names the rate-limited refetch location. */
export function jwksLocation(index: number, refresh: boolean): string {
  return (refresh ? '/_mcp_authz/jwks-refresh/' : '/_mcp_authz/jwks/') + index;
}

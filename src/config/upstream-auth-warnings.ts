/** Start-up warnings about `bypass` and `upstream_auth` (valid, but worth a second look). */
import { isTokenAuth } from '../core/upstream-auth-config.ts';
import type { AppEndpointConfig } from './app-config.ts';

/** Warnings for one endpoint, in a stable order. */
export function upstreamAuthWarnings(endpoint: AppEndpointConfig): string[] {
  const name = `endpoint "${endpoint.id}"`;
  const out: string[] = [];
  const bypass = endpoint.bypass ?? [];
  if (bypass.length) out.push(`${name} lets ${bypass.join(', ')} through without authentication (bypass)`);
  const a = endpoint.upstream_auth;
  if (a && endpoint.pass_authorization && (a.type !== 'api_key' || a.header === null)) {
    out.push(`${name}: upstream_auth replaces the client's Authorization, so pass_authorization has no effect on it`);
  }
  if (isTokenAuth(a) && a.expiry_margin >= a.default_ttl) {
    out.push(`${name}: upstream_auth.expiry_margin (${a.expiry_margin} s) is not below default_ttl (${a.default_ttl} s); tokens without expires_in are fetched on every check`);
  }
  return out;
}

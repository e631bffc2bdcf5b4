/**
 * Entry points of the public server, deliberately tiny (no core, no configuration): njs 0.7.9
 * clones a request's VM with everything imported in its context, and these run on every request.
 *  - `tokenKey` js_set: the decision cache key, a SHA-256 of the Authorization header and the query
 *    (never the token itself, which nginx would write into the cache file). Empty without an
 *    Authorization header: nothing is cached then.
 *  - `deny`     js_content of @mcp_authz_deny: replays the check's denial to the client.
 */
import nodeCrypto from 'crypto';
import { decisionCacheKey } from '../core/decision-cache-key.ts';
import { replayDenial } from './response.ts';

/**
 * A header name outside letters, digits and '-' may alias one we control (core's header-aliases
 * rule); nginx drops those by default, but with underscores_in_headers on they arrive. Such a
 * request gets no cache key, so the full check sees it.
 */
function hasOddHeaderName(r: NginxHTTPRequest): boolean {
  const raw = r.rawHeadersIn;
  for (let i = 0; i < raw.length; i++) {
    if (/[^A-Za-z0-9-]/.test(raw[i][0])) return true;
  }
  return false;
}

function tokenKey(r: NginxHTTPRequest): string {
  const auth = r.headersIn['Authorization'];
  return auth && !hasOddHeaderName(r) ? decisionCacheKey(auth, r.variables.mcp_authz_args || '', function (text) {
    return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  }) : '';
}

function deny(r: NginxHTTPRequest): void {
  replayDenial(r, r.variables.mcp_authz_response);
}

export default { tokenKey: tokenKey, deny: deny };

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

function tokenKey(r: NginxHTTPRequest): string {
  const auth = r.headersIn['Authorization'];
  return auth ? decisionCacheKey(auth, r.variables.mcp_authz_args || '', function (text) {
    return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  }) : '';
}

function deny(r: NginxHTTPRequest): void {
  replayDenial(r, r.variables.mcp_authz_response);
}

export default { tokenKey: tokenKey, deny: deny };

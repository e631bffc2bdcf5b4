/**
 * The njs module's entry points, named in the generated conf:
 *  - `check`    js_content of the internal check server, behind auth_request + proxy_cache;
 *  - `deny`     js_content of @mcp_authz_deny: replays the check's denial to the client;
 *  - `respond`  js_content for resource metadata and CORS preflights in the public server;
 *  - `tokenKey` js_set: the decision cache key, a SHA-256 of the Authorization header and the query
 *    (a decision depends on both; never the token itself, which nginx would write into the cache
 *    file). Empty without an Authorization header: nothing is cached then.
 * A thrown error becomes a 500 from nginx: the check fails closed.
 */
import nodeCrypto from 'crypto';
import { decide } from '../core/decide.ts';
import { decisionCacheKey } from '../core/decision-cache-key.ts';
import { config } from './bundled-config.ts';
import { njsPorts } from './njs-ports.ts';
import { checkRequest, directRequest } from './request.ts';
import { replayDenial, sendCheckResult, sendRespond } from './response.ts';

const CHECK_PREFIX = '/check/';

async function check(r: NginxHTTPRequest): Promise<void> {
  const endpointId = r.uri.indexOf(CHECK_PREFIX) === 0 ? r.uri.slice(CHECK_PREFIX.length) : '';
  const d = await decide(checkRequest(r), config, njsPorts(r, config), { endpointId: endpointId });
  sendCheckResult(r, d, config.identity_headers);
}

function deny(r: NginxHTTPRequest): void {
  replayDenial(r, r.variables.mcp_authz_response);
}

async function respond(r: NginxHTTPRequest): Promise<void> {
  const d = await decide(directRequest(r), config, njsPorts(r, config), { endpointId: r.variables.mcp_authz_endpoint || undefined });
  if (d.action === 'respond') sendRespond(r, d);
  // Only metadata and preflights are routed here; anything else is a routing mistake.
  else r.return(500);
}

function tokenKey(r: NginxHTTPRequest): string {
  const auth = r.headersIn['Authorization'];
  return auth ? decisionCacheKey(auth, r.variables.mcp_authz_args || '', function (text) {
    return nodeCrypto.createHash('sha256').update(text).digest('base64url');
  }) : '';
}

export default { check: check, deny: deny, respond: respond, tokenKey: tokenKey };

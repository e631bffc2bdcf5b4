/**
 * The `upstreamCredential` port in njs. Fetched tokens come from the check server's cached
 * credential location (proxy_cache + proxy_cache_lock = one refresh in flight; stale copies while
 * refreshing or while the token endpoint fails), keyed per endpoint, or per SHA-256 of the user's
 * token for token exchange; a cached copy past its real expiry is refused (fail closed). Scripts
 * are compiled into this bundle and get ngx.fetch and process.env.
 */
import nodeCrypto from 'crypto';
import type { EndpointConfig, Principal, Result, UpstreamCredential } from '../core/types.ts';
import { isTokenAuth } from '../core/upstream-auth-config.ts';
import { credentialLocation, type CachedCredential } from './credential-locations.ts';
import scripts from './upstream-scripts.ts';

const UNAVAILABLE = 'upstream_credential_unavailable';

function fail(detail: string): Result<UpstreamCredential> {
  return { ok: false, reason: UNAVAILABLE, detail: detail };
}

async function cached(r: NginxHTTPRequest, endpoint: EndpointConfig, subjectToken: string | null): Promise<Result<UpstreamCredential>> {
  const args = subjectToken ? 'k=' + nodeCrypto.createHash('sha256').update(subjectToken).digest('base64url') : '';
  const reply = await r.subrequest(credentialLocation(endpoint.id), { method: 'GET', args: args });
  if (reply.status !== 200) return fail('HTTP ' + reply.status);
  let c: CachedCredential;
  try {
    c = JSON.parse(reply.responseText || '');
  } catch (e) {
    return fail('unreadable credential');
  }
  const now = Date.now() / 1000;
  if (!c || typeof c.authorization !== 'string' || !(c.expires_at > now)) return fail('credential expired');
  return { ok: true, value: { authorization: c.authorization, ttl: Math.max(0, c.refresh_at - now) } };
}

async function scripted(endpoint: EndpointConfig, principal: Principal, subjectToken: string | null, file: string): Promise<Result<UpstreamCredential>> {
  const fn = scripts[file];
  if (!fn) return fail('script not bundled');
  try {
    const out: any = await fn({
      endpoint: { id: endpoint.id, resource: endpoint.resource, upstream: endpoint.upstream },
      principal: principal,
      subjectToken: subjectToken,
      // ngx.fetch needs `this` to be ngx.
      fetch: function (url: string, init?: any) { return ngx.fetch(url, init); },
      env: process.env,
    });
    const authorization = typeof out === 'string' ? out : out && typeof out.authorization === 'string' ? out.authorization : '';
    if (!authorization) return fail('script returned no value');
    return { ok: true, value: { authorization: authorization, ttl: out && typeof out.ttl === 'number' ? Math.max(0, out.ttl) : 0 } };
  } catch (e) {
    return fail('script failed: ' + (e as Error).message);
  }
}

/** The port bound to one request (subrequests hang off it). */
export function njsUpstreamCredential(r: NginxHTTPRequest) {
  return async function (endpoint: EndpointConfig, principal: Principal, subjectToken: string | null): Promise<Result<UpstreamCredential>> {
    const a = endpoint.upstream_auth;
    let result: Result<UpstreamCredential> = fail('no fetched credential for this endpoint');
    if (a && a.type === 'script') result = await scripted(endpoint, principal, subjectToken, a.file);
    else if (isTokenAuth(a)) result = await cached(r, endpoint, a.type === 'token_exchange' ? subjectToken : null);
    // The detail never holds a secret (HTTP status, script error message): for the operator.
    if (!result.ok) ngx.log(ngx.ERR, 'mcp-authz: no upstream credential for endpoint ' + endpoint.id + ': ' + (result.detail || result.reason));
    return result;
  };
}

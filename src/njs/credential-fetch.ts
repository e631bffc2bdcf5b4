/**
 * js_content of /_mcp_authz/cred-fetch/<id>, reached only through the cached credential location
 * (so one runs at a time per key): requests the token (token-request-form.ts) through the
 * endpoint's token location, retrying network errors, 5xx and 429 with doubling delays, and
 * answers 200 + the credential with `X-Accel-Expires: expires_in − margin`, or 503 (not cached).
 * For token exchange the subject token is the client's Authorization, which the check request
 * carried here; the cache key holds only its hash.
 */
import { bearerToken } from '../core/bearer-token.ts';
import { endpointById } from '../core/endpoint-match.ts';
import { parseTokenResponse, retryableTokenStatus, tokenRequestForm } from '../core/token-request-form.ts';
import { isTokenAuth } from '../core/upstream-auth-config.ts';
import { config } from './bundled-config.ts';
import { CREDENTIAL_FETCH_PREFIX, tokenLocation, type CachedCredential } from './credential-locations.ts';

function sleep(ms: number): Promise<void> {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

function unavailable(r: NginxHTTPRequest, why: string): void {
  r.headersOut['X-Accel-Expires'] = '0';
  r.headersOut['Content-Type'] = 'application/json';
  r.return(503, JSON.stringify({ error: 'temporarily_unavailable', error_description: why }));
}

/** The handler. */
export async function credentialFetch(r: NginxHTTPRequest): Promise<void> {
  const id = r.uri.indexOf(CREDENTIAL_FETCH_PREFIX) === 0 ? r.uri.slice(CREDENTIAL_FETCH_PREFIX.length) : '';
  const endpoint = endpointById(config, id);
  const a = endpoint ? endpoint.upstream_auth : null;
  if (!isTokenAuth(a)) return unavailable(r, 'no token credential configured');
  let subject: string | null = null;
  if (a.type === 'token_exchange') {
    const b = bearerToken(r.headersIn['Authorization']);
    if (b.kind !== 'token') return unavailable(r, 'no subject token');
    subject = b.token;
  }
  const form = tokenRequestForm(a, subject);
  let delay = a.retry_delay_ms;
  let last = '';
  for (let i = 0; ; i++) {
    const reply = await r.subrequest(tokenLocation(id), { method: 'POST', body: form.body, args: form.basic ? 'b=' + form.basic : '' });
    if (reply.status === 200) {
      const token = parseTokenResponse(reply.responseText || '');
      if (!token) return unavailable(r, 'token response has no access_token');
      // Fractional seconds: the bounds njs checks are exact; X-Accel-Expires rounds down.
      const now = Date.now() / 1000;
      const lifetime = token.expiresIn === null ? a.default_ttl : token.expiresIn;
      const fresh = Math.max(0, Math.floor(lifetime - a.expiry_margin));
      const body: CachedCredential = { authorization: 'Bearer ' + token.accessToken, expires_at: now + lifetime, refresh_at: now + fresh };
      r.headersOut['X-Accel-Expires'] = String(fresh);
      r.headersOut['Content-Type'] = 'application/json';
      r.return(200, JSON.stringify(body));
      return;
    }
    last = 'HTTP ' + reply.status;
    // 502/504 are nginx's own answer when the endpoint is unreachable or timed out.
    const transient = retryableTokenStatus(reply.status);
    if (!transient || i >= a.retries) break;
    await sleep(delay);
    delay *= 2;
  }
  unavailable(r, 'token endpoint failed: ' + last);
}

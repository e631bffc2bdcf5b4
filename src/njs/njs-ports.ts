/**
 * Core's ports inside njs. Keys are imported as SPKI (njs 0.7.9 has no JWK import for RSA/EC);
 * key sets come from internal locations whose proxy_cache keeps the last good copy and limits
 * refetches (see the generated http.conf), so this file holds no state of its own.
 */
import { algParams } from '../core/algorithms.ts';
import type { CoreConfig, HttpReply, Jwk, JwkSet, Ports, Result } from '../core/types.ts';
import { jwksMaxAge } from './bundled-config.ts';
import { jwkToSpki } from './jwk-to-spki.ts';
import { jwksLocation, jwksUris } from './jwks-locations.ts';
import { postHeaderVar, postLocation, postTargets, type PostTarget } from './post-locations.ts';
import { njsUpstreamCredential } from './upstream-credential-port.ts';
import { njsRunScript } from './script-port.ts';

/** njs 0.7.9 WebCrypto has no Ed25519. */
function supportsAlg(alg: string): boolean {
  return alg !== 'EdDSA' && algParams(alg) !== null;
}

async function verify(alg: string, jwk: Jwk, signature: Uint8Array, input: Uint8Array): Promise<boolean> {
  const p = algParams(alg);
  const spki = jwkToSpki(jwk);
  if (!p || !spki) return false;
  try {
    const key = await crypto.subtle.importKey('spki', spki, p.importAlg as any, false, ['verify']);
    return await crypto.subtle.verify(p.verifyAlg as any, key, signature, input);
  } catch (e) {
    return false;
  }
}

/**
 * proxy_cache serves the last good key set while the IdP fails, with no time limit of its own;
 * the IdP's Date header (passed through by the jwks location) bounds it here.
 */
function tooOld(date: string | undefined): boolean {
  const fetched = date ? Date.parse(date) : NaN;
  return isFinite(fetched) && Date.now() / 1000 - fetched / 1000 > jwksMaxAge;
}

/**
 * POST through the target's internal location (timeouts live there). Headers go in js_var
 * variables the location reads; each is reset so nothing of an earlier call lingers.
 */
function poster(r: NginxHTTPRequest, config: CoreConfig): (url: string, headers: Record<string, string>, body: string) => Promise<Result<HttpReply>> {
  // Derived on the first POST only: most checks (JWT, API key) never make one.
  let targets: PostTarget[] | null = null;
  return async function (url, headers, body) {
    if (!targets) targets = postTargets(config);
    let index = -1;
    for (let i = 0; i < targets.length; i++) if (targets[i].url === url) index = i;
    if (index < 0) return { ok: false, reason: 'unreachable', detail: 'no location for ' + url };
    const names = targets[index].headers;
    for (let k = 0; k < names.length; k++) r.variables[postHeaderVar(k)] = headers[names[k]] || '';
    try {
      const reply = await r.subrequest(postLocation(index), { method: 'POST', body: body });
      // nginx answers 502/504 itself when the service is down or slow: core sees a 5xx and fails closed.
      return { ok: true, value: { status: reply.status, body: reply.responseText || '' } };
    } catch (e) {
      return { ok: false, reason: 'unreachable', detail: 'subrequest failed' };
    }
  };
}

/** Ports bound to one request (subrequests hang off it). */
export function njsPorts(r: NginxHTTPRequest, config: CoreConfig): Ports {
  const uris = jwksUris(config);
  return {
    now: function () { return Date.now() / 1000; },
    supportsAlg: supportsAlg,
    verify: verify,
    post: poster(r, config),
    runScript: njsRunScript(config),
    getJwks: async function (uri: string, refresh: boolean): Promise<Result<JwkSet>> {
      const index = uris.indexOf(uri);
      if (index < 0) return { ok: false, reason: 'jwks_unavailable', detail: 'no location for ' + uri };
      const reply = await r.subrequest(jwksLocation(index, refresh), { method: 'GET' });
      if (reply.status !== 200) return { ok: false, reason: 'jwks_unavailable', detail: 'HTTP ' + reply.status };
      if (tooOld(reply.headersOut['Date'])) return { ok: false, reason: 'jwks_unavailable', detail: 'cached keys too old' };
      try {
        const set = JSON.parse(reply.responseText || '');
        if (set && Array.isArray(set.keys)) return { ok: true, value: set as JwkSet };
      } catch (e) {
        // fall through
      }
      return { ok: false, reason: 'jwks_unavailable', detail: 'not a JWK Set' };
    },
    upstreamCredential: njsUpstreamCredential(r),
  };
}

/**
 * `jwt`: a signed access token verified against the issuer's JWK Set.
 * Rules, in order: parse (jwt-parse.ts); `alg` on the allow-list and supported by this runtime
 * (never `none` or HS*: config refuses them and oct keys never qualify); `typ` when configured
 * (RFC 9068 §4: `at+jwt`, `application/` prefix optional); a key with the token's kid, refetching
 * the set once when the kid is unknown (rotation); the signature; then the claims (jwt-claims.ts).
 */
import type { JwtStrategy } from '../config-types.ts';
import { candidateKeys } from '../jwt-keys.ts';
import { checkClaims } from '../jwt-claims.ts';
import { parseJwt } from '../jwt-parse.ts';
import { principalFromClaims } from '../principal.ts';
import type { Jwk, Ports, Result } from '../types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';

function normalTyp(typ: unknown): string {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
}

async function keysFor(s: JwtStrategy, ports: Ports, alg: string, kid: string | undefined): Promise<Result<Jwk[]>> {
  const set = await ports.getJwks(s.jwks_uri, false);
  if (!set.ok) return { ok: false, reason: 'jwks_unavailable', detail: set.detail };
  let keys = candidateKeys(set.value, alg, kid);
  if (keys.length === 0 && kid !== undefined) {
    const fresh = await ports.getJwks(s.jwks_uri, true);
    if (fresh.ok) keys = candidateKeys(fresh.value, alg, kid);
  }
  return keys.length ? { ok: true, value: keys } : { ok: false, reason: 'unknown_kid' };
}

async function verifyWithAny(ports: Ports, alg: string, keys: Jwk[], sig: Uint8Array, input: Uint8Array): Promise<boolean> {
  for (let i = 0; i < keys.length; i++) {
    if (await ports.verify(alg, keys[i], sig, input)) return true;
  }
  return false;
}

/** Run the jwt strategy. */
export async function jwtStrategy(s: JwtStrategy, input: StrategyInput): Promise<Outcome> {
  if (input.bearer.kind === 'none') return { kind: 'skip' };
  if (input.bearer.kind === 'malformed') return { kind: 'reject', reason: 'malformed_token' };
  const parsed = parseJwt(input.bearer.token);
  if (!parsed.ok) return { kind: 'reject', reason: parsed.reason };
  const jwt = parsed.value;
  const alg = jwt.header.alg;
  if (typeof alg !== 'string' || s.algorithms.indexOf(alg) < 0 || !input.ports.supportsAlg(alg)) {
    return { kind: 'reject', reason: 'alg_not_allowed' };
  }
  if (s.typ && normalTyp(jwt.header.typ) !== normalTyp(s.typ)) return { kind: 'reject', reason: 'typ_mismatch' };
  const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined;
  const keys = await keysFor(s, input.ports, alg, kid);
  if (!keys.ok) return { kind: 'reject', reason: keys.reason };
  if (!(await verifyWithAny(input.ports, alg, keys.value, jwt.signature, jwt.signingInput))) {
    return { kind: 'reject', reason: 'bad_signature' };
  }
  const claims = checkClaims(jwt.payload, s, input.ports.now());
  if (!claims.ok) return { kind: 'reject', reason: claims.reason };
  const principal = principalFromClaims(jwt.payload, input.endpoint.claims, 'jwt');
  if (!principal) return { kind: 'reject', reason: 'missing_claim' };
  return { kind: 'accept', principal: principal, ttl: Math.min(claims.value, s.cache_ttl) };
}

/**
 * Claim checks on a token whose signature verified (RFC 7519 §4.1, RFC 9068 §4, RFC 8707).
 * Rules, in order:
 *  1. `iss` equals the configured issuer byte for byte.
 *  2. `aud` (string or array) contains an accepted audience; one trailing slash is ignored.
 *  3. `exp` is present, numeric, and now < exp + skew.
 *  4. `nbf`, when present, is ≤ now + skew; `iat`, when present, is ≤ now + skew.
 *  5. With a max token age, now − iat ≤ age + skew (and `iat` is then required).
 *  6. Every required claim is present.
 */
import type { JwtStrategy } from './config-types.ts';
import { stripTrailingSlash } from './url.ts';
import type { Result } from './types.ts';

/** Own properties only: `constructor` or `toString` must not count as present claims. */
export function hasOwn(o: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, name);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && isFinite(v);
}

function audienceMatches(aud: unknown, accepted: string[]): boolean {
  const list = Array.isArray(aud) ? aud : [aud];
  const wanted = accepted.map(stripTrailingSlash);
  return list.some(function (a) {
    return typeof a === 'string' && wanted.indexOf(stripTrailingSlash(a)) >= 0;
  });
}

/** Check a verified payload; returns the remaining lifetime in seconds on success. */
export function checkClaims(payload: Record<string, unknown>, s: JwtStrategy, now: number): Result<number> {
  if (payload.iss !== s.issuer) return { ok: false, reason: 'iss_mismatch' };
  if (!audienceMatches(payload.aud, s.audience)) return { ok: false, reason: 'aud_mismatch' };
  const exp = payload.exp;
  if (!isNumber(exp)) return { ok: false, reason: 'missing_claim', detail: 'exp' };
  if (now >= exp + s.clock_skew) return { ok: false, reason: 'token_expired' };
  if (payload.nbf !== undefined && (!isNumber(payload.nbf) || payload.nbf > now + s.clock_skew)) {
    return { ok: false, reason: 'token_not_yet_valid' };
  }
  const iat = payload.iat;
  if (iat !== undefined && (!isNumber(iat) || iat > now + s.clock_skew)) return { ok: false, reason: 'token_not_yet_valid' };
  if (s.max_token_age > 0) {
    if (!isNumber(iat)) return { ok: false, reason: 'missing_claim', detail: 'iat' };
    if (now - iat > s.max_token_age + s.clock_skew) return { ok: false, reason: 'token_too_old' };
  }
  for (let i = 0; i < s.required_claims.length; i++) {
    if (!hasOwn(payload, s.required_claims[i])) return { ok: false, reason: 'missing_claim', detail: s.required_claims[i] };
  }
  return { ok: true, value: Math.max(0, Math.floor(exp - now)) };
}

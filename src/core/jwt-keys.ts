/**
 * Which keys of a JWK Set may verify a token.
 * Rules: the key type and curve fit the algorithm (RFC 7518 §3, RFC 8037); a key's own `alg`, when
 * present, equals the token's; a key's `use`, when present, is `sig`; a token `kid` selects only
 * keys with that kid. Symmetric keys (`oct`) never qualify, which also defeats HS256-with-public-key.
 */
import type { Jwk, JwkSet } from './config-types.ts';

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** True when `jwk` can verify signatures made with `alg`. */
export function keyFitsAlg(jwk: Jwk, alg: string): boolean {
  if (jwk.alg && jwk.alg !== alg) return false;
  if (jwk.use && jwk.use !== 'sig') return false;
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return jwk.kty === 'RSA' && !!jwk.n && !!jwk.e;
  if (CURVES[alg]) return jwk.kty === 'EC' && jwk.crv === CURVES[alg] && !!jwk.x && !!jwk.y;
  if (alg === 'EdDSA') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && !!jwk.x;
  return false;
}

/** Keys that may verify a token with this `alg` and optional `kid`, at most a handful. */
export function candidateKeys(set: JwkSet, alg: string, kid: string | undefined): Jwk[] {
  const keys = Array.isArray(set.keys) ? set.keys : [];
  return keys
    .filter(function (k) {
      // A key set is remote input: skip entries that are not objects instead of throwing.
      return !!k && typeof k === 'object' && (kid === undefined || k.kid === kid) && keyFitsAlg(k, alg);
    })
    .slice(0, 4);
}

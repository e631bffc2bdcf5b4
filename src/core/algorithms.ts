/**
 * JWS algorithm → WebCrypto parameters (RFC 7518 §3), shared by the njs and Node ports.
 */

export interface AlgParams {
  /** importKey algorithm. */
  importAlg: Record<string, unknown>;
  /** verify algorithm. */
  verifyAlg: Record<string, unknown>;
}

const HASH: Record<string, string> = { '256': 'SHA-256', '384': 'SHA-384', '512': 'SHA-512' };
const CURVE: Record<string, string> = { '256': 'P-256', '384': 'P-384', '512': 'P-521' };

/** WebCrypto parameters for a JWS alg, or null for algorithms we never verify. */
export function algParams(alg: string): AlgParams | null {
  const m = /^(RS|PS|ES)(256|384|512)$/.exec(alg);
  if (m && m[1] === 'RS') {
    return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: HASH[m[2]] }, verifyAlg: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  if (m && m[1] === 'PS') {
    // RFC 7518 §3.5: the salt is as long as the hash.
    return { importAlg: { name: 'RSA-PSS', hash: HASH[m[2]] }, verifyAlg: { name: 'RSA-PSS', saltLength: Number(m[2]) / 8 } };
  }
  if (m && m[1] === 'ES') {
    return { importAlg: { name: 'ECDSA', namedCurve: CURVE[m[2]] }, verifyAlg: { name: 'ECDSA', hash: HASH[m[2]] } };
  }
  if (alg === 'EdDSA') return { importAlg: { name: 'Ed25519' }, verifyAlg: { name: 'Ed25519' } };
  return null;
}

/**
 * JWK → SPKI DER for njs 0.7.9, whose WebCrypto cannot import 'jwk' for RSA/EC but verifies
 * real JWTs with 'spki' keys. Minimal DER (X.690) for exactly two shapes:
 *   RSA: SEQ{ SEQ{ rsaEncryption, NULL }, BITSTRING{ SEQ{ INT n, INT e } } }      (RFC 3279 §2.3.1)
 *   EC:  SEQ{ SEQ{ id-ecPublicKey, curve }, BITSTRING{ 04 ‖ x ‖ y } }            (RFC 5480 §2)
 */
import { decodeBase64url } from '../core/base64url.ts';
import type { Jwk } from '../core/types.ts';

const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_OID = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const CURVE_OIDS: Record<string, number[]> = {
  'P-256': [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
  'P-384': [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
  'P-521': [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23],
};

function tlv(tag: number, content: number[]): number[] {
  const n = content.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else if (n < 0x100) len = [0x81, n];
  else len = [0x82, n >> 8, n & 0xff];
  return [tag].concat(len, content);
}

/** DER INTEGER from unsigned big-endian bytes: no leading zeros, one 0x00 if the top bit is set. */
function derInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const out = Array.prototype.slice.call(bytes, i) as number[];
  return tlv(0x02, out[0] & 0x80 ? [0].concat(out) : out);
}

function bytes(b64: string | undefined): Uint8Array | null {
  if (!b64) return null;
  const r = decodeBase64url(b64);
  return r.ok ? r.value : null;
}

/** SPKI DER for an RSA or EC public JWK, or null for anything else. */
export function jwkToSpki(jwk: Jwk): Uint8Array | null {
  let algId: number[];
  let key: number[];
  if (jwk.kty === 'RSA') {
    const n = bytes(jwk.n);
    const e = bytes(jwk.e);
    if (!n || !e) return null;
    algId = tlv(0x30, RSA_OID.concat([0x05, 0x00]));
    key = tlv(0x30, derInteger(n).concat(derInteger(e)));
  } else if (jwk.kty === 'EC' && jwk.crv && CURVE_OIDS[jwk.crv]) {
    const x = bytes(jwk.x);
    const y = bytes(jwk.y);
    if (!x || !y) return null;
    algId = tlv(0x30, EC_OID.concat(CURVE_OIDS[jwk.crv]));
    key = [0x04].concat(Array.prototype.slice.call(x) as number[], Array.prototype.slice.call(y) as number[]);
  } else {
    return null;
  }
  return new Uint8Array(tlv(0x30, algId.concat(tlv(0x03, [0x00].concat(key)))));
}

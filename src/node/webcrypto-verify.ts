/**
 * Node's signature port: WebCrypto with JWK import, imported keys memoised per JWK so steady
 * traffic pays the import once.
 */
import { webcrypto } from 'node:crypto';
import { algParams } from '../core/algorithms.ts';
import type { Jwk } from '../core/types.ts';

const imported = new Map<string, Promise<webcrypto.CryptoKey | null>>();
const MAX_KEYS = 256;

function importJwk(alg: string, jwk: Jwk): Promise<webcrypto.CryptoKey | null> {
  const id = alg + ' ' + JSON.stringify(jwk);
  let key = imported.get(id);
  if (!key) {
    const p = algParams(alg);
    key = p
      ? webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, p.importAlg as unknown as webcrypto.AlgorithmIdentifier, false, ['verify']).catch(() => null)
      : Promise.resolve(null);
    if (imported.size >= MAX_KEYS) imported.clear();
    imported.set(id, key);
  }
  return key;
}

/** Verify a JWS signature; false on any failure. */
export async function webcryptoVerify(alg: string, jwk: Jwk, signature: Uint8Array, input: Uint8Array): Promise<boolean> {
  const p = algParams(alg);
  const key = await importJwk(alg, jwk);
  if (!p || !key) return false;
  try {
    return await webcrypto.subtle.verify(p.verifyAlg as unknown as webcrypto.AlgorithmIdentifier, key, signature, input);
  } catch {
    return false;
  }
}

/** Algorithms Node verifies. */
export function nodeSupportsAlg(alg: string): boolean {
  return algParams(alg) !== null;
}

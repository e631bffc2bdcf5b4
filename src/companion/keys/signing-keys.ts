/**
 * The Authorization Server's signing keys, kept in `keys.dir/signing-keys.json` (0600). ES256 is
 * generated on first start and signs access tokens; RS256 is added when `keys.rs256` is set. The
 * file lists each algorithm's current key first and at most one previous key after it: the
 * provider signs with the first key of an algorithm and publishes them all in its JWKS, so tokens
 * signed just before a rotation keep verifying at resource servers that cache the key set.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { readPrivateJson, writePrivateJson } from './private-file.ts';

/** Algorithms the companion signs with. */
export type SigningAlg = 'ES256' | 'RS256';

/** A private signing JWK as stored and handed to oidc-provider. */
export type SigningJwk = JWK & { kid: string; alg: SigningAlg; use: 'sig' };

/** Tagged outcome of loading or rotating the key file. */
export type SigningKeysResult = { ok: true; keys: SigningJwk[]; created: string[] } | { ok: false; error: string };

/** Name of the key file inside `keys.dir`. */
export const SIGNING_KEYS_FILE = 'signing-keys.json';

async function generate(alg: SigningAlg): Promise<SigningJwk> {
  const { privateKey } = alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  // RFC 7638 thumbprint: a stable kid that says nothing about when or where the key was made.
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

function isSigningJwk(value: unknown): value is SigningJwk {
  if (value === null || typeof value !== 'object') return false;
  const k = value as Record<string, unknown>;
  return typeof k.kid === 'string' && (k.alg === 'ES256' || k.alg === 'RS256') && typeof k.d === 'string';
}

function readKeys(dir: string): { ok: true; keys: SigningJwk[] } | { ok: false; error: string } {
  const path = join(dir, SIGNING_KEYS_FILE);
  const read = readPrivateJson(path);
  if (!read.ok) return read;
  if (read.value === undefined) return { ok: true, keys: [] };
  const keys = (read.value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || !keys.every(isSigningJwk)) return { ok: false, error: `${path} does not hold a list of private ES256/RS256 JWKs` };
  return { ok: true, keys };
}

function wanted(rs256: boolean): SigningAlg[] {
  return rs256 ? ['ES256', 'RS256'] : ['ES256'];
}

/**
 * Load the keys in `dir`, generating a key for every wanted algorithm that has none yet (first
 * start, or `rs256` switched on). ES256 comes first so it is the default signing key.
 */
export async function loadOrCreateSigningKeys(dir: string, o: { rs256: boolean }): Promise<SigningKeysResult> {
  const read = readKeys(dir);
  if (!read.ok) return read;
  const keys = [...read.keys];
  const created: string[] = [];
  for (const alg of wanted(o.rs256)) {
    if (keys.some((k) => k.alg === alg)) continue;
    const key = await generate(alg);
    keys.push(key);
    created.push(key.kid);
  }
  const ordered = orderByAlg(keys);
  if (created.length > 0) writePrivateJson(join(dir, SIGNING_KEYS_FILE), { keys: ordered });
  return { ok: true, keys: ordered, created };
}

/**
 * Rotate: a new current key for every algorithm in use; the old current key stays published as
 * the previous one, and any older key is dropped. Takes effect when the companion (re)starts.
 */
export async function rotateSigningKeys(dir: string, o: { rs256: boolean }): Promise<SigningKeysResult> {
  const read = readKeys(dir);
  if (!read.ok) return read;
  const algs = new Set<SigningAlg>([...wanted(o.rs256), ...read.keys.map((k) => k.alg)]);
  const keys: SigningJwk[] = [];
  const created: string[] = [];
  for (const alg of algs) {
    const fresh = await generate(alg);
    created.push(fresh.kid);
    const previous = read.keys.find((k) => k.alg === alg);
    keys.push(fresh, ...(previous ? [previous] : []));
  }
  const ordered = orderByAlg(keys);
  writePrivateJson(join(dir, SIGNING_KEYS_FILE), { keys: ordered });
  return { ok: true, keys: ordered, created };
}

// ES256 first (the default signing algorithm), each algorithm's keys in current-first order.
function orderByAlg(keys: SigningJwk[]): SigningJwk[] {
  return [...keys.filter((k) => k.alg === 'ES256'), ...keys.filter((k) => k.alg === 'RS256')];
}

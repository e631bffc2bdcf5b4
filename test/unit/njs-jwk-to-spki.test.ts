import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { jwkToSpki } from '../../src/njs/jwk-to-spki.ts';
import type { Jwk } from '../../src/core/config-types.ts';

function expected(jwk: JsonWebKey): Buffer {
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

function check(jwk: JsonWebKey, label: string): void {
  const got = jwkToSpki(jwk as Jwk);
  assert.ok(got, label);
  assert.equal(Buffer.from(got).toString('hex'), expected(jwk).toString('hex'), label);
  // And Node can import what we produced.
  const back = createPublicKey({ key: Buffer.from(got), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  assert.equal(back.n ?? back.x, jwk.n ?? jwk.x, label);
}

function rsaJwk(modulusLength: number, publicExponent = 65537): JsonWebKey {
  return generateKeyPairSync('rsa', { modulusLength, publicExponent }).publicKey.export({ format: 'jwk' });
}

test('RSA 2048, e=65537: byte-for-byte equal to node:crypto SPKI', () => {
  for (let i = 0; i < 3; i++) {
    const jwk = rsaJwk(2048);
    assert.equal(jwk.e, 'AQAB');
    const n = Buffer.from(jwk.n as string, 'base64url');
    assert.equal(n.length, 256);
    assert.ok(n[0] & 0x80, 'a full 2048-bit modulus has its top bit set (needs a 0x00 pad in DER)');
    check(jwk, 'rsa2048');
  }
});

test('RSA with a modulus whose top byte has the high bit clear (2047 bits, no pad)', () => {
  const jwk = rsaJwk(2047);
  assert.equal(Buffer.from(jwk.n as string, 'base64url')[0] & 0x80, 0);
  check(jwk, 'rsa2047');
});

test('RSA 1024 (one-byte long length) and 4096 (two-byte long length)', () => {
  check(rsaJwk(1024), 'rsa1024');
  check(rsaJwk(4096), 'rsa4096');
});

test('RSA with e=3 and a large odd exponent whose top bit is set', () => {
  check(rsaJwk(2048, 3), 'e=3');
  check(rsaJwk(2048, 0x80000001), 'e=0x80000001');
});

test('RSA: a non-minimal n with leading zero bytes yields the same DER', () => {
  const jwk = rsaJwk(2048);
  const padded = Buffer.concat([Buffer.from([0, 0]), Buffer.from(jwk.n as string, 'base64url')]).toString('base64url');
  const got = jwkToSpki({ kty: 'RSA', n: padded, e: jwk.e });
  assert.ok(got);
  assert.equal(Buffer.from(got).toString('hex'), expected(jwk).toString('hex'));
});

for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
  test(`EC ${curve}: byte-for-byte equal to node:crypto SPKI`, () => {
    for (let i = 0; i < 5; i++) {
      const jwk = generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ format: 'jwk' });
      assert.equal(jwk.crv, curve);
      check(jwk, curve);
    }
  });
}

test('extra JWK members (kid, alg, use) do not change the output', () => {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const got = jwkToSpki({ ...(jwk as Jwk), kid: 'k', alg: 'ES256', use: 'sig' });
  assert.ok(got);
  assert.equal(Buffer.from(got).toString('hex'), expected(jwk).toString('hex'));
});

test('OKP, oct and unknown key types → null', () => {
  const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  assert.equal(jwkToSpki(ed as Jwk), null);
  assert.equal(jwkToSpki({ kty: 'oct', k: 'c2VjcmV0' } as Jwk), null);
  assert.equal(jwkToSpki({ kty: 'rsa', n: 'AQAB', e: 'AQAB' }), null);
  assert.equal(jwkToSpki({ kty: '' }), null);
});

test('EC with an unsupported or missing curve → null', () => {
  assert.equal(jwkToSpki({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' }), null);
  assert.equal(jwkToSpki({ kty: 'EC', x: 'AA', y: 'AA' }), null);
});

test('missing or invalid base64url members → null', () => {
  assert.equal(jwkToSpki({ kty: 'RSA', e: 'AQAB' }), null);
  assert.equal(jwkToSpki({ kty: 'RSA', n: 'AQAB' }), null);
  assert.equal(jwkToSpki({ kty: 'RSA', n: 'AQ+B', e: 'AQAB' }), null);
  assert.equal(jwkToSpki({ kty: 'RSA', n: 'AQAB', e: 'AQAB=' }), null);
  assert.equal(jwkToSpki({ kty: 'EC', crv: 'P-256', x: 'AA' }), null);
  assert.equal(jwkToSpki({ kty: 'EC', crv: 'P-256', x: 'A', y: 'AA' }), null);
});

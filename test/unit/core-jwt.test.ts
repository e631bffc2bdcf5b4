import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJwt } from '../../src/core/jwt-parse.ts';
import { checkClaims } from '../../src/core/jwt-claims.ts';
import { candidateKeys, keyFitsAlg } from '../../src/core/jwt-keys.ts';
import type { Jwk, JwtStrategy } from '../../src/core/config-types.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const seg = (v: unknown): string => b64(JSON.stringify(v));
const SIG = Buffer.from([1, 2, 3, 250]).toString('base64url');

function reason(r: { ok: boolean; reason?: string }): string | undefined {
  return r.ok ? undefined : r.reason;
}

describe('parseJwt', () => {
  test('a well-formed token: header, payload, signature bytes and ASCII signing input', () => {
    const h = seg({ alg: 'RS256', kid: 'k1' });
    const p = seg({ sub: 'alice', n: 1 });
    const r = parseJwt(`${h}.${p}.${SIG}`);
    assert.ok(r.ok);
    assert.deepEqual(r.value.header, { alg: 'RS256', kid: 'k1' });
    assert.deepEqual(r.value.payload, { sub: 'alice', n: 1 });
    assert.deepEqual(Array.from(r.value.signature), [1, 2, 3, 250]);
    assert.equal(Buffer.from(r.value.signingInput).toString('latin1'), `${h}.${p}`);
  });

  test('not exactly three segments: malformed', () => {
    const h = seg({ alg: 'RS256' });
    const p = seg({});
    for (const t of ['', h, `${h}.${p}`, `${h}.${p}.${SIG}.${SIG}`, `${h}.${p}.${SIG}.`, `..`.slice(0, 1)]) {
      assert.equal(reason(parseJwt(t)), 'malformed_token', JSON.stringify(t));
    }
  });

  test('header and payload must be JSON objects', () => {
    const ok = seg({ alg: 'RS256' });
    for (const bad of ['null', '[]', '[1]', '"str"', '42', 'true', '{', '', 'not json']) {
      assert.equal(reason(parseJwt(`${b64(bad)}.${ok}.${SIG}`)), 'malformed_token', `header ${bad}`);
      assert.equal(reason(parseJwt(`${ok}.${b64(bad)}.${SIG}`)), 'malformed_token', `payload ${bad}`);
    }
  });

  test('header or payload not base64url, or not UTF-8: malformed', () => {
    const ok = seg({ alg: 'RS256' });
    assert.equal(reason(parseJwt(`${ok}=.${ok}.${SIG}`)), 'malformed_token');
    assert.equal(reason(parseJwt(`${ok}.${ok}+.${SIG}`)), 'malformed_token');
    const latin1 = Buffer.from('{"a":"\xe9"}', 'latin1').toString('base64url');
    assert.equal(reason(parseJwt(`${latin1}.${ok}.${SIG}`)), 'malformed_token');
  });

  test('empty signature: alg_not_allowed (unsigned token)', () => {
    const r = parseJwt(`${seg({ alg: 'none' })}.${seg({ sub: 'a' })}.`);
    assert.equal(reason(r), 'alg_not_allowed');
  });

  test('empty signature with an unparsable payload is still malformed', () => {
    assert.equal(reason(parseJwt(`${seg({ alg: 'none' })}.!!.`)), 'malformed_token');
  });

  test('signature not base64url: malformed', () => {
    const t = `${seg({ alg: 'RS256' })}.${seg({})}.`;
    assert.equal(reason(parseJwt(t + 'ab/c')), 'malformed_token');
    assert.equal(reason(parseJwt(t + 'abcde')), 'malformed_token');
    assert.equal(reason(parseJwt(t + 'abc=')), 'malformed_token');
  });
});

const NOW = 1_700_000_000;
function strategy(over: Partial<JwtStrategy> = {}): JwtStrategy {
  return {
    type: 'jwt', issuer: 'https://issuer.example', jwks_uri: 'https://issuer.example/jwks', audience: ['https://mcp.example/mcp'],
    algorithms: ['RS256'], clock_skew: 60, required_claims: [], max_token_age: 0, typ: null, cache_ttl: 300, ...over,
  };
}
function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: 'https://issuer.example', aud: 'https://mcp.example/mcp', exp: NOW + 600, sub: 'alice', ...over };
}

describe('checkClaims', () => {
  test('valid claims: ok with the remaining lifetime', () => {
    const r = checkClaims(claims(), strategy(), NOW);
    assert.deepEqual(r, { ok: true, value: 600 });
    assert.deepEqual(checkClaims(claims({ exp: NOW + 10.9 }), strategy(), NOW), { ok: true, value: 10 });
  });

  test('remaining lifetime is never negative inside the skew window', () => {
    assert.deepEqual(checkClaims(claims({ exp: NOW - 30 }), strategy(), NOW), { ok: true, value: 0 });
  });

  test('iss must match exactly: trailing slash, case, missing, non-string rejected', () => {
    for (const iss of ['https://issuer.example/', 'https://ISSUER.example', 'https://issuer.example ', undefined, null, ['https://issuer.example']]) {
      assert.equal(reason(checkClaims(claims({ iss }), strategy(), NOW)), 'iss_mismatch', JSON.stringify(iss));
    }
    // And the other way round: configured with a slash, token without.
    assert.equal(reason(checkClaims(claims(), strategy({ issuer: 'https://issuer.example/' }), NOW)), 'iss_mismatch');
  });

  test('aud as a string or an array containing an accepted audience', () => {
    assert.ok(checkClaims(claims({ aud: 'https://mcp.example/mcp' }), strategy(), NOW).ok);
    assert.ok(checkClaims(claims({ aud: ['other', 'https://mcp.example/mcp'] }), strategy(), NOW).ok);
    assert.ok(checkClaims(claims({ aud: 'b' }), strategy({ audience: ['a', 'b'] }), NOW).ok);
  });

  test('aud: one trailing slash is ignored on either side', () => {
    assert.ok(checkClaims(claims({ aud: 'https://mcp.example/mcp/' }), strategy(), NOW).ok);
    assert.ok(checkClaims(claims({ aud: 'https://mcp.example/mcp' }), strategy({ audience: ['https://mcp.example/mcp/'] }), NOW).ok);
    assert.ok(checkClaims(claims({ aud: ['https://mcp.example/mcp/'] }), strategy(), NOW).ok);
  });

  test('aud mismatches', () => {
    const bad: unknown[] = [
      undefined, null, '', [], 'https://mcp.example/mc', 'https://mcp.example/mcp//', 'https://mcp.example/mcp/x',
      'https://mcp.example/MCP', ['https://other'], [42], 42, { 0: 'https://mcp.example/mcp' },
    ];
    for (const aud of bad) {
      assert.equal(reason(checkClaims(claims({ aud }), strategy(), NOW)), 'aud_mismatch', JSON.stringify(aud));
    }
    assert.equal(reason(checkClaims(claims(), strategy({ audience: [] }), NOW)), 'aud_mismatch');
  });

  test('exp missing or non-numeric: missing_claim exp', () => {
    for (const exp of [undefined, null, String(NOW + 600), true, [NOW + 600], NaN, Infinity]) {
      const r = checkClaims(claims({ exp }), strategy(), NOW);
      assert.equal(reason(r), 'missing_claim', String(exp));
      if (!r.ok) assert.equal(r.detail, 'exp');
    }
  });

  test('exp with skew boundary: valid while now < exp + skew', () => {
    const s = strategy({ clock_skew: 60 });
    assert.ok(checkClaims(claims({ exp: NOW - 59 }), s, NOW).ok);
    assert.equal(reason(checkClaims(claims({ exp: NOW - 60 }), s, NOW)), 'token_expired');
    assert.equal(reason(checkClaims(claims({ exp: NOW - 61 }), s, NOW)), 'token_expired');
    const z = strategy({ clock_skew: 0 });
    assert.ok(checkClaims(claims({ exp: NOW + 1 }), z, NOW).ok);
    assert.equal(reason(checkClaims(claims({ exp: NOW }), z, NOW)), 'token_expired');
  });

  test('nbf in the future beyond skew: token_not_yet_valid; at the boundary: ok', () => {
    const s = strategy({ clock_skew: 60 });
    assert.ok(checkClaims(claims({ nbf: NOW + 60 }), s, NOW).ok);
    assert.equal(reason(checkClaims(claims({ nbf: NOW + 61 }), s, NOW)), 'token_not_yet_valid');
    assert.equal(reason(checkClaims(claims({ nbf: String(NOW) }), s, NOW)), 'token_not_yet_valid');
    assert.equal(reason(checkClaims(claims({ nbf: null }), s, NOW)), 'token_not_yet_valid');
  });

  test('iat in the future beyond skew: token_not_yet_valid', () => {
    const s = strategy({ clock_skew: 60 });
    assert.ok(checkClaims(claims({ iat: NOW + 60 }), s, NOW).ok);
    assert.ok(checkClaims(claims({ iat: NOW - 100000 }), s, NOW).ok); // no max age: old is fine
    assert.equal(reason(checkClaims(claims({ iat: NOW + 61 }), s, NOW)), 'token_not_yet_valid');
    assert.equal(reason(checkClaims(claims({ iat: 'yesterday' }), s, NOW)), 'token_not_yet_valid');
  });

  test('max_token_age: iat required, age ≤ max + skew', () => {
    const s = strategy({ max_token_age: 3600, clock_skew: 60 });
    const missing = checkClaims(claims(), s, NOW);
    assert.equal(reason(missing), 'missing_claim');
    if (!missing.ok) assert.equal(missing.detail, 'iat');
    assert.ok(checkClaims(claims({ iat: NOW - 3660 }), s, NOW).ok);
    assert.equal(reason(checkClaims(claims({ iat: NOW - 3661 }), s, NOW)), 'token_too_old');
    assert.ok(checkClaims(claims({ iat: NOW }), s, NOW).ok);
  });

  test('required claims must be present', () => {
    const s = strategy({ required_claims: ['client_id', 'jti'] });
    const r = checkClaims(claims({ client_id: 'c' }), s, NOW);
    assert.equal(reason(r), 'missing_claim');
    if (!r.ok) assert.equal(r.detail, 'jti');
    assert.ok(checkClaims(claims({ client_id: 'c', jti: 'j' }), s, NOW).ok);
    // present-but-falsy counts as present
    assert.ok(checkClaims(claims({ client_id: '', jti: 0 }), s, NOW).ok);
  });

  test('required claims are own claims, not Object.prototype members', () => {
    const s = strategy({ required_claims: ['constructor'] });
    assert.equal(reason(checkClaims(claims(), s, NOW)), 'missing_claim');
  });

  test('rules apply in order: iss before aud before exp', () => {
    assert.equal(reason(checkClaims({ aud: 'x' }, strategy(), NOW)), 'iss_mismatch');
    assert.equal(reason(checkClaims({ iss: 'https://issuer.example', aud: 'x' }, strategy(), NOW)), 'aud_mismatch');
    assert.equal(reason(checkClaims(claims({ exp: NOW - 1000, nbf: NOW + 1000 }), strategy(), NOW)), 'token_expired');
  });
});

const RSA: Jwk = { kty: 'RSA', n: 'AQAB', e: 'AQAB' };
const P256: Jwk = { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' };
const P384: Jwk = { kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA' };
const P521: Jwk = { kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA' };
const ED: Jwk = { kty: 'OKP', crv: 'Ed25519', x: 'AA' };

describe('keyFitsAlg', () => {
  test('RSA keys fit RS* and PS*, nothing else', () => {
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) assert.equal(keyFitsAlg(RSA, alg), true, alg);
    for (const alg of ['ES256', 'EdDSA', 'HS256', 'none', 'RS1', 'rs256']) assert.equal(keyFitsAlg(RSA, alg), false, alg);
  });

  test('RSA keys need n and e', () => {
    assert.equal(keyFitsAlg({ kty: 'RSA', e: 'AQAB' }, 'RS256'), false);
    assert.equal(keyFitsAlg({ kty: 'RSA', n: 'AQAB' }, 'RS256'), false);
  });

  test('EC keys fit only the ES alg of their curve', () => {
    assert.equal(keyFitsAlg(P256, 'ES256'), true);
    assert.equal(keyFitsAlg(P384, 'ES384'), true);
    assert.equal(keyFitsAlg(P521, 'ES512'), true);
    assert.equal(keyFitsAlg(P256, 'ES384'), false);
    assert.equal(keyFitsAlg(P384, 'ES256'), false);
    assert.equal(keyFitsAlg(P521, 'ES256'), false);
    assert.equal(keyFitsAlg({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' }, 'ES256'), false);
    assert.equal(keyFitsAlg({ kty: 'EC', crv: 'P-256', x: 'AA' }, 'ES256'), false);
    assert.equal(keyFitsAlg(P256, 'RS256'), false);
  });

  test('OKP Ed25519 fits EdDSA only', () => {
    assert.equal(keyFitsAlg(ED, 'EdDSA'), true);
    assert.equal(keyFitsAlg({ kty: 'OKP', crv: 'Ed448', x: 'AA' }, 'EdDSA'), false);
    assert.equal(keyFitsAlg({ kty: 'OKP', crv: 'X25519', x: 'AA' }, 'EdDSA'), false);
    assert.equal(keyFitsAlg(ED, 'ES256'), false);
  });

  test('oct keys never qualify, whatever alg they claim', () => {
    for (const alg of ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA', 'none']) {
      assert.equal(keyFitsAlg({ kty: 'oct', alg: alg } as Jwk, alg), false, alg);
      assert.equal(keyFitsAlg({ kty: 'oct' } as Jwk, alg), false, alg);
    }
  });

  test("a key's own alg must equal the token's", () => {
    assert.equal(keyFitsAlg({ ...RSA, alg: 'RS256' }, 'RS256'), true);
    assert.equal(keyFitsAlg({ ...RSA, alg: 'RS256' }, 'PS256'), false);
    assert.equal(keyFitsAlg({ ...RSA, alg: 'PS256' }, 'RS256'), false);
    assert.equal(keyFitsAlg({ ...P256, alg: 'ES384' }, 'ES256'), false);
  });

  test("a key's use, when present, must be sig", () => {
    assert.equal(keyFitsAlg({ ...RSA, use: 'sig' }, 'RS256'), true);
    assert.equal(keyFitsAlg({ ...RSA, use: 'enc' }, 'RS256'), false);
    assert.equal(keyFitsAlg({ ...RSA, use: 'SIG' }, 'RS256'), false);
  });
});

describe('candidateKeys', () => {
  const set = {
    keys: [
      { ...RSA, kid: 'a' },
      { ...RSA, kid: 'b', use: 'enc' },
      { ...P256, kid: 'b' },
      { ...RSA, kid: 'c' },
      { kty: 'oct', kid: 'a', k: 'c2VjcmV0' } as Jwk,
      { ...RSA },
    ],
  };

  test('kid selects only keys with that kid that fit the alg', () => {
    assert.deepEqual(candidateKeys(set, 'RS256', 'a'), [{ ...RSA, kid: 'a' }]);
    assert.deepEqual(candidateKeys(set, 'RS256', 'b'), []);
    assert.deepEqual(candidateKeys(set, 'ES256', 'b'), [{ ...P256, kid: 'b' }]);
    assert.deepEqual(candidateKeys(set, 'RS256', 'zzz'), []);
    assert.deepEqual(candidateKeys(set, 'HS256', 'a'), []);
  });

  test('a kid does not match keys without a kid', () => {
    assert.deepEqual(candidateKeys({ keys: [RSA] }, 'RS256', 'a'), []);
  });

  test('no kid: every fitting key, in order', () => {
    assert.deepEqual(candidateKeys(set, 'RS256', undefined).map((k) => k.kid), ['a', 'c', undefined]);
  });

  test('at most four candidates', () => {
    const many = { keys: Array.from({ length: 10 }, (_, i) => ({ ...RSA, kid: 'k' + i })) };
    assert.equal(candidateKeys(many, 'RS256', undefined).length, 4);
  });

  test('a set without a keys array yields nothing', () => {
    assert.deepEqual(candidateKeys({} as { keys: Jwk[] }, 'RS256', undefined), []);
    assert.deepEqual(candidateKeys({ keys: 'x' } as unknown as { keys: Jwk[] }, 'RS256', undefined), []);
  });

  test('non-object entries in keys are skipped, not thrown on', () => {
    const s = { keys: [null, { ...RSA, kid: 'a' }] } as unknown as { keys: Jwk[] };
    assert.deepEqual(candidateKeys(s, 'RS256', 'a'), [{ ...RSA, kid: 'a' }]);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBase64url, decodeBase64urlText, encodeBase64url } from '../../src/core/base64url.ts';

test('encode/decode round-trip random bytes of every length 0..64, matching Buffer base64url', () => {
  for (let len = 0; len <= 64; len++) {
    for (let rep = 0; rep < 8; rep++) {
      const bytes = new Uint8Array(randomBytes(len));
      const expected = Buffer.from(bytes).toString('base64url');
      const encoded = encodeBase64url(bytes);
      assert.equal(encoded, expected, `encode len=${len}`);
      const decoded = decodeBase64url(expected);
      assert.ok(decoded.ok, `decode len=${len}`);
      assert.deepEqual(Buffer.from(decoded.value), Buffer.from(bytes), `decode len=${len}`);
      assert.equal(decoded.value.length, len);
    }
  }
});

test('all-0xff and all-0x00 bytes round-trip (top bits and `_`/`-` characters)', () => {
  for (const fill of [0x00, 0xff, 0xfb, 0xfe]) {
    for (let len = 1; len <= 9; len++) {
      const bytes = new Uint8Array(len).fill(fill);
      const encoded = encodeBase64url(bytes);
      assert.equal(encoded, Buffer.from(bytes).toString('base64url'));
      const d = decodeBase64url(encoded);
      assert.ok(d.ok);
      assert.deepEqual(Array.from(d.value), Array.from(bytes));
    }
  }
});

test('empty string decodes to zero bytes', () => {
  const d = decodeBase64url('');
  assert.ok(d.ok);
  assert.equal(d.value.length, 0);
});

test('rejects `=` padding', () => {
  for (const s of ['QQ==', 'QUI=', 'QQ=', '=', 'e30=']) {
    const d = decodeBase64url(s);
    assert.equal(d.ok, false, s);
    if (!d.ok) assert.equal(d.reason, 'malformed_token');
  }
});

test('rejects the standard-alphabet characters `+` and `/` and other foreign characters', () => {
  for (const s of ['ab+c', 'ab/c', '+/+/', 'ab c', 'ab.c', 'abc\n', 'äbcd', 'ab%2']) {
    const d = decodeBase64url(s);
    assert.equal(d.ok, false, JSON.stringify(s));
    if (!d.ok) assert.equal(d.reason, 'malformed_token');
  }
  // The same positions with the URL-safe characters are fine.
  assert.ok(decodeBase64url('ab-c').ok);
  assert.ok(decodeBase64url('ab_c').ok);
});

test('rejects a length that is 1 mod 4', () => {
  for (const s of ['A', 'AAAAA', 'AAAAAAAAA']) {
    const d = decodeBase64url(s);
    assert.equal(d.ok, false, s);
    if (!d.ok) assert.match(d.detail ?? '', /length/);
  }
  for (const s of ['AA', 'AAA', 'AAAA', 'AAAAAA']) assert.ok(decodeBase64url(s).ok, s);
});

test('decodeBase64urlText decodes UTF-8 including multi-byte characters', () => {
  const text = '{"name":"Zoë ✓ 🚀"}';
  const d = decodeBase64urlText(Buffer.from(text, 'utf8').toString('base64url'));
  assert.ok(d.ok);
  assert.equal(d.value, text);
});

test('decodeBase64urlText rejects invalid UTF-8', () => {
  const bad = [
    [0xff],
    [0xc3], // truncated 2-byte sequence
    [0xc0, 0xaf], // overlong '/'
    [0xed, 0xa0, 0x80], // UTF-16 surrogate
    [0x7b, 0x80, 0x7d], // lone continuation byte
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  ];
  for (const b of bad) {
    const d = decodeBase64urlText(Buffer.from(b).toString('base64url'));
    assert.equal(d.ok, false, JSON.stringify(b));
    if (!d.ok) {
      assert.equal(d.reason, 'malformed_token');
      assert.match(d.detail ?? '', /UTF-8/);
    }
  }
});

test('decodeBase64urlText passes through base64url errors', () => {
  const d = decodeBase64urlText('e30=');
  assert.equal(d.ok, false);
  if (!d.ok) assert.match(d.detail ?? '', /character/);
});

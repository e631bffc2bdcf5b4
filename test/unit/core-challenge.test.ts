import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerChallenge, quote } from '../../src/core/challenge.ts';

const RM = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';

test('quote wraps in double quotes and escapes `"` and `\\`', () => {
  assert.equal(quote('plain'), '"plain"');
  assert.equal(quote(''), '""');
  assert.equal(quote('a"b'), '"a\\"b"');
  assert.equal(quote('a\\b'), '"a\\\\b"');
  assert.equal(quote('\\"'), '"\\\\\\""');
  assert.equal(quote('"'), '"\\""');
});

test('quote drops control characters, so CR/LF cannot split the header', () => {
  assert.equal(quote('a\r\nSet-Cookie: x=1'), '"aSet-Cookie: x=1"');
  assert.equal(quote('a\u0000b\tc\u001fd\u007fe'), '"abcde"');
  const q = quote('x\r\n\r\n<html>');
  assert.doesNotMatch(q, /[\r\n]/);
});

test('quote: a dropped control char cannot un-escape a quote', () => {
  // If escaping ran first, "\\\n\"" could leave an unescaped quote after removal; it must not.
  const q = quote('\\\n"');
  assert.equal(q, '"\\\\\\""');
  // The value inside the outer quotes has no unescaped `"`.
  const inner = q.slice(1, -1);
  assert.doesNotMatch(inner.replace(/\\./g, ''), /"/);
});

test('bearerChallenge: only resource_metadata when nothing else is given', () => {
  assert.equal(bearerChallenge({ resourceMetadata: RM }), `Bearer resource_metadata="${RM}"`);
});

test('bearerChallenge: parameter order resource_metadata, scope, error, error_description', () => {
  const c = bearerChallenge({ resourceMetadata: RM, scope: 'a b', error: 'insufficient_scope', description: 'need more' });
  assert.equal(c, `Bearer resource_metadata="${RM}", scope="a b", error="insufficient_scope", error_description="need more"`);
});

test('bearerChallenge: scope without error is kept (401 hint)', () => {
  assert.equal(bearerChallenge({ resourceMetadata: RM, scope: 'mcp:tools' }), `Bearer resource_metadata="${RM}", scope="mcp:tools"`);
});

test('bearerChallenge: description is dropped without an error', () => {
  const c = bearerChallenge({ resourceMetadata: RM, description: 'orphan' });
  assert.equal(c, `Bearer resource_metadata="${RM}"`);
  assert.equal(bearerChallenge({ resourceMetadata: RM, error: null, description: 'orphan' }), `Bearer resource_metadata="${RM}"`);
});

test('bearerChallenge: empty scope and empty error are left out', () => {
  assert.equal(bearerChallenge({ resourceMetadata: RM, scope: '', error: '' }), `Bearer resource_metadata="${RM}"`);
});

test('bearerChallenge: error without description has no error_description', () => {
  assert.equal(bearerChallenge({ resourceMetadata: RM, error: 'invalid_token' }), `Bearer resource_metadata="${RM}", error="invalid_token"`);
});

test('bearerChallenge: every parameter value goes through quote', () => {
  const c = bearerChallenge({ resourceMetadata: 'x"y', scope: 'a\r\nb', error: 'e\\', description: 'd"\n' });
  assert.equal(c, 'Bearer resource_metadata="x\\"y", scope="ab", error="e\\\\", error_description="d\\""');
  assert.doesNotMatch(c, /[\r\n]/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken } from '../../src/core/bearer-token.ts';

test('no header or an empty one: none', () => {
  assert.deepEqual(bearerToken(undefined), { kind: 'none' });
  assert.deepEqual(bearerToken(''), { kind: 'none' });
});

test('the scheme is case-insensitive', () => {
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    assert.deepEqual(bearerToken(scheme + ' abc'), { kind: 'token', token: 'abc' }, scheme);
  }
});

test('other schemes mean no bearer token', () => {
  assert.deepEqual(bearerToken('Basic dXNlcjpwYXNz'), { kind: 'none' });
  assert.deepEqual(bearerToken('DPoP abc'), { kind: 'none' });
  assert.deepEqual(bearerToken('Bearerx abc'), { kind: 'none' });
  assert.deepEqual(bearerToken('Basic'), { kind: 'none' });
  assert.deepEqual(bearerToken('abc.def.ghi'), { kind: 'none' });
});

test('b64token charset: letters, digits, - . _ ~ + / and trailing =', () => {
  const t = 'AZaz09-._~+/==';
  assert.deepEqual(bearerToken('Bearer ' + t), { kind: 'token', token: t });
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
  assert.deepEqual(bearerToken('Bearer ' + jwt), { kind: 'token', token: jwt });
});

test('bare scheme or scheme plus spaces: malformed', () => {
  assert.deepEqual(bearerToken('Bearer'), { kind: 'malformed' });
  assert.deepEqual(bearerToken('bearer'), { kind: 'malformed' });
  assert.deepEqual(bearerToken('Bearer '), { kind: 'malformed' });
  assert.deepEqual(bearerToken('Bearer    '), { kind: 'malformed' });
});

test('characters outside b64token: malformed', () => {
  for (const t of ['a b', 'a,b', 'a"b', 'a=b', '=abc', 'abc=d', 'a;b', 'tök', 'a\tb', 'abc ', 'a\\b', 'a%20b']) {
    assert.deepEqual(bearerToken('Bearer ' + t), { kind: 'malformed' }, JSON.stringify(t));
  }
});

test('several spaces after the scheme are accepted', () => {
  assert.deepEqual(bearerToken('Bearer   abc'), { kind: 'token', token: 'abc' });
});

test('a second credential after the token is malformed, not silently truncated', () => {
  assert.deepEqual(bearerToken('Bearer abc, Bearer def'), { kind: 'malformed' });
  assert.deepEqual(bearerToken('Bearer abc def'), { kind: 'malformed' });
});

test('a CR/LF inside the value never yields a token', () => {
  assert.notEqual(bearerToken('Bearer abc\r\nX: y').kind, 'token');
  assert.notEqual(bearerToken('Bearer abc\n').kind, 'token');
});

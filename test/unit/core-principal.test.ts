import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimAt, principalFromClaims, stringList, union } from '../../src/core/principal.ts';
import type { ClaimMapping } from '../../src/core/config-types.ts';

const MAP: ClaimMapping = { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope', 'scp'] };

test('claimAt: plain and dotted paths', () => {
  const c = { sub: 'a', realm_access: { roles: ['r1', 'r2'] }, deep: { a: { b: { c: 7 } } } };
  assert.equal(claimAt(c, 'sub'), 'a');
  assert.deepEqual(claimAt(c, 'realm_access.roles'), ['r1', 'r2']);
  assert.equal(claimAt(c, 'deep.a.b.c'), 7);
  assert.equal(claimAt(c, 'realm_access.missing'), undefined);
  assert.equal(claimAt(c, 'missing.roles'), undefined);
  assert.equal(claimAt(c, 'sub.length.x'), undefined);
});

test('claimAt: a literal dotted claim name wins over the path', () => {
  const c = { 'https://example.com/roles': ['lit'], 'a.b': 'literal', a: { b: 'nested' } };
  assert.equal(claimAt(c, 'a.b'), 'literal');
  assert.deepEqual(claimAt(c, 'https://example.com/roles'), ['lit']);
});

test('claimAt: traversal stops at null and primitives', () => {
  assert.equal(claimAt({ a: null }, 'a.b'), undefined);
  assert.equal(claimAt({ a: 'str' }, 'a.b'), undefined);
  assert.equal(claimAt({ a: 5 }, 'a.b'), undefined);
});

test('stringList: whitespace-split strings, string members of arrays, nothing else', () => {
  assert.deepEqual(stringList('a  b\tc\nd '), ['a', 'b', 'c', 'd']);
  assert.deepEqual(stringList(''), []);
  assert.deepEqual(stringList('   '), []);
  assert.deepEqual(stringList(['a', 1, null, 'b', { x: 1 }, ['c']]), ['a', 'b']);
  assert.deepEqual(stringList(42), []);
  assert.deepEqual(stringList(undefined), []);
  assert.deepEqual(stringList({ 0: 'a' }), []);
});

test('union: keeps order, adds only new entries, does not mutate', () => {
  const base = ['a', 'b'];
  assert.deepEqual(union(base, ['b', 'c', 'a', 'c']), ['a', 'b', 'c']);
  assert.deepEqual(base, ['a', 'b']);
});

test('scopes: `scope` string and `scp` array are united without duplicates', () => {
  const p = principalFromClaims({ sub: 'a', scope: 'read write', scp: ['write', 'admin'] }, MAP, 'jwt');
  assert.deepEqual(p?.scopes, ['read', 'write', 'admin']);
  assert.deepEqual(principalFromClaims({ sub: 'a', scp: ['x', 'y'] }, MAP, 'jwt')?.scopes, ['x', 'y']);
  assert.deepEqual(principalFromClaims({ sub: 'a', scope: 'x x y' }, MAP, 'jwt')?.scopes, ['x', 'y']);
  assert.deepEqual(principalFromClaims({ sub: 'a' }, MAP, 'jwt')?.scopes, []);
});

test('scopes: only the configured claims count', () => {
  const map = { ...MAP, scopes: ['permissions'] };
  assert.deepEqual(principalFromClaims({ sub: 'a', scope: 'ignored', permissions: ['p1'] }, map, 'jwt')?.scopes, ['p1']);
});

test('dotted mapping for groups (Keycloak realm_access.roles) and subject', () => {
  const map = { ...MAP, groups: 'realm_access.roles', subject: 'user.id' };
  const p = principalFromClaims({ user: { id: 'u-1' }, realm_access: { roles: ['admin', 'dev'] } }, map, 'jwt');
  assert.equal(p?.subject, 'u-1');
  assert.deepEqual(p?.groups, ['admin', 'dev']);
});

test('missing, empty or non-string subject → null', () => {
  assert.equal(principalFromClaims({}, MAP, 'jwt'), null);
  assert.equal(principalFromClaims({ sub: '' }, MAP, 'jwt'), null);
  assert.equal(principalFromClaims({ sub: 42 }, MAP, 'jwt'), null);
  assert.equal(principalFromClaims({ sub: ['a'] }, MAP, 'jwt'), null);
  assert.equal(principalFromClaims({ sub: null }, MAP, 'jwt'), null);
});

test('email and email_verified', () => {
  const full = principalFromClaims({ sub: 'a', email: 'a@x.y', email_verified: true }, MAP, 'jwt');
  assert.deepEqual(full, { subject: 'a', email: 'a@x.y', emailVerified: true, groups: [], scopes: [], strategy: 'jwt' });
  assert.equal(principalFromClaims({ sub: 'a', email_verified: 'true' }, MAP, 'jwt')?.emailVerified, true);
  assert.equal(principalFromClaims({ sub: 'a', email_verified: false }, MAP, 'jwt')?.emailVerified, false);
  assert.equal(principalFromClaims({ sub: 'a', email_verified: 1 }, MAP, 'jwt')?.emailVerified, false);
  assert.equal(principalFromClaims({ sub: 'a', email_verified: 'yes' }, MAP, 'jwt')?.emailVerified, false);
  const none = principalFromClaims({ sub: 'a', email: '' }, MAP, 'jwt');
  assert.ok(none && !('email' in none) && !('emailVerified' in none));
  assert.ok(!('email' in (principalFromClaims({ sub: 'a', email: ['a@x.y'] }, MAP, 'jwt') ?? {})));
});

test('the strategy name is recorded', () => {
  assert.equal(principalFromClaims({ sub: 'a' }, MAP, 'custom')?.strategy, 'custom');
});

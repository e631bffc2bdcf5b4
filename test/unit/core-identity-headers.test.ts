import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerSafe, headersToRemove, identityHeaders } from '../../src/core/identity-headers.ts';
import type { EndpointConfig, IdentityHeaderNames, Strategy } from '../../src/core/config-types.ts';

const NAMES: IdentityHeaderNames = { subject: 'X-Auth-Subject', email: 'X-Auth-Email', groups: 'X-Auth-Groups', scopes: 'X-Auth-Scopes' };
const OWN = ['x-auth-subject', 'x-auth-email', 'x-auth-groups', 'x-auth-scopes'];

function endpoint(strategies: Strategy[], pass_authorization = false): EndpointConfig {
  return {
    id: 'e', path: '/mcp', resource: 'https://mcp.example/mcp', upstream: 'http://127.0.0.1:9', authorization_servers: [],
    scopes_supported: [], resource_name: null, strategies, pass_authorization,
    policy: { required_scopes: [], allowed_subjects: [], allowed_emails: [], allowed_groups: [], require_email_verified: false },
    claims: { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope'] },
  };
}
const NONE: Strategy = { type: 'none', subject: 'anon', scopes: [] };
const APIKEY: Strategy = { type: 'apikey', header: 'x-api-key', keys: [] };
const TRUSTED: Strategy = { type: 'trusted_header', subject_header: 'remote-user', email_header: 'remote-email', groups_header: 'remote-groups', trusted_peers: [] };

test('our own identity header names are always removed, lower-cased', () => {
  const r = headersToRemove(endpoint([NONE], true), NAMES);
  assert.deepEqual(r, OWN);
});

test('authorization is removed unless pass_authorization', () => {
  assert.ok(headersToRemove(endpoint([NONE]), NAMES).includes('authorization'));
  assert.ok(!headersToRemove(endpoint([NONE], true), NAMES).includes('authorization'));
});

test('the apikey header is removed even with pass_authorization', () => {
  assert.ok(headersToRemove(endpoint([APIKEY]), NAMES).includes('x-api-key'));
  assert.ok(headersToRemove(endpoint([APIKEY], true), NAMES).includes('x-api-key'));
});

test('trusted-header inputs are removed; absent optional ones are not listed', () => {
  const r = headersToRemove(endpoint([TRUSTED]), NAMES);
  for (const h of ['remote-user', 'remote-email', 'remote-groups']) assert.ok(r.includes(h), h);
  const minimal: Strategy = { type: 'trusted_header', subject_header: 'remote-user', email_header: null, groups_header: null, trusted_peers: [] };
  const m = headersToRemove(endpoint([minimal]), NAMES);
  assert.deepEqual(m, [...OWN, 'authorization', 'remote-user']);
  assert.ok(!m.includes('null') && !m.includes(''));
});

test('no duplicates, first occurrence order kept', () => {
  const a2: Strategy = { type: 'apikey', header: 'x-api-key', keys: [] };
  const clash: Strategy = { type: 'apikey', header: 'x-auth-subject', keys: [] };
  const authz: Strategy = { type: 'apikey', header: 'authorization', keys: [] };
  const r = headersToRemove(endpoint([APIKEY, a2, clash, authz, TRUSTED, TRUSTED]), NAMES);
  assert.equal(new Set(r).size, r.length);
  assert.deepEqual(r, [...OWN, 'authorization', 'x-api-key', 'remote-user', 'remote-email', 'remote-groups']);
});

test('jwt, bearer and none strategies add nothing beyond authorization', () => {
  const jwt: Strategy = {
    type: 'jwt', issuer: 'i', jwks_uri: 'u', audience: [], algorithms: ['RS256'], clock_skew: 0, required_claims: [],
    max_token_age: 0, typ: null, cache_ttl: 0,
  };
  const bearer: Strategy = { type: 'bearer', tokens: [] };
  assert.deepEqual(headersToRemove(endpoint([jwt, bearer, NONE]), NAMES), [...OWN, 'authorization']);
});

test('identityHeaders: names as configured; empty email/groups/scopes left out', () => {
  assert.deepEqual(identityHeaders({ subject: 'alice', groups: [], scopes: [], strategy: 'jwt' }, NAMES), { 'X-Auth-Subject': 'alice' });
  assert.deepEqual(
    identityHeaders({ subject: 'alice', email: 'a@x.y', groups: ['g1', 'g2'], scopes: ['s1', 's2'], strategy: 'jwt' }, NAMES),
    { 'X-Auth-Subject': 'alice', 'X-Auth-Email': 'a@x.y', 'X-Auth-Groups': 'g1,g2', 'X-Auth-Scopes': 's1 s2' },
  );
});

test('identityHeaders strips CR/LF and other control characters from every value', () => {
  const h = identityHeaders({
    subject: 'alice\r\nX-Admin: 1', email: 'a@x.y\n', groups: ['g\r1', 'g\u00002'], scopes: ['s\t1', 's\u007f2'], strategy: 'jwt',
  }, NAMES);
  assert.deepEqual(h, { 'X-Auth-Subject': 'aliceX-Admin: 1', 'X-Auth-Email': 'a@x.y', 'X-Auth-Groups': 'g1,g2', 'X-Auth-Scopes': 's1 s2' });
  for (const v of Object.values(h)) assert.doesNotMatch(v, /[\x00-\x1f\x7f]/);
});

test('headerSafe keeps printable text and non-ASCII as is', () => {
  assert.equal(headerSafe('Zoë ✓ a=b; c'), 'Zoë ✓ a=b; c');
  assert.equal(headerSafe('\r\n'), '');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPolicy } from '../../src/core/policy.ts';
import type { Policy } from '../../src/core/config-types.ts';
import type { Principal } from '../../src/core/types.ts';

function policy(over: Partial<Policy> = {}): Policy {
  return { required_scopes: [], allowed_subjects: [], allowed_emails: [], allowed_groups: [], require_email_verified: false, ...over };
}
function who(over: Partial<Principal> = {}): Principal {
  return { subject: 'alice', groups: [], scopes: [], strategy: 'jwt', ...over };
}
function reason(r: ReturnType<typeof checkPolicy>): string {
  return r.ok ? 'ok' : r.reason;
}

test('an empty policy allows anyone', () => {
  assert.deepEqual(checkPolicy(who(), policy()), { ok: true, value: true });
});

test('required scopes: all must be present; detail lists every missing one in order', () => {
  const p = policy({ required_scopes: ['mcp:read', 'mcp:write', 'mcp:admin'] });
  assert.equal(reason(checkPolicy(who({ scopes: ['mcp:read', 'mcp:write', 'mcp:admin', 'x'] }), p)), 'ok');
  assert.deepEqual(checkPolicy(who({ scopes: ['mcp:write'] }), p), { ok: false, reason: 'insufficient_scope', detail: 'mcp:read mcp:admin' });
  assert.deepEqual(checkPolicy(who({ scopes: [] }), p), { ok: false, reason: 'insufficient_scope', detail: 'mcp:read mcp:write mcp:admin' });
});

test('scopes compare exactly (case, prefixes)', () => {
  const p = policy({ required_scopes: ['mcp:tools'] });
  for (const s of ['MCP:tools', 'mcp:tools:extra', 'mcp:tool', 'mcp', ' mcp:tools']) {
    assert.equal(reason(checkPolicy(who({ scopes: [s] }), p)), 'insufficient_scope', s);
  }
});

test('exact email rule, case-insensitive on both sides', () => {
  const p = policy({ allowed_emails: ['Alice@Example.com'] });
  assert.equal(reason(checkPolicy(who({ email: 'alice@example.com' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'ALICE@EXAMPLE.COM' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'bob@example.com' }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ email: 'alice@example.com.evil.org' }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ email: 'xalice@example.com' }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who(), p)), 'subject_not_allowed');
});

test('*@domain matches that exact domain only, case-insensitively', () => {
  const p = policy({ allowed_emails: ['*@example.com'] });
  assert.equal(reason(checkPolicy(who({ email: 'a@example.com' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'A@EXAMPLE.COM' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'a@Example.Com' }), policy({ allowed_emails: ['*@EXAMPLE.com'] }))), 'ok');
  for (const e of [
    'a@evil-example.com', 'a@evilexample.com', 'a@example.com.evil.org', 'a@sub.example.com', 'a@example.co',
    'a@example.com.', 'a@example.comx', 'example.com@evil.org', 'a@evil.org?@example.co', '',
  ]) {
    assert.equal(reason(checkPolicy(who({ email: e }), p)), 'subject_not_allowed', e);
  }
});

test('*@domain: the domain is after the last @', () => {
  const p = policy({ allowed_emails: ['*@example.com'] });
  assert.equal(reason(checkPolicy(who({ email: 'a@evil.org@example.com' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'a@example.com@evil.org' }), p)), 'subject_not_allowed');
});

test('*@domain does not match an email claim without any @', () => {
  const p = policy({ allowed_emails: ['*@example.com'] });
  assert.equal(reason(checkPolicy(who({ email: 'example.com' }), p)), 'subject_not_allowed');
});

test('subjects: exact, case-sensitive', () => {
  const p = policy({ allowed_subjects: ['alice', 'svc-1'] });
  assert.equal(reason(checkPolicy(who({ subject: 'alice' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ subject: 'svc-1' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ subject: 'Alice' }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ subject: 'alice2' }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ subject: 'svc' }), p)), 'subject_not_allowed');
});

test('groups: any one of the principal groups, exact', () => {
  const p = policy({ allowed_groups: ['admins', 'ops'] });
  assert.equal(reason(checkPolicy(who({ groups: ['users', 'ops'] }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ groups: ['Admins'] }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ groups: ['admin'] }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ groups: [] }), p)), 'subject_not_allowed');
});

test('several allow-lists: matching any one list is enough', () => {
  const p = policy({ allowed_subjects: ['bob'], allowed_emails: ['*@corp.example'], allowed_groups: ['ops'] });
  assert.equal(reason(checkPolicy(who({ subject: 'bob' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'x@corp.example' }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ groups: ['ops'] }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'x@other.example', groups: ['dev'] }), p)), 'subject_not_allowed');
});

test('require_email_verified: email present and verified === true', () => {
  const p = policy({ require_email_verified: true });
  assert.equal(reason(checkPolicy(who({ email: 'a@example.com', emailVerified: true }), p)), 'ok');
  assert.equal(reason(checkPolicy(who({ email: 'a@example.com', emailVerified: false }), p)), 'email_not_verified');
  assert.equal(reason(checkPolicy(who({ email: 'a@example.com' }), p)), 'email_not_verified');
  assert.equal(reason(checkPolicy(who({ emailVerified: true }), p)), 'email_not_verified');
  assert.equal(reason(checkPolicy(who({ email: '', emailVerified: true }), p)), 'email_not_verified');
});

test('rule order: email_verified, then allow-list, then scopes', () => {
  const p = policy({ require_email_verified: true, allowed_subjects: ['bob'], required_scopes: ['s'] });
  assert.equal(reason(checkPolicy(who({ email: 'a@x.y' }), p)), 'email_not_verified');
  assert.equal(reason(checkPolicy(who({ email: 'a@x.y', emailVerified: true }), p)), 'subject_not_allowed');
  assert.equal(reason(checkPolicy(who({ subject: 'bob', email: 'a@x.y', emailVerified: true }), p)), 'insufficient_scope');
});

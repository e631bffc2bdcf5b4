/**
 * src/core/tool-policy.ts and header-allow-list.ts: glob matching, which tools a body calls, the
 * rule semantics (all matching rules apply, scopes all-of, groups any-of), the fail-closed cases,
 * and which header names an allow-list keeps from the upstream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointConfig } from '../../src/core/config-types.ts';
import { ALWAYS_PASSED, headersNotPassed, passedHeaderNames } from '../../src/core/header-allow-list.ts';
import { calledTools, checkTools, globMatch, toolRefusal, utf8Length } from '../../src/core/tool-policy.ts';

function endpoint(over: Partial<EndpointConfig> = {}): EndpointConfig {
  return Object.assign({
    id: 'mcp', path: '/mcp', resource: 'https://mcp.example.test/mcp', upstream: 'http://127.0.0.1:9', authorization_servers: [], scopes_supported: [],
    resource_name: null, strategies: [], claims: { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope'] },
    policy: { required_scopes: ['mcp'], allowed_subjects: [], allowed_emails: [], allowed_groups: [], require_email_verified: false },
    pass_authorization: false,
  }, over);
}

const RULES = [
  { match: 'delete_*', scopes: ['admin'], groups: [] },
  { match: '*_secret', scopes: ['secrets'], groups: [] },
  { match: 'deploy', scopes: [], groups: ['ops', 'sre'] },
];
const call = (name: unknown): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } });
const post = (body: string | undefined, headers: Record<string, string> = {}) => ({ method: 'POST', headers, body });

describe('globMatch', () => {
  const cases: Array<[string, string, boolean]> = [
    ['delete_*', 'delete_repo', true], ['delete_*', 'delete_', true], ['delete_*', 'undelete_repo', false],
    ['*', '', true], ['*', 'anything', true], ['a?c', 'abc', true], ['a?c', 'ac', false],
    ['*_secret', 'read_secret', true], ['*_secret', 'read_secrets', false], ['a*b*c', 'axxbyyc', true], ['a*b*c', 'axxbyy', false],
    ['Deploy', 'deploy', false], ['x.y', 'x.y', true], ['x.y', 'xzy', false], ['**', 'q', true],
  ];
  for (const [pattern, name, expected] of cases) it(`${pattern} ~ ${JSON.stringify(name)} → ${expected}`, () => assert.equal(globMatch(pattern, name), expected));
});

describe('calledTools', () => {
  it('one call, a batch, non-call messages and junk elements', () => {
    assert.deepEqual(calledTools(call('a')), { ok: true, tools: ['a'] });
    assert.deepEqual(calledTools(JSON.stringify([JSON.parse(call('a')), 7, null, 'x', { method: 'tools/list' }, JSON.parse(call('b'))])), { ok: true, tools: ['a', 'b'] });
    assert.deepEqual(calledTools('42'), { ok: true, tools: [] });
  });
  it('malformed JSON and a call without a string name are refused', () => {
    assert.deepEqual(calledTools('{"method":"tools/call"'), { ok: false, reason: 'malformed_body' });
    assert.deepEqual(calledTools(''), { ok: false, reason: 'malformed_body' });
    assert.deepEqual(calledTools(call(5)), { ok: false, reason: 'invalid_tool_call' });
    assert.deepEqual(calledTools('{"method":"tools/call"}'), { ok: false, reason: 'invalid_tool_call' });
    assert.deepEqual(calledTools(JSON.stringify({ method: 'tools/call', params: ['delete_x'] })), { ok: false, reason: 'invalid_tool_call' });
    assert.deepEqual(calledTools(JSON.stringify([[JSON.parse(call('delete_x'))]])), { ok: false, reason: 'nested_batch' });
  });
  it('escapes decode as JSON.parse does: "tools\\/call" is a call', () => {
    assert.deepEqual(calledTools('{"method":"tools\\/call","params":{"name":"del\\u0065te_x"}}'), { ok: true, tools: ['delete_x'] });
  });
});

describe('checkTools', () => {
  const p = (scopes: string[], groups: string[] = []) => ({ scopes, groups });
  it('no matching rule → allowed', () => assert.equal(checkTools(p([]), ['read'], RULES, ['mcp']), null));
  it('every matching rule applies; the refusal names the endpoint scopes then every needed scope', () => {
    assert.deepEqual(checkTools(p(['mcp', 'admin']), ['delete_secret'], RULES, ['mcp']), { reason: 'insufficient_scope', scope: 'mcp admin secrets', tools: ['delete_secret'] });
    assert.equal(checkTools(p(['mcp', 'admin', 'secrets']), ['delete_secret'], RULES, ['mcp']), null);
  });
  it('groups are any-of, and a group miss is final (no step-up)', () => {
    assert.equal(checkTools(p([], ['sre']), ['deploy'], RULES, []), null);
    assert.equal(checkTools(p(['admin'], ['eng']), ['deploy'], RULES, [])?.reason, 'tool_forbidden');
  });
  it('a batch: one refused call refuses all, scopes collected across calls', () => {
    assert.deepEqual(checkTools(p(['mcp']), ['read', 'delete_a', 'x_secret'], RULES, ['mcp'])?.scope, 'mcp admin secrets');
  });
});

describe('toolRefusal', () => {
  const e = endpoint({ tools: RULES, max_body_bytes: 100 });
  const p = { scopes: ['mcp'], groups: [] };
  it('an endpoint without rules never looks at the body', () => {
    assert.equal(toolRefusal(p, post('{not json'), endpoint()), null);
    assert.equal(toolRefusal(p, post(undefined), endpoint({ tools: [] })), null);
  });
  it('bodiless methods pass; a POST whose body never arrived fails closed', () => {
    assert.equal(toolRefusal(p, { method: 'GET', headers: {} }, e), null);
    assert.equal(toolRefusal(p, { method: 'DELETE', headers: {}, body: '' }, e), null);
    assert.equal(toolRefusal(p, post(undefined), e)?.reason, 'body_unavailable');
    assert.equal(toolRefusal(p, post(''), e)?.reason, 'malformed_body');
  });
  it('a GET that does carry a body is judged too', () => {
    assert.equal(toolRefusal(p, { method: 'GET', headers: {}, body: call('delete_x') }, e)?.reason, 'insufficient_scope');
  });
  it('compressed bodies are refused, identity is fine', () => {
    assert.equal(toolRefusal(p, post(call('read'), { 'content-encoding': 'gzip' }), e)?.reason, 'unsupported_body_encoding');
    assert.equal(toolRefusal(p, post(call('read'), { 'content-encoding': 'identity' }), e), null);
  });
  it('the limit counts UTF-8 bytes', () => {
    assert.equal(utf8Length('aé✓😀'), 1 + 2 + 3 + 4);
    const body = (pad: string) => JSON.stringify({ method: 'tools/list', p: pad });
    assert.equal(toolRefusal(p, post(body('x'.repeat(100 - body('').length))), e), null);
    assert.equal(toolRefusal(p, post(body('é'.repeat(45))), e)?.reason, 'body_too_large');
  });
});

describe('header allow-list', () => {
  it('absent = everything passes', () => {
    assert.equal(passedHeaderNames(endpoint()), null);
    assert.deepEqual(headersNotPassed(endpoint(), { 'x-a': '1' }), []);
  });
  it('MCP and transport headers always pass; Authorization only with pass_authorization', () => {
    const headers = { 'content-type': 'a', 'mcp-session-id': 's', 'last-event-id': '1', 'x-trace-id': 't', cookie: 'c', authorization: 'Bearer x', 'user-agent': 'u' };
    assert.deepEqual(headersNotPassed(endpoint({ pass_headers: ['x-trace-id'] }), headers), ['cookie', 'authorization', 'user-agent']);
    assert.deepEqual(headersNotPassed(endpoint({ pass_headers: [], pass_authorization: true }), headers), ['x-trace-id', 'cookie', 'user-agent']);
    for (const h of ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'origin']) assert.ok(ALWAYS_PASSED.includes(h), h);
  });
});

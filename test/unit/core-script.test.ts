/**
 * The script strategy's pure parts: the contract check of a script's answer (script-result.ts),
 * the input it gets (strategies/script.ts), how decide turns a script's denial into a response,
 * and the configuration (script-schema.ts, relative files resolved against the config file).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatErrors } from '../../src/config/format-errors.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { decide } from '../../src/core/decide.ts';
import { scriptVerdict } from '../../src/core/script-result.ts';
import { scriptInput } from '../../src/core/strategies/script.ts';
import type { CoreRequest, Ports, Result } from '../../src/core/types.ts';

describe('scriptVerdict: the script contract', () => {
  it('an allow with identity becomes a principal of strategy "script"', () => {
    assert.deepEqual(scriptVerdict({ allow: true, subject: 'alice', scopes: ['a', 'b'], groups: ['g'], email: 'a@example.com' }), {
      ok: true,
      principal: { subject: 'alice', scopes: ['a', 'b'], groups: ['g'], email: 'a@example.com', strategy: 'script' },
    });
    assert.deepEqual(scriptVerdict({ allow: true, subject: 'bob' }), { ok: true, principal: { subject: 'bob', scopes: [], groups: [], strategy: 'script' } });
  });

  it('a denial keeps the script\'s status, error and description; defaults follow RFC 6750', () => {
    assert.deepEqual(scriptVerdict({ allow: false }), { ok: false, reason: 'script_denied', response: { status: 401, error: null, description: 'The request was denied' } });
    assert.deepEqual(scriptVerdict({ allow: false, error: 'insufficient_scope' }).ok === false && scriptVerdict({ allow: false, error: 'insufficient_scope' }), {
      ok: false, reason: 'script_denied', response: { status: 403, error: 'insufficient_scope', description: 'Access denied' },
    });
    assert.deepEqual(scriptVerdict({ allow: false, status: 403, description: 'no "quotes"\\ or \u00e9 \n' }), {
      ok: false, reason: 'script_denied', response: { status: 403, error: null, description: 'no quotes or  ' },
    });
  });

  const bad: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'allow'],
    ['an array', [{ allow: true, subject: 'a' }]],
    ['allow truthy but not true', { allow: 1, subject: 'a' }],
    ['allow without subject', { allow: true }],
    ['empty subject', { allow: true, subject: '' }],
    ['subject with a newline (header injection)', { allow: true, subject: 'a\r\nX-Admin: 1' }],
    ['subject not a string', { allow: true, subject: 42 }],
    ['scopes not a list', { allow: true, subject: 'a', scopes: 'a b' }],
    ['a scope with a space', { allow: true, subject: 'a', scopes: ['a b'] }],
    ['a group with a comma', { allow: true, subject: 'a', groups: ['a,b'] }],
    ['email not a string', { allow: true, subject: 'a', email: ['x'] }],
    ['status 500', { allow: false, status: 500 }],
    ['status 200', { allow: false, status: 200 }],
    ['an unknown error code', { allow: false, error: 'server_error' }],
  ];
  for (const [what, value] of bad) {
    it(`fails closed on ${what}`, () => assert.deepEqual(scriptVerdict(value), { ok: false, reason: 'script_bad_result' }));
  }
});

const REQ: CoreRequest = {
  method: 'POST', path: '/mcp', query: 'a=1', host: 'mcp.example.test', scheme: 'https', clientIp: '10.0.0.7',
  headers: { host: 'check-upstream', authorization: 'Bearer t', 'x-mcp-authz-peer': '10.0.0.7', 'x-other': 'v' },
};

describe('scriptInput', () => {
  it('gives the client\'s headers and Host, without the adapters\' internal headers', () => {
    assert.deepEqual(scriptInput(REQ), {
      method: 'POST', path: '/mcp', query: 'a=1', client_ip: '10.0.0.7',
      headers: { host: 'mcp.example.test', authorization: 'Bearer t', 'x-other': 'v' },
    });
  });
});

function config(strategies: string) {
  const r = parseConfig(`endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies:
${strategies}
`, {}, 'test');
  if (!r.ok) assert.fail(formatErrors(r.errors).join('\n'));
  return toCoreConfig(r.config);
}

function ports(answer: (id: string) => Result<unknown>, seen: string[] = []): Ports {
  return {
    now: () => Date.now() / 1000,
    supportsAlg: () => false,
    verify: async () => false,
    getJwks: async () => ({ ok: false, reason: 'jwks_unavailable' }),
    runScript: async (id) => {
      seen.push(id);
      return answer(id);
    },
  };
}

describe('decide with a script strategy', () => {
  const cfg = config('      - { type: script, file: /srv/v.js }');

  it('an accept is never cached (ttl 0) and calls the script by its strategy id', async () => {
    const seen: string[] = [];
    const d = await decide(REQ, cfg, ports(() => ({ ok: true, value: { allow: true, subject: 'alice' } }), seen));
    assert.equal(d.action, 'allow');
    assert.equal(d.action === 'allow' && d.cacheTtl, 0);
    assert.deepEqual(seen, ['mcp#0']);
  });

  it('a failure tag becomes a 503 with Retry-After and no challenge', async () => {
    const d = await decide(REQ, cfg, ports(() => ({ ok: false, reason: 'script_timeout' })));
    assert.equal(d.action, 'respond');
    if (d.action !== 'respond') return;
    assert.equal(d.status, 503);
    assert.equal(d.reason, 'script_timeout');
    assert.equal(d.headers['Retry-After'], '5');
    assert.equal(d.headers['WWW-Authenticate'], undefined);
  });

  it('without a runScript port the strategy fails closed (script_unavailable)', async () => {
    const p = ports(() => ({ ok: true, value: { allow: true, subject: 'x' } }));
    delete p.runScript;
    const d = await decide(REQ, cfg, p);
    assert.equal(d.action === 'respond' && d.status, 503);
    assert.equal(d.reason, 'script_unavailable');
  });

  it('a script\'s denial loses to a later strategy that accepts (first accept wins)', async () => {
    const two = config('      - { type: script, file: /srv/v.js }\n      - { type: none, subject: anon }');
    const d = await decide(REQ, two, ports(() => ({ ok: true, value: { allow: false, status: 403 } })));
    assert.equal(d.action, 'allow');
    assert.equal(d.action === 'allow' && d.principal.subject, 'anon');
  });
});

describe('script strategy configuration', () => {
  it('defaults: language from the extension, 100 ms, 64 MiB, id <endpoint>#<index>', () => {
    const c = config('      - { type: script, file: /srv/a.lua }\n      - { type: script, file: /srv/b.js, timeout_ms: 250, memory_mb: 32, strip_headers: [X-Session] }');
    assert.deepEqual(c.endpoints[0].strategies, [
      { type: 'script', id: 'mcp#0', language: 'lua', file: '/srv/a.lua', timeout_ms: 100, memory_mb: 64, strip_headers: [] },
      { type: 'script', id: 'mcp#1', language: 'javascript', file: '/srv/b.js', timeout_ms: 250, memory_mb: 32, strip_headers: ['x-session'] },
    ]);
  });

  it('reports every bad field with its path', () => {
    const r = parseConfig(`endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies:
      - { type: script, file: /srv/validator.py, timeout_ms: 0, memory_mb: 1, code: x }
      - { type: script, file: "", language: python }
`, {}, 'test');
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : formatErrors(r.errors).sort(), [
      'endpoints[0].strategies[0].code: unknown key (allowed: type, file, language, timeout_ms, memory_mb, strip_headers)',
      'endpoints[0].strategies[0].language: is required when the file name does not end in .js or .lua (javascript or lua)',
      'endpoints[0].strategies[0].memory_mb: must be a whole number between 16 and 4096',
      'endpoints[0].strategies[0].timeout_ms: must be a whole number between 1 and 10000',
      'endpoints[0].strategies[1].file: must not be empty',
      'endpoints[0].strategies[1].language: must be one of: "javascript", "lua"',
    ].sort());
  });

  it('a relative file is resolved against the configuration file\'s directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-script-config-'));
    writeFileSync(join(dir, 'config.yaml'), `endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies: [{ type: script, file: validators/check.js }]
`);
    const r = loadConfig(join(dir, 'config.yaml'), {});
    assert.ok(r.ok);
    const s = r.config.endpoints[0].strategies[0];
    assert.equal(s.type === 'script' && s.file, join(dir, 'validators/check.js'));
  });
});

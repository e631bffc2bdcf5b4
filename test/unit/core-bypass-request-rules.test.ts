/**
 * Public sub-paths (`bypass`) and the per-request rules in core's decide(): the header allow-list
 * still applies there (README: only the listed headers reach the upstream), and tool rules judge
 * the call with no principal, as the nginx module's generated conf does on the same paths. The
 * Node decision cache (serve's adapters) answers public paths itself and must do the same.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { decide } from '../../src/core/decide.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import type { CoreRequest, Ports } from '../../src/core/types.ts';

const YAML = `
endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies:
      - type: bearer
        tokens:
          - { token: tok_0123456789abcdef0123, subject: svc, scopes: [mcp:tools] }
    tools:
      - { match: "delete_*", scopes: [mcp:admin] }
    pass_headers: [X-Trace-Id]
    bypass: [/mcp/health]
`;

function config() {
  const r = parseConfig(YAML, {}, 'bypass rules');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return toCoreConfig(r.config);
}

// A bypass decision runs no strategy: nothing may be asked of the ports.
const NO_PORTS = new Proxy({}, { get: () => { throw new Error('ports used on a public path'); } }) as Ports;

function req(method: string, headers: Record<string, string>, body?: string): CoreRequest {
  return { method, path: '/mcp/health', query: '', host: 'mcp.example.test', scheme: 'https', headers, clientIp: '127.0.0.1', body };
}

const call = (name: string): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } });

describe('bypass paths and the per-request rules', () => {
  it('a GET is allowed with no identity; headers off the allow-list are removed, the listed ones kept', async () => {
    const d = await decide(req('GET', { 'x-trace-id': 't', 'x-other': 'o', authorization: 'Bearer x' }), config(), NO_PORTS);
    assert.equal(d.action, 'allow');
    if (d.action !== 'allow') return;
    assert.deepEqual(d.setHeaders, {});
    assert.ok(d.removeHeaders.includes('x-other'), JSON.stringify(d.removeHeaders));
    assert.ok(d.removeHeaders.includes('authorization'));
    assert.ok(!d.removeHeaders.includes('x-trace-id'));
  });

  it('a ruled tool call is refused (no principal has its scope); an unruled one passes', async () => {
    const refused = await decide(req('POST', { 'content-type': 'application/json' }, call('delete_x')), config(), NO_PORTS);
    assert.equal(refused.action, 'respond');
    if (refused.action === 'respond') {
      assert.equal(refused.status, 403);
      assert.equal(refused.reason, 'insufficient_scope');
      assert.match(refused.headers['WWW-Authenticate'], /scope="mcp:admin"/);
    }
    const ok = await decide(req('POST', { 'content-type': 'application/json' }, call('read_x')), config(), NO_PORTS);
    assert.equal(ok.action, 'allow');
  });

  it("with toolRulesElsewhere (nginx) the tool rules are left to the adapter's gate", async () => {
    const d = await decide(req('POST', { 'content-type': 'application/json' }, call('delete_x')), config(), NO_PORTS, { toolRulesElsewhere: true });
    assert.equal(d.action, 'allow');
  });

  it('the Node decision cache applies them too (it answers public paths without decide())', async () => {
    const cached = createCachedDecider(config(), NO_PORTS);
    const refused = await cached.decide(req('POST', { 'content-type': 'application/json' }, call('delete_x')));
    assert.equal(refused.decision.action, 'respond');
    assert.equal(refused.decision.action === 'respond' ? refused.decision.status : 0, 403);
    const get = await cached.decide(req('GET', { 'x-other': 'o' }));
    assert.equal(get.decision.action, 'allow');
    assert.ok(get.decision.action === 'allow' && get.decision.removeHeaders.includes('x-other'));
  });
});

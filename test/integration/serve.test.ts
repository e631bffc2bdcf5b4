/**
 * `mcp-authz serve` as users run it: one process answers forward-auth (HTTP) and ext_authz (gRPC)
 * from the same configuration, exposes /metrics, /healthz and /readyz, and stops on SIGTERM.
 */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createExtAuthzClient } from '../../src/envoy/client.ts';
import { freePort } from '../support/free-port.ts';
import { request } from '../support/http.ts';
import { startProcess, waitFor, type RunningProcess } from '../support/process.ts';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const KEY = 'serve-test-key-0123456789';

describe('mcp-authz serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-serve-'));
  let proc: RunningProcess;
  let fa: number, grpcPort: number, admin: number;

  before(async () => {
    [fa, grpcPort, admin] = [await freePort(), await freePort(), await freePort()];
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `
serve:
  forward_auth: { listen: 127.0.0.1:${fa} }
  ext_authz: { listen: 127.0.0.1:${grpcPort} }
  admin: { listen: 127.0.0.1:${admin} }
endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies:
      - type: apikey
        keys: [{ key: "\${SERVE_KEY}", subject: ci-bot }]
`);
    proc = await startProcess(process.execPath, [CLI, 'serve', '--config', file], {
      env: Object.assign({}, process.env, { SERVE_KEY: KEY }),
      readyWhen: async () => (await request(`http://127.0.0.1:${admin}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      timeoutMs: 15000,
    });
  });
  after(async () => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers forward-auth checks', async () => {
    const ok = await request(`http://127.0.0.1:${fa}/auth`, { headers: { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', 'x-forwarded-host': 'mcp.example.test', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7', 'x-api-key': KEY } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-mcp-subject'], 'ci-bot');
    const no = await request(`http://127.0.0.1:${fa}/auth`, { headers: { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', 'x-forwarded-host': 'mcp.example.test', 'x-forwarded-proto': 'https' } });
    assert.equal(no.status, 401);
    assert.match(String(no.headers['www-authenticate']), /resource_metadata="https:\/\/mcp\.example\.test\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it('answers ext_authz checks and gRPC health from the same configuration', async () => {
    const client = createExtAuthzClient('127.0.0.1:' + grpcPort);
    try {
      assert.equal(await client.health(), 'SERVING');
      const res = await client.check({ attributes: {
        source: { address: { socket_address: { address: '127.0.0.1' } } },
        request: { http: { id: '1', method: 'POST', path: '/mcp', host: 'mcp.example.test', scheme: 'https', headers: { 'x-api-key': KEY } } },
      } });
      assert.equal(res.status?.code ?? 0, 0, JSON.stringify(res));
    } finally {
      client.close();
    }
  });

  it('exposes metrics by adapter, endpoint and reason, and health/readiness', async () => {
    const m = await request(`http://127.0.0.1:${admin}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.body, /mcp_authz_decisions_total\{adapter="forward_auth",decision="allow",endpoint="mcp",reason="ok"\} 1/);
    assert.match(m.body, /mcp_authz_decisions_total\{adapter="forward_auth",decision="deny",endpoint="mcp",reason="missing_credentials"\} 1/);
    assert.match(m.body, /mcp_authz_decisions_total\{adapter="ext_authz",decision="allow",endpoint="mcp",reason="ok"\} 1/);
    assert.match(m.body, /mcp_authz_decision_seconds_bucket\{adapter="forward_auth",cached="false",le="\+Inf"\} 2/);
    assert.equal((await request(`http://127.0.0.1:${admin}/healthz`)).status, 200);
    assert.equal((await request(`http://127.0.0.1:${admin}/readyz`)).status, 200);
  });

  it('prints the header names to list in the proxy for this configuration', () => {
    assert.match(proc.output(), /authResponseHeaders \/ Caddy copy_headers: X-MCP-Subject, X-MCP-Email, X-MCP-Groups, X-MCP-Scopes, Authorization, X-Api-Key/);
  });

  it('logs one JSON line per decision without the API key, and exits 0 on SIGTERM', async () => {
    const lines = proc.output().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 3, proc.output());
    const parsed = lines.map((l) => JSON.parse(l));
    assert.ok(parsed.some((l) => l.adapter === 'ext_authz' && l.subject === 'ci-bot'));
    assert.ok(!proc.output().includes(KEY), 'the API key was logged');
    process.kill(proc.pid, 'SIGTERM');
    await waitFor(() => proc.exited(), 5000);
    assert.equal(proc.exitCode(), 0);
  });
});

/**
 * `mcp-authz serve` with an `authorization_server:` section: the companion listens beside the
 * data-plane listeners, readiness does not wait for it, its configuration errors stop start-up
 * with their paths, and `mcp-authz rotate-keys` rotates the keys it publishes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.ts';
import { startService } from '../../src/service/serve.ts';

const BIN = fileURLToPath(new URL('../../bin/mcp-authz.js', import.meta.url));

function yaml(dir: string): string {
  return `serve:
  forward_auth: { listen: 127.0.0.1:0 }
  ext_authz: { listen: 127.0.0.1:0 }
  admin: { listen: 127.0.0.1:0 }
  companion: { listen: 127.0.0.1:0 }
endpoints:
  - path: /mcp
    resource: http://127.0.0.1:8080/mcp
    upstream: http://127.0.0.1:3000
    authorization_servers: [http://127.0.0.1:8080]
    strategies: [{ type: jwt, issuer: http://127.0.0.1:8080, typ: at+jwt, algorithms: [ES256] }]
    policy: { required_scopes: [mcp:tools] }
authorization_server:
  issuer: http://127.0.0.1:8080
  keys: { dir: ${dir}/keys }
  storage: { type: sqlite, path: ${dir}/as.sqlite }
  users: [{ username: alice, password_env: SERVE_TEST_PASSWORD, scopes: [mcp:tools] }]
`;
}

describe('serve with the companion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-serve-as-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the AS on its own listener; /readyz is about the data plane', async () => {
    const parsed = parseConfig(yaml(dir), {});
    assert.ok(parsed.ok);
    const lines: string[] = [];
    const service = await startService(parsed.config, { env: { SERVE_TEST_PASSWORD: 'pw-1234567890' }, writeLine: (l) => lines.push(l) });
    try {
      assert.ok(service.ports.companion);
      const meta = await (await fetch(`http://127.0.0.1:${service.ports.companion}/.well-known/oauth-authorization-server`)).json() as Record<string, string>;
      assert.equal(meta.issuer, 'http://127.0.0.1:8080');
      const prm = await (await fetch(`http://127.0.0.1:${service.ports.companion}/.well-known/oauth-protected-resource/mcp`)).json() as Record<string, unknown>;
      assert.deepEqual(prm.authorization_servers, ['http://127.0.0.1:8080'], 'the companion serves PRM too (Traefik routes it there)');
      assert.equal((await fetch(`http://127.0.0.1:${service.ports.admin}/readyz`)).status, 200);
      assert.ok(lines.some((l) => l.includes('"event":"started"')));
      const reg = await fetch(`http://127.0.0.1:${service.ports.companion}/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:5555/cb'], token_endpoint_auth_method: 'none' }),
      });
      assert.equal(reg.status, 201);
      const metrics = await (await fetch(`http://127.0.0.1:${service.ports.admin}/metrics`)).text();
      assert.match(metrics, /mcp_authz_registrations_total 1/, 'the registration is counted');
    } finally {
      await service.stop();
    }
  });

  it('is ready with Redis unreachable: the data plane never needs it; /token fails closed', async () => {
    const text = yaml(dir).replace(`storage: { type: sqlite, path: ${dir}/as.sqlite }`, 'storage: { type: redis, url: "redis://127.0.0.1:1" }');
    const parsed = parseConfig(text, {});
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
    const service = await startService(parsed.config, { env: { SERVE_TEST_PASSWORD: 'pw-1234567890' }, writeLine: () => undefined });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${service.ports.admin}/readyz`)).status, 200);
      const tokenRes = await fetch(`http://127.0.0.1:${service.ports.companion}/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'y' }),
      });
      assert.equal(tokenRes.status, 503);
    } finally {
      await service.stop();
    }
  });

  it('refuses to start when a secret variable is missing, naming its path', async () => {
    const parsed = parseConfig(yaml(dir), {});
    assert.ok(parsed.ok);
    await assert.rejects(startService(parsed.config, { env: {}, writeLine: () => {} }), /authorization_server\.users\[0\]\.password_env: environment variable SERVE_TEST_PASSWORD is not set/);
  });

  it('rotate-keys: a new current key, the previous one still listed', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, yaml(dir));
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'rotate-keys', '--config', file], (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /new signing key\(s\): \S+/);
    assert.equal((out.stdout.match(/\(ES256\)/g) ?? []).length, 2, out.stdout);
  });
});

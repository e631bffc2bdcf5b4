/**
 * The command line as a user runs it: `check` reports every error with its path and masks secrets;
 * `nginx` writes a module that real nginx accepts when included as the README shows.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkNginxConf, buildNginxConf } from '../support/nginx.ts';

const BIN = fileURLToPath(new URL('../../bin/mcp-authz.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: Object.assign({}, process.env, env) }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

const GOOD = `
nginx:
  check_socket: SOCK
  cache_path: CACHE
  log_path: LOG
endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://login.example.com]
    strategies:
      - type: jwt
        issuer: https://login.example.com
        jwks_uri: https://127.0.0.1:9/jwks    # nginx resolves proxy_pass hosts at load; tests are offline
      - type: apikey
        keys: [{ key: "\${CLI_TEST_KEY}", subject: ci }]
`;

describe('mcp-authz CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const key = 'k-0123456789abcdef-secret';

  it('check: every error at once, each with its path, exit 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `
endpoints:
  - path: mcp
    resource: ftp://x
    upstream: http://127.0.0.1:3000
    strategies:
      - type: jwt
        issuer: https://login.example.com
        algorithms: [HS256]
      - type: apikey
        keys: [{ key: "\${CLI_MISSING_KEY}", subject: ci }]
    polcy: {}
`);
    const r = await run(['check', '--config', file]);
    assert.equal(r.code, 1);
    for (const path of ['endpoints[0].path', 'endpoints[0].resource', 'endpoints[0].strategies[0].algorithms[0]', 'endpoints[0].strategies[1].keys[0].key', 'endpoints[0].polcy']) {
      assert.ok(r.stderr.includes(path + ':'), `error for ${path} in:\n${r.stderr}`);
    }
  });

  it('check: prints the effective config with secrets masked', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, GOOD.replace('SOCK', '/run/x.sock').replace('CACHE', '/var/cache/x').replace('LOG', '/var/log/x.log'));
    const r = await run(['check', file], { CLI_TEST_KEY: key });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(key), 'secret printed');
    assert.match(r.stdout, /key: "?\*\*\*"?/);
    assert.match(r.stdout, /clock_skew: 60/);
  });

  it('check: a missing federation client secret variable is an error with its path, among the others', async () => {
    const file = join(dir, 'federation.yaml');
    writeFileSync(file, `${GOOD.replace('SOCK', '/run/x.sock').replace('CACHE', '/var/cache/x').replace('LOG', '/var/log/x.log')}
authorization_server:
  issuer: https://login.example.com
  users: [{ username: a, password_env: CLI_A_PASSWORD, scopes: [mcp:tools] }]
  login:
    oidc: { issuer: https://idp.example.com, client_id: mcp-authz, client_secret_env: CLI_IDP_SECRET }
`);
    const missing = await run(['check', '--config', file], { CLI_TEST_KEY: key, CLI_IDP_SECRET: '' });
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /authorization_server\.login\.oidc\.client_secret_env: environment variable CLI_IDP_SECRET is not set/);
    assert.match(missing.stderr, /authorization_server\.users\[0\]\.password_env: environment variable CLI_A_PASSWORD is not set/);
    const ok = await run(['check', '--config', file], { CLI_TEST_KEY: key, CLI_IDP_SECRET: 'cli-idp-secret-value', CLI_A_PASSWORD: 'pw' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!ok.stdout.includes('cli-idp-secret-value'));
  });

  it('nginx: writes a module real nginx accepts, bundle not world-readable', async () => {
    const file = join(dir, 'module.yaml');
    writeFileSync(file, GOOD.replace('SOCK', join(dir, 'check.sock')).replace('CACHE', join(dir, 'cache')).replace('LOG', join(dir, 'authz.log')));
    const out = join(dir, 'out');
    const r = await run(['nginx', '--config', file, '--out', out], { CLI_TEST_KEY: key });
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['main.conf', 'http.conf', 'server.conf', 'endpoint-mcp.conf', 'mcp-authz.js', 'mcp-authz-edge.js']) assert.ok(statSync(join(out, f)).isFile(), f);
    assert.equal(statSync(join(out, 'mcp-authz.js')).mode & 0o777, 0o640);
    assert.equal(statSync(join(out, 'check-key.conf')).mode & 0o777, 0o600, 'the check socket key is for nginx master (root) only');
    assert.match(readFileSync(join(out, 'mcp-authz.js'), 'utf8'), /export default \w+;\s*$/);
    writeFileSync(join(dir, 'nginx.conf'), buildNginxConf(dir, `include ${out}/http.conf;\nserver { listen 127.0.0.1:1; include ${out}/server.conf; }`));
    await checkNginxConf(dir);
  });

  it('unknown command: usage, exit 1', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /usage: mcp-authz/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCheck } from '../../src/config/check.ts';

const API_KEY = 'ci-key-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('runCheck', () => {
  it('prints the effective config with secrets masked, and warnings on stderr', () => {
    const path = file(
      'good.yaml',
      `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    pass_authorization: true
    strategies:
      - type: apikey
        keys: [{ key: "\${API_KEY}", subject: ci-bot }]
      - { type: trusted_header, trusted_peers: [10.0.0.0/8, "::1"] }
      - { type: none }
`,
    );
    const result = runCheck(path, { API_KEY });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.includes(API_KEY), false);
    const printed = parse(result.stdout);
    assert.equal(printed.endpoints[0].strategies[0].keys[0].key, '***');
    assert.equal(printed.endpoints[0].id, 'mcp');
    assert.equal(printed.cors.max_age, 600);
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [
      'warning: endpoint "mcp" trusts identity headers from 10.0.0.0/8, ::1; make sure nothing else can reach the proxy from there',
      'warning: endpoint "mcp" accepts unauthenticated requests (strategy "none", subject "anonymous")',
      'warning: endpoint "mcp" passes the client\'s Authorization header to the upstream (pass_authorization: true); the upstream receives credentials meant for the proxy',
    ]);
  });

  it('prints every error and exits 1', () => {
    const path = file(
      'bad.yaml',
      `endpoints:
  - path: mcp
    resource: https://mcp.example.com/mcp#x
    upstream: http://u
    strategies: [{ type: apikey, keys: [{ key: "\${NOPE}", subject: s }] }]
`,
    );
    const result = runCheck(path, {});
    assert.equal(result.exitCode, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'endpoints[0].strategies[0].keys[0].key: environment variable NOPE is not set\n' +
        'endpoints[0].path: must start with "/"\n' +
        'endpoints[0].resource: must not contain a fragment\n',
    );
  });

  it('reports an unreadable file as an error, not an exception', () => {
    const result = runCheck(join(dir, 'missing.yaml'), {});
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /missing\.yaml: cannot read configuration file \(ENOENT\)\n$/);
  });
});

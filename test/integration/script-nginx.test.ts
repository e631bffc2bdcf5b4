/**
 * Script validators in REAL nginx (Debian's 1.22 + njs 0.7.9): the fixture's JavaScript validator
 * is compiled into the njs bundle and runs in the check server; the scenario table holds there as
 * in the Node adapters. Also: `mcp-authz nginx` refuses Lua, unreadable files and syntax njs 0.7.9
 * lacks, naming the config path, the file and the line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatErrors } from '../../src/config/format-errors.ts';
import { writeNginxModule } from '../../src/nginx/write-module.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { scriptFixtureConfig, SCRIPTS_DIR } from '../contract/script-fixture.ts';
import { SCRIPT_SCENARIOS } from '../contract/script-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import type { RunningIssuer } from '../support/issuer.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

/** The script table needs no token issuer. */
const NO_ISSUER = { url: 'https://issuer.invalid' } as RunningIssuer;

describe('script validators: njs in nginx', () => {
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    upstream = await startEchoUpstream();
    nginx = await startProtectedNginx(scriptFixtureConfig({ upstreamUrl: upstream.url }));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
  });

  runScenarioTable('njs', () => ({ issuer: NO_ISSUER, send: sendThroughProxy(() => nginx.url, () => upstream) }), SCRIPT_SCENARIOS);

  it('the bundle registers the validator under its strategy id', () => {
    assert.match(nginx.files['mcp-authz.js'], /"js-mcp#0":/);
    assert.match(nginx.files['mcp-authz.js'], /validator exploded/);
  });
});

describe('mcp-authz nginx: script configuration errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-script-conf-'));
  function config(strategy: string): string {
    const path = join(dir, 'config-' + Math.random().toString(36).slice(2) + '.yaml');
    writeFileSync(path, `endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies:
      - type: jwt
        issuer: https://issuer.example.test
        jwks_uri: https://issuer.example.test/jwks
      ${strategy}
    authorization_servers: [https://issuer.example.test]
`);
    return path;
  }
  async function errors(strategy: string): Promise<string[]> {
    const r = await writeNginxModule(config(strategy), join(dir, 'out'), {}, async () => ({}));
    assert.equal(r.ok, false, 'the module must not be written');
    return r.ok ? [] : formatErrors(r.errors);
  }

  it('a Lua validator is refused: it runs only in the Node adapters', async () => {
    const e = await errors(`- { type: script, file: ${SCRIPTS_DIR}validator.lua }`);
    assert.equal(e.length, 1);
    assert.match(e[0], /^endpoints\[0\]\.strategies\[1\]\.file: .*validator\.lua: Lua validators run only in the Node adapters/);
  });

  it('a missing file names the path and the resolved file (relative to the config file)', async () => {
    const e = await errors('- { type: script, file: ./missing.js }');
    assert.deepEqual(e, [`endpoints[0].strategies[1].file: cannot read script ${join(dir, 'missing.js')} (ENOENT)`]);
  });

  it('a syntax error names the file, line and column', async () => {
    writeFileSync(join(dir, 'broken.js'), 'function validate(request) {\n  return { allow: true, subject: \n}\n');
    const e = await errors('- { type: script, file: broken.js }');
    assert.equal(e.length, 1);
    assert.match(e[0], new RegExp(`^endpoints\\[0\\]\\.strategies\\[1\\]\\.file: ${join(dir, 'broken.js')}:3:1: `));
  });

  it('syntax njs 0.7.9 lacks (destructuring) is refused with a clear reason', async () => {
    writeFileSync(join(dir, 'modern.js'), 'function validate(request) {\n  const { headers } = request;\n  return { allow: !!headers.a, subject: "x" };\n}\n');
    const e = await errors('- { type: script, file: modern.js }');
    assert.equal(e.length, 1);
    assert.match(e[0], /modern\.js:2:\d+: destructuring is not supported by njs 0\.7\.9 \(nginx\)/);
  });

  it('Map/Set are refused', async () => {
    writeFileSync(join(dir, 'map.js'), 'var seen = new Map();\nfunction validate(request) { seen.set(request.path, 1); return { allow: false }; }\n');
    const e = await errors('- { type: script, file: map.js }');
    assert.match(e[0], /map\.js: uses Map\/Set, which njs 0\.7\.9 \(nginx\) lacks/);
  });

  it('BigInt (which the build rewrites into a call njs lacks) is refused', async () => {
    writeFileSync(join(dir, 'bigint.js'), 'function validate(request) { return { allow: false, description: String(10n) }; }\n');
    const e = await errors('- { type: script, file: bigint.js }');
    assert.match(e[0], /bigint\.js: uses BigInt, which njs 0\.7\.9 \(nginx\) lacks/);
  });

  it('a file without validate is refused', async () => {
    writeFileSync(join(dir, 'novalidate.js'), 'function check(request) { return { allow: false }; }\n');
    const e = await errors('- { type: script, file: novalidate.js }');
    assert.match(e[0], /novalidate\.js: must define function validate\(request\)/);
  });
});

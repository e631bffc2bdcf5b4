/**
 * Validator scripts at the command line, as a user runs it: `check` loads each script the way
 * `serve` does and fails with its path; `nginx` refuses a Lua validator and writes none of the module.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mcp-authz.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

function configWith(file: string): string {
  return `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    strategies:
      - type: script
        file: ${file}
`;
}

describe('mcp-authz CLI with validator scripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-script-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'validators'));
  writeFileSync(join(dir, 'validators', 'ok.js'), 'function validate(r) { return { allow: false }; }\n');
  writeFileSync(join(dir, 'validators', 'ok.lua'), 'function validate(r) return { allow = false } end\n');
  writeFileSync(join(dir, 'validators', 'bad.js'), 'function validate(r) {\n  return { allow: false ;\n}\n');

  it('check: a good script (relative to the config file) passes and is shown resolved', async () => {
    writeFileSync(join(dir, 'good.yaml'), configWith('validators/ok.js'));
    const r = await run(['check', join(dir, 'good.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`file: ${join(dir, 'validators', 'ok.js')}`));
  });

  it('check: a syntax error fails with the config path, file and line', async () => {
    writeFileSync(join(dir, 'bad.yaml'), configWith('validators/bad.js'));
    const r = await run(['check', join(dir, 'bad.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^endpoints\\[0\\]\\.strategies\\[0\\]\\.file: javascript script does not load: ${join(dir, 'validators', 'bad.js')}:2: `));
    assert.equal(r.stdout, '');
  });

  it('check: a missing file fails', async () => {
    writeFileSync(join(dir, 'missing.yaml'), configWith('validators/nope.lua'));
    const r = await run(['check', join(dir, 'missing.yaml')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `endpoints[0].strategies[0].file: cannot read script ${join(dir, 'validators', 'nope.lua')} (ENOENT)\n`);
  });

  it('nginx: a Lua validator is a configuration error; nothing is written', async () => {
    writeFileSync(join(dir, 'lua.yaml'), configWith('validators/ok.lua'));
    const out = join(dir, 'out');
    const r = await run(['nginx', '--config', join(dir, 'lua.yaml'), '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^endpoints\[0\]\.strategies\[0\]\.file: .*ok\.lua: Lua validators run only in the Node adapters/);
    assert.equal(existsSync(join(out, 'mcp-authz.js')), false);
  });

  it('nginx: a JavaScript validator is compiled into the bundle', async () => {
    writeFileSync(join(dir, 'js.yaml'), configWith('validators/ok.js'));
    const out = join(dir, 'out-js');
    const r = await run(['nginx', '--config', join(dir, 'js.yaml'), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(out, 'mcp-authz.js')));
  });
});

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios) run
 * twice against the sample MCP server: directly, and through real nginx with the mcp-authz
 * module. The proxy must be transparent: every check of every scenario must end the same way
 * both times.
 *
 * Authentication: the suite's `server` command has no option for extra headers (only --url,
 * --scenario, --suite, --expected-failures, -o, --spec-version, --verbose), so it cannot send a
 * bearer token or an API key. The endpoint here therefore uses the `none` strategy: the request
 * still goes through the whole module (auth_request check, identity headers, streaming proxy),
 * only the credential check is a no-op. Credentials themselves are covered by the other tests.
 *
 * The suite is written for its own "everything" fixture server (tools test_image_content,
 * resources, prompts, sampling, elicitation, …). The sample server has two tools (echo,
 * countdown) and is stateless, so most scenarios fail against it *directly* for that reason
 * alone; {@link EXPECTED_PASSING} lists what passes, and the comparison with the direct run
 * proves nginx changes no outcome.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startMcpServer, type RunningMcpServer } from '../support/mcp-server.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

/** Checks (`scenario/check id`) that pass against the sample server, directly and through nginx. */
const EXPECTED_PASSING = [
  'server-initialize/server-initialize',
  'logging-set-level/logging-set-level',
  'ping/ping',
  'tools-list/tools-list',
  'tools-call-simple-text/tools-call-simple-text',
  'tools-call-error/tools-call-error',
  'dns-rebinding-protection/localhost-host-valid-accepted',
];

type Outcomes = Record<string, string>;

/** Runs every server scenario of the suite against `url`; returns `scenario/check id` → status. */
function runSuite(url: string): Promise<{ outcomes: Outcomes; output: string }> {
  const out = mkdtempSync(join(tmpdir(), 'mcp-authz-conformance-'));
  return new Promise((resolvePromise, reject) => {
    // Exit code 1 just means "some check failed": the per-check results are what is compared.
    execFile(process.execPath, [CLI, 'server', '--url', url, '-o', out], { cwd: out, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(err);
        return;
      }
      const outcomes: Outcomes = {};
      for (const entry of readdirSync(out)) {
        const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(entry)?.[1];
        const file = join(out, entry, 'checks.json');
        if (scenario === undefined || !existsSync(file)) continue;
        for (const check of JSON.parse(readFileSync(file, 'utf8')) as Array<{ id: string; status: string }>) {
          outcomes[`${scenario}/${check.id}`] = check.status;
        }
      }
      rmSync(out, { recursive: true, force: true });
      resolvePromise({ outcomes, output: stdout + stderr });
    });
  });
}

describe('MCP conformance suite (server scenarios) through nginx with mcp-authz', { skip: !existsSync(CLI) && 'npm install first' }, () => {
  let mcp: RunningMcpServer;
  let nginx: ProtectedNginx;

  before(async () => {
    mcp = await startMcpServer();
    const parsed = parseConfig(`endpoints:
  - path: /mcp
    resource: http://127.0.0.1:1/mcp
    upstream: http://127.0.0.1:${mcp.port}
    strategies: [{ type: none, subject: conformance }]
`, {});
    if (!parsed.ok) assert.fail(JSON.stringify(parsed.errors));
    nginx = await startProtectedNginx(toCoreConfig(parsed.config));
  });
  after(async () => {
    await nginx?.stop();
    await mcp?.stop();
  });

  test('every check ends the same through nginx as directly, and the expected ones pass', async (t) => {
    const direct = await runSuite(mcp.url);
    const proxied = await runSuite(`${nginx.url}/mcp`);
    // The suite's own summary of the run through nginx, for the test report.
    t.diagnostic(proxied.output.slice(proxied.output.indexOf('=== SUMMARY ===')).trim());
    assert.ok(Object.keys(direct.outcomes).length >= 25, `too few checks ran:\n${direct.output}`);
    assert.deepEqual(proxied.outcomes, direct.outcomes, `through nginx:\n${proxied.output}`);
    const passing = Object.keys(proxied.outcomes).filter((k) => proxied.outcomes[k] === 'SUCCESS').sort();
    assert.deepEqual(passing, [...EXPECTED_PASSING].sort(), proxied.output);
    // The requests really went through the module: the upstream saw its identity header.
    assert.ok(mcp.received.some((h) => h['x-mcp-subject'] === 'conformance'), 'requests reached the upstream via nginx');
  });
});

/**
 * `mcp-authz demo` end to end: the real command as a child process (nginx, njs module, sample MCP
 * server, dev issuer), used by the official MCP SDK client with the token the demo prints, then
 * stopped with SIGTERM, after which nothing it started may still run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { READY_LINE } from '../../src/demo/demo-instructions.ts';
import { freePort } from '../support/free-port.ts';
import { descendantPids, startProcess, waitFor, type RunningProcess } from '../support/process.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Whether `pid` still runs. A zombie counts as gone: children that exit together with the demo
 * (esbuild's service) are reparented to init, which may take a while to reap them.
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('npm run demo', () => {
  // A private demo dir, so a demo the developer is running in .demo/ is left alone.
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-demo-'));
  let demo: RunningProcess;
  let url: string;
  let token: string;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/mcp`;
    demo = await startProcess(process.execPath, ['src/cli.ts', 'demo', '--port', String(port)], {
      cwd: ROOT,
      env: { ...process.env, MCP_AUTHZ_DEMO_DIR: dir },
    });
    // Ready means: nginx up and the demo's own self-check passed.
    await waitFor(() => demo.output().includes(READY_LINE) || demo.exited(), 30_000);
    assert.ok(!demo.exited(), `demo exited early:\n${demo.output()}`);
    const m = /^ *token: (\S+)$/m.exec(demo.output());
    assert.ok(m, `no "token:" line in:\n${demo.output()}`);
    token = m[1];
  });

  after(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the MCP URL and a passing self-check', () => {
    const out = demo.output();
    assert.match(out, new RegExp(`MCP URL +${url.replace(/[.]/g, '\\.')}\\n`));
    assert.match(out, /ok +GET +\/mcp without a token +HTTP\/1\.1 401 Unauthorized/);
    assert.match(out, /ok +POST \/mcp tools\/list with the token +HTTP\/1\.1 200 OK/);
  });

  test('an unauthenticated request gets 401 pointing at the resource metadata', async () => {
    const res = await fetch(url);
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const meta = /resource_metadata="([^"]+)"/.exec(challenge);
    assert.ok(meta, challenge);
    const doc = (await (await fetch(meta[1])).json()) as { resource: string; authorization_servers: string[] };
    assert.equal(doc.resource, url);
    assert.equal(doc.authorization_servers.length, 1);
  });

  test('the MCP SDK client lists tools and streams countdown progress with the printed token', async () => {
    const client = new Client({ name: 'demo-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['countdown', 'echo']);
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'countdown', arguments: { from: 3, delayMs: 50 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      );
      assert.deepEqual(progress, [1, 2, 3]);
      assert.deepEqual(result.content, [{ type: 'text', text: 'liftoff' }]);
    } finally {
      await client.close();
    }
  });

  test('SIGTERM stops the demo with exit code 0 and leaves no nginx behind', async () => {
    const nginxPid = Number(readFileSync(join(dir, 'nginx', 'nginx.pid'), 'utf8').trim());
    const started = descendantPids(demo.pid);
    assert.ok(started.includes(nginxPid), `nginx ${nginxPid} is not a child of the demo (${started.join(' ')})`);
    assert.ok(started.length >= 2, 'expected the nginx master and a worker');
    await demo.stop();
    assert.equal(demo.exitCode(), 0, demo.output());
    assert.match(demo.output(), /demo stopped\.\n$/);
    await waitFor(() => started.every((pid) => !alive(pid)), 5000);
  });
});

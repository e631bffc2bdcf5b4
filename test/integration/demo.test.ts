/**
 * `mcp-authz demo` end to end: the real command as a child process (nginx, njs module, sample MCP
 * server, companion AS), used by the official MCP SDK client the way a desktop client does —
 * discovery, dynamic registration, authorization (the test plays the person: signs in with the
 * printed credentials and allows), token — all through the demo's nginx URL; then stopped with
 * SIGTERM, after which nothing it started may still run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { READY_LINE } from '../../src/demo/demo-instructions.ts';
import { authorizeInBrowser } from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { descendantPids, isAlive, startProcess, tcpAccepts, waitFor, type RunningProcess } from '../support/process.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');


describe('npm run demo', () => {
  // A private demo dir, so a demo the developer is running in .demo/ is left alone.
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-demo-'));
  let demo: RunningProcess;
  let url: string;
  let origin: string;
  let username: string;
  let password: string;

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    url = `${origin}/mcp`;
    demo = await startProcess(process.execPath, ['src/cli.ts', 'demo', '--port', String(port)], {
      cwd: ROOT,
      env: { ...process.env, MCP_AUTHZ_DEMO_DIR: dir },
    });
    // Ready means: nginx up and the demo's own self-check passed.
    await waitFor(() => demo.output().includes(READY_LINE) || demo.exited(), 30_000);
    assert.ok(!demo.exited(), `demo exited early:\n${demo.output()}`);
    const user = /^ *username: (\S+)$/m.exec(demo.output());
    const pass = /^ *password: (\S+)$/m.exec(demo.output());
    assert.ok(user && pass, `no "username:"/"password:" lines in:\n${demo.output()}`);
    username = user[1];
    password = pass[1];
  });

  after(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the MCP URL and a passing self-check', () => {
    const out = demo.output();
    assert.match(out, new RegExp(`MCP URL +${url.replace(/[.]/g, '\\.')}\\n`));
    assert.match(out, /ok +GET +\/mcp without a token +HTTP\/1\.1 401 Unauthorized/);
    assert.match(out, /ok +GET +AS metadata \(RFC 8414\) +HTTP\/1\.1 200 OK/);
    assert.match(out, /ok +POST \/mcp tools\/list with the API key +HTTP\/1\.1 200 OK/);
    assert.equal(username, 'demo');
    assert.match(out, new RegExp(`curl ${origin.replace(/[.]/g, '\\.')}/\\.well-known/oauth-authorization-server\\n`));
  });

  test('the AS metadata is served through nginx with nginx\'s origin as the issuer', async () => {
    const res = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc.issuer, origin);
    for (const key of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'jwks_uri']) {
      assert.ok(String(doc[key]).startsWith(origin + '/'), `${key}: ${String(doc[key])}`);
    }
  });

  test('an unauthenticated request gets 401 pointing at the resource metadata', async () => {
    const res = await fetch(url);
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const meta = /resource_metadata="([^"]+)"/.exec(challenge);
    assert.ok(meta, challenge);
    const doc = (await (await fetch(meta[1])).json()) as { resource: string; authorization_servers: string[] };
    assert.equal(doc.resource, url);
    assert.deepEqual(doc.authorization_servers, [origin]);
  });

  test('the MCP SDK client registers, signs in, gets a token, lists tools and streams countdown progress', async () => {
    const oauth = createTestOAuthClient('http://127.0.0.1:47998/callback');
    const seen: string[] = [];
    const origins = new Set<string>();
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const target = new URL(input instanceof Request ? input.url : String(input));
      origins.add(target.origin);
      seen.push(`${init?.method ?? 'GET'} ${target.pathname} ${res.status}`);
      return res;
    };
    // First connect: 401 → resource metadata → AS metadata → DCR → "open the browser".
    const first = new Client({ name: 'demo-test', version: '1.0.0' });
    await assert.rejects(first.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: oauth, fetch: recordingFetch })), UnauthorizedError);
    assert.ok(seen.includes('POST /mcp 401'), seen.join('\n'));
    assert.ok(seen.includes('POST /register 201'), seen.join('\n'));
    assert.ok(oauth.authorizationUrl, 'the SDK asked to open the authorization URL');
    const authUrl = new URL(oauth.authorizationUrl);
    assert.equal(authUrl.origin + authUrl.pathname, `${origin}/authorize`);
    assert.equal(authUrl.searchParams.get('resource'), url);

    // The person at the browser: signs in with the printed credentials, allows.
    const { redirect, loginPage, consentPage } = await authorizeInBrowser(authUrl.href, { username, password });
    assert.ok(loginPage && consentPage, 'login and consent pages shown');
    const back = new URL(redirect);
    assert.equal(back.origin + back.pathname, 'http://127.0.0.1:47998/callback');
    assert.equal(back.searchParams.get('iss'), origin);
    const finishing = new StreamableHTTPClientTransport(new URL(url), { authProvider: oauth, fetch: recordingFetch });
    await finishing.finishAuth(back.searchParams.get('code')!);
    assert.ok(seen.includes('POST /token 200'), seen.join('\n'));
    const tokens = await oauth.tokens();
    assert.ok(tokens?.access_token);
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.iss, origin);
    assert.equal(claims.aud, url);

    // Connected with the token: tools/list, then a tool call whose progress streams over SSE.
    const client = new Client({ name: 'demo-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: oauth, fetch: recordingFetch }));
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
    // Every request the client made went to nginx's origin.
    assert.deepEqual([...origins], [origin]);
  });

  test('SIGTERM stops the demo with exit code 0 and leaves nothing running', async () => {
    const companionPort = Number(/^ {4}listen: 127\.0\.0\.1:(\d+)$/m.exec(readFileSync(join(dir, 'mcp-authz.yaml'), 'utf8'))?.[1]);
    assert.ok(companionPort > 0, 'serve.companion.listen in the demo config');
    assert.ok(await tcpAccepts(companionPort), 'the companion listens while the demo runs');
    const nginxPid = Number(readFileSync(join(dir, 'nginx', 'nginx.pid'), 'utf8').trim());
    const started = descendantPids(demo.pid);
    assert.ok(started.includes(nginxPid), `nginx ${nginxPid} is not a child of the demo (${started.join(' ')})`);
    assert.ok(started.length >= 2, 'expected the nginx master and a worker');
    await demo.stop();
    assert.equal(demo.exitCode(), 0, demo.output());
    assert.match(demo.output(), /demo stopped\.\n$/);
    await waitFor(() => started.every((pid) => !isAlive(pid)), 5000);
    // The companion, the sample server and nginx listened on loopback ports: all closed now.
    assert.equal(await tcpAccepts(Number(new URL(url).port)), false, 'nginx port closed');
    assert.equal(await tcpAccepts(companionPort), false, 'companion port closed');
  });
});

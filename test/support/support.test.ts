/**
 * Self-test for the test/support harnesses: real issuer, echo upstream,
 * nginx (+njs), MCP server and SSE streaming through nginx.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startEchoUpstream } from './echo-upstream.ts';
import { freePort } from './free-port.ts';
import { openSse, request, rawRequest } from './http.ts';
import { ISSUER_ALGS, startIssuer } from './issuer.ts';
import { startMcpServer } from './mcp-server.ts';
import { startNginx } from './nginx.ts';
import { descendantPids, isAlive, startProcess, tcpAccepts, waitFor } from './process.ts';

/** Pids of every nginx process (master + workers) we started; checked at the end. */
const nginxPids = new Set<number>();


after(() => {
  const left = [...nginxPids].filter(isAlive);
  assert.deepEqual(left, [], `nginx processes left behind: ${left.join(',')}`);
});

describe('free-port + process', () => {
  test('freePort returns a bindable port; startProcess waits, captures output and stops by pid', async () => {
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
    const script = `const s=require('node:net').createServer().listen(${port},'127.0.0.1',()=>console.log('up'));process.on('SIGTERM',()=>{console.log('bye');process.exit(0)})`;
    const p = await startProcess(process.execPath, ['-e', script], { readyWhen: () => tcpAccepts(port), timeoutMs: 5000 });
    await waitFor(() => p.output().includes('up'), 2000);
    await p.stop();
    assert.ok(p.exited());
    assert.match(p.output(), /bye/);
    assert.equal(isAlive(p.pid), false);
  });

  test('startProcess escalates to SIGKILL when SIGTERM is ignored', async () => {
    const p = await startProcess(process.execPath, ['-e', "process.on('SIGTERM',()=>{});setInterval(()=>{},1000);console.log('x')"]);
    await waitFor(() => p.output().includes('x'), 3000);
    const t0 = Date.now();
    await p.stop();
    assert.ok(Date.now() - t0 >= 2900);
    assert.equal(isAlive(p.pid), false);
  });

  test('startProcess rejects with output when the process exits before ready', async () => {
    await assert.rejects(
      startProcess(process.execPath, ['-e', "console.error('boom');process.exit(3)"], { readyWhen: async () => false }),
      /exited with code 3[\s\S]*boom/,
    );
  });
});

describe('issuer', () => {
  test('mint for every alg verifies against the served JWKS; attacks and rotation behave', async () => {
    const iss = await startIssuer();
    try {
      const disc = await request(`${iss.url}/.well-known/openid-configuration`);
      assert.equal(disc.status, 200);
      const meta = JSON.parse(disc.body) as { issuer: string; jwks_uri: string };
      assert.equal(meta.issuer, `http://127.0.0.1:${iss.port}`);
      assert.equal(meta.jwks_uri, iss.jwksUri);

      const jwks = createRemoteJWKSet(new URL(iss.jwksUri));
      for (const alg of ISSUER_ALGS) {
        const token = await iss.mint({ sub: 'alice', aud: 'mcp' }, { alg });
        const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: iss.url, audience: 'mcp' });
        assert.equal(payload.sub, 'alice');
        assert.equal(protectedHeader.alg, alg);
        assert.equal(protectedHeader.kid, iss.keys[alg].kid);
        assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300);
      }
      assert.ok(iss.jwksHits >= 1);

      // Header overrides and claim removal.
      const t = await iss.mint({ exp: undefined }, { typ: 'at+jwt', kid: null, header: { foo: 'bar' } });
      const h = JSON.parse(Buffer.from(t.split('.')[0] as string, 'base64url').toString()) as Record<string, unknown>;
      assert.deepEqual(h, { alg: 'RS256', typ: 'at+jwt', foo: 'bar' });
      assert.equal(JSON.parse(Buffer.from(t.split('.')[1] as string, 'base64url').toString()).exp, undefined);

      const good = await iss.mint({ sub: 'alice' });
      for (const bad of [iss.algNone({ sub: 'alice' }), iss.hs256WithPublicKey({ sub: 'alice' }), iss.tamper(good)]) {
        await assert.rejects(jwtVerify(bad, jwks, { issuer: iss.url }));
      }
      assert.equal(JSON.parse(Buffer.from(iss.tamper(good).split('.')[1] as string, 'base64url').toString()).sub, 'attacker');

      // Rotation: new kid served, old kid gone.
      const oldKid = iss.keys.RS256.kid;
      const newKid = await iss.rotate();
      assert.notEqual(newKid, oldKid);
      const kids = iss.jwks().keys.map((k) => k.kid);
      assert.ok(kids.includes(newKid) && !kids.includes(oldKid));
      const fresh = createRemoteJWKSet(new URL(iss.jwksUri));
      await jwtVerify(await iss.mint({}), fresh);
      await assert.rejects(jwtVerify(good, fresh), { code: 'ERR_JWKS_NO_MATCHING_KEY' });

      // Failure modes.
      await iss.setJwksFailure('500');
      assert.equal((await request(iss.jwksUri)).status, 500);
      await iss.setJwksFailure('down');
      assert.equal(await tcpAccepts(iss.port), false);
      await iss.setJwksFailure('ok');
      assert.equal((await request(iss.jwksUri)).status, 200);
    } finally {
      await iss.stop();
    }
  });
});

describe('echo upstream + http client', () => {
  test('records method/url/headers/body and the peer address', async () => {
    const echo = await startEchoUpstream();
    try {
      const res = await request(`${echo.url}/a?b=1`, {
        method: 'POST',
        headers: [['x-dup', '1'], ['x-dup', '2'], ['content-type', 'text/plain']],
        body: 'hello',
        localAddress: '127.0.0.2',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { ok: true });
      assert.equal(res.headers['content-type'], 'application/json');
      const r = echo.requests[0];
      assert.ok(r);
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/a?b=1');
      assert.equal(r.body, 'hello');
      assert.equal(r.headers['x-dup'], '1, 2');
      assert.equal(r.remoteAddress, '127.0.0.2');
      echo.clear();
      assert.equal(echo.requests.length, 0);

      const raw = await rawRequest(echo.port, 'GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 200/);
    } finally {
      await echo.stop();
    }
  });
});

describe('nginx', () => {
  test('rejects an invalid config with nginx -t output', async () => {
    await assert.rejects(startNginx({ httpConf: 'server { bogus_directive on; }' }), /nginx -t failed[\s\S]*bogus_directive/);
  });

  test('serves return/proxy_pass/njs, spools large bodies (worker user), reloads, stops cleanly', async () => {
    const echo = await startEchoUpstream({ sseEvents: 5, sseDelayMs: 300 });
    const port = await freePort();
    const conf = (greeting: string) => (dir: string) => `
      js_path ${dir}/js;
      js_import main from main.js;
      server {
        listen 127.0.0.1:${port};
        client_body_buffer_size 1k;
        location = /ok { return 200 "${greeting}"; }
        location = /njs { js_content main.hello; }
        location / {
          proxy_pass ${echo.url};
          proxy_http_version 1.1;
          proxy_buffering off;
        }
      }`;
    const ngx = await startNginx({
      httpConf: conf('ok'),
      files: { 'js/main.js': 'function hello(r) { r.return(200, "njs " + njs.version); }\nexport default { hello };\n' },
      readyPort: port,
    });
    // The master owns the listening socket, so the port accepts before the worker has forked.
    await waitFor(() => descendantPids(ngx.pid).length === 1, 3000).catch(() => undefined);
    const pids = [ngx.pid, ...descendantPids(ngx.pid)];
    pids.forEach((p) => nginxPids.add(p));
    try {
      assert.equal(pids.length, 2, 'master + 1 worker');
      assert.equal((await request(`${ngx.url}/ok`)).body, 'ok');
      assert.match((await request(`${ngx.url}/njs`)).body, /^njs 0\.7\./);

      const res = await request(`${ngx.url}/via/proxy`, { headers: { 'x-test': 'yes' } });
      assert.equal(res.status, 200);
      assert.equal(echo.requests.at(-1)?.url, '/via/proxy');
      assert.equal(echo.requests.at(-1)?.headers['x-test'], 'yes');

      // A 64 KiB body exceeds client_body_buffer_size and is written to client_body_temp by the worker.
      const big = 'x'.repeat(64 * 1024);
      const up = await request(`${ngx.url}/upload`, { method: 'POST', body: big });
      assert.equal(up.status, 200, ngx.errorLog());
      assert.equal(echo.requests.at(-1)?.body.length, big.length);

      // SSE through nginx with proxy_buffering off: first event arrives long before upstream finishes.
      const t0 = Date.now();
      const sse = await openSse(`${ngx.url}/stream/sse`);
      assert.equal(sse.status, 200);
      const first = await sse.next();
      assert.ok(first);
      assert.equal(first.event, 'tick');
      assert.deepEqual(JSON.parse(first.data), { i: 1, of: 5 });
      const all = await sse.done();
      assert.equal(all.length, 5);
      const stream = echo.sseStreams.at(-1);
      assert.ok(stream?.finishedAt);
      assert.ok(first.receivedAt < stream.finishedAt - 800, `first event at +${first.receivedAt - t0} ms, upstream done at +${stream.finishedAt - t0} ms`);

      // Reload with a new config.
      await ngx.reload({ httpConf: conf('reloaded') });
      await waitFor(async () => (await request(`${ngx.url}/ok`)).body === 'reloaded', 5000);
      descendantPids(ngx.pid).forEach((p) => nginxPids.add(p));
      assert.match(ngx.errorLog(), /reconfiguring/);
    } finally {
      await ngx.stop();
      await echo.stop();
    }
    assert.deepEqual([...nginxPids].filter(isAlive), []);
    assert.match(ngx.errorLog(), /exit/);
    assert.equal(await tcpAccepts(port), false);
  });
});

describe('mcp server', () => {
  const connectClient = async (url: string, headers: Record<string, string> = {}): Promise<Client> => {
    const client = new Client({ name: 'support-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    return client;
  };

  test('tools/list, echo, streamed countdown; records request headers', async () => {
    const mcp = await startMcpServer();
    try {
      const client = await connectClient(mcp.url, { 'x-probe': 'p1' });
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['countdown', 'echo']);
      const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      assert.deepEqual(echoed.content, [{ type: 'text', text: 'hi' }]);

      const logs: string[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(String(n.params.data));
      });
      const progress: number[] = [];
      const res = await client.callTool({ name: 'countdown', arguments: { from: 3, delayMs: 10 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      assert.deepEqual(res.content, [{ type: 'text', text: 'liftoff' }]);
      assert.deepEqual(progress, [1, 2, 3]);
      assert.deepEqual(logs, ['3', '2', '1']);
      await client.close();

      assert.ok(mcp.received.length >= 4);
      assert.ok(mcp.received.every((h) => h['x-probe'] === 'p1'));
      assert.ok(mcp.received.every((h) => h.authorization === undefined));
    } finally {
      await mcp.stop();
    }
  });

  test('initialize opens a session (DELETE ends it), a bare POST is served statelessly, rebinding Host/Origin get 403', async () => {
    const mcp = await startMcpServer();
    try {
      const post = (message: object, headers: Record<string, string> = {}) =>
        request(mcp.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }),
        });
      const echo = { method: 'tools/call', params: { name: 'echo', arguments: { text: 'bare' } } };
      const bare = await post(echo);
      assert.equal(bare.status, 200, bare.body);
      assert.equal(bare.headers['mcp-session-id'], undefined);
      assert.match(bare.body, /"text":"bare"/);

      const init = await post({
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'support-test', version: '0' } },
      });
      assert.equal(init.status, 200, init.body);
      const session = String(init.headers['mcp-session-id']);
      assert.match(session, /^[0-9a-f-]{36}$/);
      const inSession = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
      assert.match((await post(echo, inSession)).body, /"text":"bare"/);
      const ended = await request(mcp.url, { method: 'DELETE', headers: inSession });
      assert.equal(ended.status, 200);
      assert.equal((await post(echo, inSession)).status, 404, 'an ended session is not found');
      assert.equal((await request(mcp.url)).status, 405, 'GET without a session');

      // DNS rebinding: a foreign name in Host or in Origin is refused, loopback names with any port pass.
      const port = String(mcp.port);
      assert.equal((await post(echo, { host: `evil.example:${port}` })).status, 403);
      assert.equal((await post(echo, { origin: 'http://evil.example' })).status, 403);
      assert.equal((await post(echo, { origin: 'null' })).status, 403);
      assert.equal((await post(echo, { host: `localhost:${port}`, origin: 'http://localhost:6274' })).status, 200);
      assert.equal((await post(echo, { host: `[::1]:${port}`, origin: 'http://127.0.0.1:8080' })).status, 200);
    } finally {
      await mcp.stop();
    }
  });

  test('a session closes after sessionIdleMs without a request', async () => {
    const mcp = await startMcpServer({ handler: { sessionIdleMs: 200 } });
    try {
      const client = await connectClient(mcp.url);
      assert.equal((await client.listTools()).tools.length, 2, 'a request inside the idle time is served');
      await new Promise((r) => setTimeout(r, 600));
      await assert.rejects(client.listTools(), /404|Session not found/);
      await client.close();
    } finally {
      await mcp.stop();
    }
  });

  test('countdown notifications stream through nginx before the result', async () => {
    const mcp = await startMcpServer();
    const port = await freePort();
    const ngx = await startNginx({
      httpConf: `server {
        listen 127.0.0.1:${port};
        location /mcp { proxy_pass http://127.0.0.1:${mcp.port}; proxy_http_version 1.1; proxy_buffering off; }
      }`,
      readyPort: port,
    });
    [ngx.pid, ...descendantPids(ngx.pid)].forEach((p) => nginxPids.add(p));
    try {
      const client = await connectClient(`${ngx.url}/mcp`);
      const progressAt: number[] = [];
      const res = await client.callTool({ name: 'countdown', arguments: { from: 3, delayMs: 300 } }, undefined, {
        onprogress: () => progressAt.push(Date.now()),
      });
      const resultAt = Date.now();
      assert.deepEqual(res.content, [{ type: 'text', text: 'liftoff' }]);
      assert.equal(progressAt.length, 3);
      assert.ok(resultAt - (progressAt[0] as number) >= 600, 'first progress arrived ~900 ms before the result');
      await client.close();
    } finally {
      await ngx.stop();
      await mcp.stop();
    }
  });
});

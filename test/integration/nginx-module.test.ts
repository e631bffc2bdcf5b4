/**
 * What only the nginx data plane does, in real nginx + njs: SSE streaming, the verified-token cache,
 * key-set caching with a bounded last-good copy and rate-limited refetch, and the decision log.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureConfig, PUBLIC } from '../contract/fixture-config.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { openSse, request } from '../support/http.ts';
import { startIssuer, tamper, type RunningIssuer } from '../support/issuer.ts';
import { sleep, waitFor } from '../support/process.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

const AUD = PUBLIC + '/mcp';

function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesBelow(p) : [p];
  });
}

type LogLine = Record<string, string>;

function logLines(nginx: ProtectedNginx): LogLine[] {
  const text = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8').trim();
  return text ? text.split('\n').map((l) => JSON.parse(l)) : [];
}

/** Run `act`, then return the log lines it produced (nginx logs after the response is sent). */
async function logged(nginx: ProtectedNginx, count: number, act: () => Promise<unknown>): Promise<LogLine[]> {
  const before = logLines(nginx).length;
  await act();
  await waitFor(() => logLines(nginx).length >= before + count, 3000);
  return logLines(nginx).slice(before);
}

describe('nginx data plane', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  const mint = (claims: Record<string, unknown> = {}) => issuer.mint(Object.assign({ sub: 'alice', aud: AUD, scope: 'mcp:tools' }, claims), { alg: 'ES256' });

  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream({ sseEvents: 5, sseDelayMs: 250 });
    nginx = await startProtectedNginx(fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url }));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('streams SSE event by event: the first event arrives while the upstream is still sending', async () => {
    const stream = await openSse(nginx.url + '/mcp/sse', { authorization: 'Bearer ' + (await mint()) });
    assert.equal(stream.status, 200);
    const first = await stream.next();
    assert.ok(first, 'an event arrived');
    const events = await stream.done();
    assert.equal(events.length, 5);
    const record = upstream.sseStreams[upstream.sseStreams.length - 1];
    assert.ok(record.finishedAt, 'the upstream finished');
    assert.ok(first.receivedAt < record.finishedAt - 500, `first event ${record.finishedAt - first.receivedAt} ms before the upstream finished`);
  });

  it('exposes CORS headers on upstream responses to browser clients', async () => {
    const res = await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + (await mint()), origin: 'https://inspector.example' }, body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-expose-headers'], 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, Retry-After');
    const noOrigin = await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + (await mint()) }, body: '{}' });
    assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
  });

  it('caches a verified token: the repeat is decided without njs, keyed on a hash, never the token', async () => {
    const token = await mint({ jti: 'cache-test' });
    const headers = { authorization: 'Bearer ' + token };
    const lines = await logged(nginx, 2, async () => {
      assert.equal((await request(nginx.url + '/mcp', { method: 'POST', headers, body: '{}' })).status, 200);
      // nginx commits the entry just after answering; a repeat racing it is merely another MISS.
      await sleep(200);
      assert.equal((await request(nginx.url + '/mcp', { method: 'POST', headers, body: '{}' })).status, 200);
    });
    const problems = () => nginx.errorLog().split('\n').filter((l) => /\[(warn|error|crit|alert)\]/.test(l)).slice(-5).join('\n');
    assert.deepEqual(lines.map((l) => l.cache), ['MISS', 'HIT'], JSON.stringify(lines) + '\n' + problems());
    const cached = filesBelow(join(nginx.dir, 'cache-decisions')).map((f) => readFileSync(f, 'latin1'));
    assert.ok(cached.length >= 1, 'decision cache files exist');
    for (const text of cached) {
      assert.ok(!text.includes(token), 'a cache file holds the token');
      assert.match(text, /KEY: \/_mcp_authz\/check\/\S+ [A-Za-z0-9_-]{43}/);
    }
  });

  it('a cached token does not let a query-string token through', async () => {
    const headers = { authorization: 'Bearer ' + (await mint({ jti: 'query-after-cache' })) };
    assert.equal((await request(nginx.url + '/mcp', { method: 'POST', headers, body: '{}' })).status, 200);
    await sleep(200);
    const res = await request(nginx.url + '/mcp?access_token=leak', { method: 'POST', headers, body: '{}' });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error, 'invalid_request');
  });

  it('keeps a cached decision no longer than the token lives', async () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = { authorization: 'Bearer ' + (await mint({ iat: now, exp: now + 2 })) };
    assert.equal((await request(nginx.url + '/mcp', { method: 'POST', headers, body: '{}' })).status, 200);
    // A fresh check would still accept it (60 s clock skew); the cache entry itself must be gone
    // once the token's lifetime (2 s) has passed.
    await sleep(3100);
    const [last] = await logged(nginx, 1, () => request(nginx.url + '/mcp', { method: 'POST', headers, body: '{}' }));
    assert.notEqual(last.cache, 'HIT', 'an entry outlived its token');
  });

  it('never caches a denial or a request without a token', async () => {
    const bad = { authorization: 'Bearer ' + (await mint({ scope: 'profile' })) };
    const lines = await logged(nginx, 3, async () => {
      await request(nginx.url + '/mcp', { method: 'POST', headers: bad, body: '{}' });
      await request(nginx.url + '/mcp', { method: 'POST', headers: bad, body: '{}' });
      await request(nginx.url + '/keys/mcp', { method: 'POST', headers: { 'x-api-key': 'ak_live_0123456789abcdef' }, body: '{}' });
    });
    assert.deepEqual(lines.map((l) => l.status), ['403', '403', '200']);
    assert.ok(lines.every((l) => l.cache !== 'HIT'), JSON.stringify(lines));
  });

  it('the check socket refuses requests without this nginx key (nginx makes unix sockets world-writable)', async () => {
    const socketPath = join(nginx.dir, 'check.sock');
    assert.equal(statSync(socketPath).mode & 0o777, 0o666, 'nginx leaves the socket open to every local user');
    const key = /default "([0-9a-f]{32})";/.exec(nginx.files['check-key.conf'])?.[1];
    assert.ok(key, 'check-key.conf holds the key');
    const ask = (extra: Record<string, string>) => new Promise<number>((resolve, reject) => {
      const req = httpRequest({ socketPath, path: '/respond', headers: {
        'x-mcp-authz-method': 'GET', 'x-mcp-authz-path': '/.well-known/oauth-protected-resource/mcp', 'x-mcp-authz-peer': '10.0.0.1', ...extra,
      } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(await ask({}), 403, 'no key');
    assert.equal(await ask({ 'x-mcp-authz-check-key': '0'.repeat(32) }), 403, 'a wrong key');
    assert.equal(await ask({ 'x-mcp-authz-check-key': key }), 200, 'the key: the same request is answered');
    assert.ok(!nginx.files['http.conf'].includes(key) && !nginx.files['server.conf'].includes(key), 'the key is only in check-key.conf');
  });

  it('logs one JSON line per decision with request id, endpoint, subject, reason, and no secrets', async () => {
    const token = await mint({ jti: 'log-test' });
    const [allow, deny] = await logged(nginx, 2, async () => {
      await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + token }, body: '{}' });
      await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + tamper(token) }, body: '{}' });
    });
    assert.equal(allow.decision, 'allow');
    assert.equal(allow.reason, 'ok');
    assert.equal(allow.subject, 'alice');
    assert.equal(allow.strategy, 'jwt');
    assert.equal(allow.endpoint, 'mcp');
    assert.match(allow.request_id, /^[0-9a-f]{32}$/);
    assert.equal(deny.decision, 'deny');
    assert.equal(deny.reason, 'bad_signature');
    assert.equal(deny.status, '401');
    const log = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8');
    assert.ok(!log.includes(token.split('.')[2]), 'the log holds a token signature');
    assert.ok(!log.includes('ak_live_0123456789abcdef'), 'the log holds an API key');
  });
});

describe('nginx key-set cache', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  const mint = (claims: Record<string, unknown> = {}, kid?: string) =>
    issuer.mint(Object.assign({ sub: 'alice', aud: AUD, scope: 'mcp:tools' }, claims), { alg: 'ES256', kid });
  const call = async (token: string) => (await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + token }, body: '{}' })).status;

  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    nginx = await startProtectedNginx(fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url }), {
      timing: { jwksFresh: 1, jwksMaxStale: 3, jwksRefreshInterval: 2 },
    });
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  it('refetches for unknown kids at most once per interval', async () => {
    assert.equal(await call(await mint()), 200);
    issuer.resetHits();
    for (let i = 0; i < 8; i++) assert.equal(await call(await mint({ jti: 'k' + i }, 'unknown-' + i)), 401);
    assert.ok(issuer.jwksHits <= 2, `${issuer.jwksHits} key-set fetches for 8 unknown kids`);
  });

  it('serves the last good key set while the IdP fails, for a bounded time, then fails closed', async () => {
    assert.equal(await call(await mint({ jti: 'warm' })), 200);
    issuer.setJwksFailure('500');
    await sleep(1500);
    assert.equal(await call(await mint({ jti: 'stale-ok' })), 200, 'stale keys used while within the bound');
    await sleep(3000);
    const res = await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + (await mint({ jti: 'too-old' })) }, body: '{}' });
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.body).error, 'temporarily_unavailable');
    assert.equal(res.headers['retry-after'], '5');
    issuer.setJwksFailure('ok');
    await sleep(1100);
    assert.equal(await call(await mint({ jti: 'recovered' })), 200, 'recovers once the IdP answers');
  });
});

/**
 * Per-subject rate limits in real nginx (native limit_req behind auth_request): 429 + Retry-After
 * + JSON past the burst, per subject (not per token), never spent by token-less or rejected
 * requests, refilling at the rate; and the limited path still proxies like the plain one (SSE event
 * by event, POST body intact, credentials stripped, identity set, upstream path mapping).
 * The server block also carries a server-level per-IP limit_req, as many deployments do: nginx
 * applies limit_req once per request, and it must not displace the per-subject limit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { FAST, rateLimitConfig, SLOW, TOKENS } from '../contract/rate-limit-fixture.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { openSse, request, type HttpResponse } from '../support/http.ts';
import { sleep, waitFor } from '../support/process.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

describe('nginx: per-subject rate limits', () => {
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;

  const post = (path: string, token: string | null, extra: Record<string, string> = {}, body = '{}'): Promise<HttpResponse> =>
    request(nginx.url + path, { method: 'POST', headers: Object.assign(token ? { authorization: 'Bearer ' + token } : {}, { 'content-type': 'application/json' }, extra), body });

  function logLines(): Array<Record<string, string>> {
    const text = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8').trim();
    return text ? text.split('\n').map((l) => JSON.parse(l)) : [];
  }

  before(async () => {
    upstream = await startEchoUpstream({ sseEvents: 4, sseDelayMs: 250 });
    nginx = await startProtectedNginx(rateLimitConfig(upstream.url), {
      httpExtra: 'limit_req_zone $binary_remote_addr zone=test_per_ip:1m rate=1000r/s;',
      serverExtra: 'limit_req zone=test_per_ip burst=10000 nodelay;',
    });
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
  });

  it('a subject past its burst gets 429 + Retry-After + JSON, never reaching the upstream; another subject is unaffected', async () => {
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await post(SLOW.path, TOKENS.alice)).status, 200, 'request ' + (i + 1));
    upstream.clear();
    const refused = await post(SLOW.path, TOKENS.alice, { origin: 'https://inspector.example' });
    assert.equal(refused.status, 429, refused.body);
    assert.equal(refused.headers['retry-after'], SLOW.nginxRetryAfter);
    assert.match(String(refused.headers['content-type']), /^application\/json/);
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.equal(refused.headers['access-control-allow-origin'], '*');
    assert.match(String(refused.headers['access-control-expose-headers']), /\bRetry-After\b/, 'browser clients may read Retry-After');
    const body = JSON.parse(refused.body);
    assert.equal(body.error, 'rate_limited');
    assert.match(body.error_description, /Retry-After/);
    assert.equal(upstream.requests.length, 0, 'a refused request reached the upstream');
    // Keyed on the subject, not the token: alice's other token shares the spent budget.
    assert.equal((await post(SLOW.path, TOKENS.alice2)).status, 429);
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await post(SLOW.path, TOKENS.bob)).status, 200, 'bob ' + (i + 1));
    assert.equal((await post(SLOW.path, TOKENS.bob)).status, 429);
  });

  it('logs the refusal as a denial with reason rate_limited and the subject', async () => {
    // A path of its own picks this request's line out of the log.
    const probe = SLOW.path + '/log-probe';
    assert.equal((await post(probe, TOKENS.alice)).status, 429);
    const last = (await waitFor(() => logLines().find((l) => l.path === probe), 3000))!;
    assert.equal(last.status, '429');
    assert.equal(last.decision, 'deny');
    assert.equal(last.reason, 'rate_limited');
    assert.equal(last.subject, 'alice');
    assert.equal(last.endpoint, 'slow-mcp');
  });

  it('runs the check once per request: a first request is a decision-cache MISS, not a HIT from a second check', async () => {
    // A second auth_request in the named location would find the entry the first just cached and
    // log HIT; the repeat shows HIT is what a second check looks like.
    const first = SLOW.path + '/auth-once-1';
    const again = SLOW.path + '/auth-once-2';
    assert.equal((await post(first, TOKENS.erin)).status, 200);
    await sleep(200);
    assert.equal((await post(again, TOKENS.erin)).status, 200);
    const lines = await waitFor(() => {
      const l = logLines();
      const a = l.find((x) => x.path === first);
      const b = l.find((x) => x.path === again);
      return a && b ? [a, b] : undefined;
    }, 3000);
    assert.deepEqual(lines!.map((l) => l.cache), ['MISS', 'HIT']);
    assert.deepEqual(lines!.map((l) => l.decision), ['allow', 'allow']);
  });

  it('token-less, invalid-token and spoofed-identity requests are not counted against a subject', async () => {
    for (let i = 0; i < 20; i++) {
      assert.equal((await post(SLOW.path, null)).status, 401);
      assert.equal((await post(SLOW.path, 'tok_carol_wrong_0123456789')).status, 401);
      assert.equal((await post(SLOW.path, null, { 'x-mcp-subject': 'carol' })).status, 401);
    }
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await post(SLOW.path, TOKENS.carol)).status, 200, 'carol ' + (i + 1));
    assert.equal((await post(SLOW.path, TOKENS.carol)).status, 429);
  });

  it('refills at the configured rate: one more request fits after one interval', async () => {
    for (let i = 0; i < FAST.burst; i++) assert.equal((await post(FAST.path, TOKENS.dave)).status, 200);
    const refused = await post(FAST.path, TOKENS.dave);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], FAST.retryAfter);
    await sleep(FAST.intervalMs + 100);
    assert.equal((await post(FAST.path, TOKENS.dave)).status, 200);
    assert.equal((await post(FAST.path, TOKENS.dave)).status, 429);
  });

  it('streams SSE through the limited path event by event', async () => {
    const stream = await openSse(nginx.url + FAST.path + '/sse', { authorization: 'Bearer ' + TOKENS.erin });
    assert.equal(stream.status, 200);
    const first = await stream.next();
    assert.ok(first, 'an event arrived');
    const events = await stream.done();
    assert.equal(events.length, 4);
    const record = upstream.sseStreams.at(-1)!;
    assert.ok(record.finishedAt, 'the upstream finished');
    assert.ok(first.receivedAt < record.finishedAt - 500, `first event only ${record.finishedAt - first.receivedAt} ms before the upstream finished`);
  });

  it('proxies the limited path like the plain one: body intact, credentials stripped, identity ours', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'é'.repeat(40_000) + '\u{1F600}' } } });
    upstream.clear();
    const res = await post('/pathed/mcp', TOKENS.alice, { 'x-mcp-subject': 'mallory', 'mcp-session-id': 's-1' }, big);
    assert.equal(res.status, 200, res.body);
    const seen = upstream.requests[0];
    assert.equal(seen.body, big);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers['x-mcp-subject'], 'alice');
    assert.equal(seen.headers['authorization'], undefined);
    assert.equal(seen.headers['mcp-session-id'], 's-1');
  });

  it('maps the endpoint path onto an upstream path exactly as an unlimited endpoint does', async () => {
    for (const suffix of ['', '/', '/sub/x?y=1&z=%2F']) {
      upstream.clear();
      assert.equal((await post('/pathed/mcp' + suffix, TOKENS.bob)).status, 200);
      assert.equal((await post('/plain/mcp' + suffix, TOKENS.bob)).status, 200);
      assert.equal(upstream.requests.length, 2);
      assert.equal(upstream.requests[0].url, upstream.requests[1].url, 'suffix ' + JSON.stringify(suffix));
    }
  });

  it('answers a CORS preflight on a limited endpoint without a token, and never counts it', async () => {
    const preflight = () => request(nginx.url + SLOW.path, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    for (let i = 0; i < SLOW.burst + 2; i++) assert.equal((await preflight()).status, 204);
  });

  it('the named locations cannot be requested from outside', async () => {
    for (const path of ['/@mcp_authz_limited_slow_mcp', '/@mcp_authz_rate_limited_slow_mcp', '@mcp_authz_limited_slow_mcp']) {
      upstream.clear();
      const res = await request(nginx.url + (path.startsWith('/') ? path : '/' + path), { method: 'POST', headers: { authorization: 'Bearer ' + TOKENS.bob }, body: '{}' });
      assert.notEqual(res.status, 200);
      assert.notEqual(res.status, 429);
      assert.equal(upstream.requests.length, 0);
    }
    // nginx's static-file 404 for these names is logged as an error; anything else is a problem.
    const problems = nginx.errorLog().split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l) && !/open\(\) ".*\/html\/@mcp_authz_/.test(l));
    assert.deepEqual(problems, []);
  });
});

describe('nginx: a rate-limited root endpoint with an upstream path', () => {
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    upstream = await startEchoUpstream();
    const r = parseConfig(`endpoints:
  - path: /
    resource: https://mcp.example.test/
    upstream: ${upstream.url}/base/
    rate_limit: { requests_per_second: 100 }
    strategies:
      - type: bearer
        tokens: [{ token: ${TOKENS.alice}, subject: alice }]
`, {}, 'root');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    nginx = await startProtectedNginx(toCoreConfig(r.config));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
  });

  it('maps / onto the upstream path as proxy_pass would (/x → /base/x), query kept', async () => {
    for (const [path, expected] of [['/', '/base/'], ['/x/y?q=1', '/base/x/y?q=1']]) {
      upstream.clear();
      const res = await request(nginx.url + path, { method: 'POST', headers: { authorization: 'Bearer ' + TOKENS.alice }, body: '{}' });
      assert.equal(res.status, 200, res.body);
      assert.equal(upstream.requests[0].url, expected);
    }
  });
});

/**
 * Per-client-address rate limits of the companion's pre-auth endpoints, with real HTTP requests
 * from distinct loopback source addresses (127.0.0.2, 127.0.0.3, …): over the budget is 429 with
 * Retry-After (JSON on /token and /register, a page and no redirect on /authorize); another
 * address is unaffected; X-Forwarded-For counts only from a trusted proxy (right-most entry), so
 * a client cannot dodge the limit by sending one; behind real nginx (the README's routes, which
 * set X-Forwarded-For to the peer) each client has its own budget and a forged header changes
 * nothing; two replicas on one redis-server share a budget.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { startCompanionReplicas, type CompanionReplicas } from '../support/companion-replicas.ts';
import { pkce, startTestCompanion, type TestCompanion } from '../support/companion.ts';
import { request, type HttpResponse, type RequestHeaders } from '../support/http.ts';
import { asRoutes } from '../support/mcp-sdk-flow.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

const REDIRECT = 'http://127.0.0.1:43231/callback';
const PROXY = '127.0.0.9';

function tokenPost(base: string, from: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return request(`${base}/token`, {
    method: 'POST',
    localAddress: from,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-real-token', client_id: 'nobody' }).toString(),
  });
}

function registerPost(base: string, from: string, headers: RequestHeaders = {}): Promise<HttpResponse> {
  return request(`${base}/register`, {
    method: 'POST',
    localAddress: from,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'rate limit test' }),
  });
}

function authorizeGet(base: string, from: string): Promise<HttpResponse> {
  const q = new URLSearchParams({ response_type: 'code', client_id: 'unknown-client', redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256' });
  return request(`${base}/authorize?${q}`, { localAddress: from });
}

function assertJson429(r: HttpResponse, maxRetry: number): void {
  assert.equal(r.status, 429, r.body);
  const retry = Number(r.headers['retry-after']);
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= maxRetry, `Retry-After ${r.headers['retry-after']}`);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.equal(r.headers['cache-control'], 'no-store');
  const body = JSON.parse(r.body) as { error: string; error_description: string };
  assert.equal(body.error, 'rate_limited');
  assert.match(body.error_description, /retry after \d+ seconds/);
}

function rateLimitedLines(as: TestCompanion, route: string): number {
  return as.logs.filter((l) => l.includes('"event":"rate_limited"') && l.includes(`"route":"${route}"`)).length;
}

describe('companion rate limits', () => {
  describe('in process', () => {
    let as: TestCompanion;
    before(async () => {
      as = await startTestCompanion({
        extra: `  rate_limits:
    trusted_proxies: [${PROXY}/32]
    token: { requests: 3, per_seconds: 60 }
    register: { requests: 2, per_seconds: 60 }
    authorize: { requests: 2, per_seconds: 2 }
`,
      });
    });
    after(async () => {
      await as?.dispose();
    });

    it('token: over the budget is 429 with Retry-After and an OAuth JSON error; another address is unaffected', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await tokenPost(as.url, '127.0.0.2');
        assert.notEqual(r.status, 429, `request ${i + 1} is within the budget`);
        assert.match(r.body, /"error":"invalid_(client|grant)"/, 'oidc-provider answered');
      }
      assertJson429(await tokenPost(as.url, '127.0.0.2'), 60);
      assertJson429(await tokenPost(as.url, '127.0.0.2'), 60);
      const other = await tokenPost(as.url, '127.0.0.3');
      assert.notEqual(other.status, 429);
      assert.equal(rateLimitedLines(as, 'token'), 2);
      assert.match(as.logs.find((l) => l.includes('"event":"rate_limited"'))!, /"client":"v4:127\.0\.0\.2"/);
    });

    it('CORS preflights are not counted', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await request(`${as.url}/token`, { method: 'OPTIONS', localAddress: '127.0.0.4', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' } });
        assert.notEqual(r.status, 429);
      }
      assert.notEqual((await tokenPost(as.url, '127.0.0.4')).status, 429);
    });

    it('register: the third registration from one address within the window is refused, the stored ones work', async () => {
      const first = await registerPost(as.url, '127.0.0.5');
      assert.equal(first.status, 201, first.body);
      assert.equal((await registerPost(as.url, '127.0.0.5')).status, 201);
      const third = await registerPost(as.url, '127.0.0.5', { origin: 'http://localhost:6274' });
      assertJson429(third, 60);
      // cors.allowed_origins defaults to "*": a browser client may read the 429 and its Retry-After.
      assert.equal(third.headers['access-control-allow-origin'], '*');
      assert.match(String(third.headers['access-control-expose-headers']), /Retry-After/);
      assert.equal((await registerPost(as.url, '127.0.0.6')).status, 201, 'another address registers');
    });

    it('authorize: 429 as a page, never a redirect, and allowed again after Retry-After', async () => {
      for (let i = 0; i < 2; i++) assert.notEqual((await authorizeGet(as.url, '127.0.0.7')).status, 429);
      const limited = await authorizeGet(as.url, '127.0.0.7');
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.location, undefined, 'no redirect');
      assert.match(String(limited.headers['content-type']), /^text\/html/);
      assert.match(limited.body, /Too many requests/);
      assert.equal(limited.headers['access-control-allow-origin'], undefined);
      const retry = Number(limited.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
      await sleep(retry * 1000 + 100);
      assert.notEqual((await authorizeGet(as.url, '127.0.0.7')).status, 429, 'a new window');
    });

    it('X-Forwarded-For from an untrusted peer does not dodge the limit', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await tokenPost(as.url, '127.0.0.10', { 'x-forwarded-for': `198.51.100.${i + 1}` });
        assert.notEqual(r.status, 429);
      }
      assertJson429(await tokenPost(as.url, '127.0.0.10', { 'x-forwarded-for': '198.51.100.99' }), 60);
      assertJson429(await tokenPost(as.url, '127.0.0.10', { 'x-forwarded-for': '203.0.113.7, 198.51.100.98' }), 60);
    });

    it('behind a trusted proxy: each client counted by the right-most X-Forwarded-For entry, forged entries left of it ignored', async () => {
      for (let i = 0; i < 3; i++) {
        const r = await tokenPost(as.url, PROXY, { 'x-forwarded-for': `forged-${i}, 192.0.2.1` });
        assert.notEqual(r.status, 429, `request ${i + 1}`);
      }
      assertJson429(await tokenPost(as.url, PROXY, { 'x-forwarded-for': '10.9.9.9, 192.0.2.1' }), 60);
      // Another client behind the same proxy has its own budget.
      assert.notEqual((await tokenPost(as.url, PROXY, { 'x-forwarded-for': '192.0.2.2' })).status, 429);
      // IPv6 clients are counted per /64.
      for (let i = 0; i < 3; i++) assert.notEqual((await tokenPost(as.url, PROXY, { 'x-forwarded-for': `2001:db8:1:2::${i + 1}` })).status, 429);
      assertJson429(await tokenPost(as.url, PROXY, { 'x-forwarded-for': '2001:db8:1:2:ffff::9' }), 60);
      assert.notEqual((await tokenPost(as.url, PROXY, { 'x-forwarded-for': '2001:db8:1:3::1' })).status, 429);
    });
  });

  describe('behind real nginx (default trusted_proxies: loopback)', () => {
    let as: TestCompanion;
    let nginx: ProtectedNginx;
    before(async () => {
      as = await startTestCompanion({ extra: '  rate_limits: { token: { requests: 2, per_seconds: 60 } }\n' });
      nginx = await startProtectedNginx(toCoreConfig(as.config), { serverExtra: asRoutes(as.port) });
    });
    after(async () => {
      await nginx?.stop();
      await as?.dispose();
    });

    it('counts each client by the address nginx saw; a forged X-Forwarded-For does not help', async () => {
      for (let i = 0; i < 2; i++) {
        const r = await tokenPost(nginx.url, '127.0.0.2', { 'x-forwarded-for': `198.51.100.${i + 1}` });
        assert.notEqual(r.status, 429, `request ${i + 1}`);
        assert.match(r.body, /"error":"invalid_(client|grant)"/, 'reached the companion');
      }
      assertJson429(await tokenPost(nginx.url, '127.0.0.2', { 'x-forwarded-for': '198.51.100.3' }), 60);
      assert.notEqual((await tokenPost(nginx.url, '127.0.0.3')).status, 429, 'another client behind the same nginx');
      assert.match(as.logs.find((l) => l.includes('"event":"rate_limited"'))!, /"client":"v4:127\.0\.0\.2"/);
    });
  });

  it('rate_limits: false turns every limit off', async () => {
    const as = await startTestCompanion({ extra: '  rate_limits: false\n' });
    try {
      for (let i = 0; i < 130; i++) assert.notEqual((await tokenPost(as.url, '127.0.0.2')).status, 429, `request ${i + 1}`);
    } finally {
      await as.dispose();
    }
  });

  describe('two replicas on one redis-server', () => {
    let replicas: CompanionReplicas;
    let a: TestCompanion;
    let b: TestCompanion;
    before(async () => {
      replicas = await startCompanionReplicas({ extra: '  rate_limits: { token: { requests: 4, per_seconds: 60 } }\n' });
      ({ a, b } = replicas);
    });
    after(async () => {
      await replicas?.stop();
    });

    it('share one budget per address', async () => {
      for (const base of [a.url, b.url, a.url, b.url]) assert.notEqual((await tokenPost(base, '127.0.0.2')).status, 429);
      assertJson429(await tokenPost(a.url, '127.0.0.2'), 60);
      assertJson429(await tokenPost(b.url, '127.0.0.2'), 60);
      assert.notEqual((await tokenPost(b.url, '127.0.0.3')).status, 429, 'another address');
      assert.equal(rateLimitedLines(a, 'token') + rateLimitedLines(b, 'token'), 2);
    });
  });
});

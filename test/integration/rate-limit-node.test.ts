/**
 * Per-subject rate limits in `mcp-authz serve`: forward-auth (Traefik/Caddy contract) answers 429 +
 * Retry-After + JSON, ext_authz a denied_response 429 with the same; allows answered from the
 * decision cache are counted; token-less and rejected requests are not; the metric counts refusals;
 * two instances share one budget through a real redis-server, and with Redis gone each instance
 * keeps limiting on its own (requests are never failed because of Redis).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { createExtAuthzClient, type DecodedCheckResponse, type ExtAuthzClient } from '../../src/envoy/client.ts';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { FAST, rateLimitApp, SLOW, TOKENS } from '../contract/rate-limit-fixture.ts';
import type { RunningCaddy } from '../support/caddy.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startCaddyForwardAuth, startNginxAuthRequest, type RunningAuthRequestNginx } from '../support/forward-auth-proxies.ts';
import { request, type HttpResponse } from '../support/http.ts';
import { sleep } from '../support/process.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';

const SERVE = `serve:
  forward_auth: { listen: "127.0.0.1:0" }
  ext_authz: { listen: "127.0.0.1:0" }
  admin: { listen: "127.0.0.1:0" }
`;

interface Instance {
  service: RunningService;
  grpc: ExtAuthzClient;
  lines: Array<Record<string, unknown>>;
}

async function startInstance(extra = ''): Promise<Instance> {
  const lines: Array<Record<string, unknown>> = [];
  const service = await startService(rateLimitApp('http://127.0.0.1:9', SERVE + extra), { writeLine: (l) => lines.push(JSON.parse(l)) });
  return { service, grpc: createExtAuthzClient('127.0.0.1:' + service.ports.extAuthz), lines };
}

async function stopInstance(i: Instance | undefined): Promise<void> {
  if (!i) return;
  i.grpc.close();
  await i.service.stop();
}

/** A forward-auth check of `POST <path>` as Traefik/Caddy send it. */
function forwardAuth(i: Instance, path: string, token: string | null, extra: Record<string, string> = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = Object.assign(
    { 'x-forwarded-method': 'POST', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.test', 'x-forwarded-uri': path },
    token ? { authorization: 'Bearer ' + token } : {},
    extra,
  );
  return request(`http://127.0.0.1:${i.service.ports.forwardAuth}/auth`, { headers });
}

/** An ext_authz Check of `POST <path>` as Envoy sends it. */
function extAuthz(i: Instance, path: string, token: string | null): Promise<DecodedCheckResponse> {
  const headers: Record<string, string> = { ':path': path, ':method': 'POST' };
  if (token) headers['authorization'] = 'Bearer ' + token;
  const req: CheckRequestMessage = {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1' } } },
      request: { http: { id: 'r', method: 'POST', path, host: 'mcp.example.test', scheme: 'https', headers } },
    },
  };
  return i.grpc.check(req);
}

const deniedHeader = (r: DecodedCheckResponse, name: string): string | undefined =>
  r.denied_response?.headers?.find((h) => h.header?.key?.toLowerCase() === name)?.header?.value;

async function metrics(i: Instance): Promise<string> {
  return (await request(`http://127.0.0.1:${i.service.ports.admin}/metrics`)).body;
}

describe('serve: per-subject rate limits, in process', () => {
  let a: Instance;
  before(async () => {
    a = await startInstance();
  });
  after(() => stopInstance(a));

  it('forward-auth: past the burst, 429 + Retry-After + JSON; cached allows were counted', async () => {
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await forwardAuth(a, SLOW.path, TOKENS.alice)).status, 200, 'request ' + (i + 1));
    const res = await forwardAuth(a, SLOW.path, TOKENS.alice, { origin: 'https://app.example' });
    assert.equal(res.status, 429, res.body);
    assert.equal(res.headers['retry-after'], SLOW.retryAfter);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['access-control-expose-headers']), /\bRetry-After\b/, 'browser clients may read Retry-After');
    assert.equal(res.headers['www-authenticate'], undefined);
    assert.equal(JSON.parse(res.body).error, 'rate_limited');
    // Requests 2–4 came from the decision cache (bearer decisions are cached for 60 s): counted all the same.
    const last = a.lines.at(-1)!;
    assert.equal(last.cache, 'HIT');
    assert.equal(last.reason, 'rate_limited');
    assert.equal(last.subject, 'alice');
    assert.equal(last.status, 429);
  });

  it('keys on the subject: another token of the same subject is refused, another subject is not', async () => {
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.alice2)).status, 429);
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.bob)).status, 200);
  });

  it('ext_authz: denied_response 429 with Retry-After and the JSON body; one budget across adapters', async () => {
    // bob spent one through forward-auth above.
    for (let i = 1; i < SLOW.burst; i++) assert.equal((await extAuthz(a, SLOW.path, TOKENS.bob)).status?.code, 0, 'request ' + (i + 1));
    const res = await extAuthz(a, SLOW.path, TOKENS.bob);
    assert.equal(res.status?.code, 8, 'RESOURCE_EXHAUSTED');
    assert.equal(res.denied_response?.status?.code, 'TooManyRequests');
    assert.equal(deniedHeader(res, 'retry-after'), SLOW.retryAfter);
    assert.equal(deniedHeader(res, 'content-type'), 'application/json');
    assert.equal(JSON.parse(res.denied_response?.body ?? '{}').error, 'rate_limited');
    assert.equal(res.dynamic_metadata?.fields?.mcp_authz_reason?.stringValue, 'rate_limited');
    assert.equal(res.dynamic_metadata?.fields?.mcp_authz_subject?.stringValue, 'bob');
  });

  it('token-less, invalid-token and spoofed-identity requests are not counted against a subject', async () => {
    for (let i = 0; i < 20; i++) {
      assert.equal((await forwardAuth(a, SLOW.path, null)).status, 401);
      assert.equal((await forwardAuth(a, SLOW.path, 'tok_carol_wrong_0123456789')).status, 401);
      assert.equal((await forwardAuth(a, SLOW.path, null, { 'x-mcp-subject': 'carol' })).status, 401);
      assert.equal((await extAuthz(a, SLOW.path, null)).denied_response?.status?.code, 'Unauthorized');
    }
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await forwardAuth(a, SLOW.path, TOKENS.carol)).status, 200, 'carol ' + (i + 1));
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.carol)).status, 429);
  });

  it('refills at the rate: Retry-After 1 on a 5/s limit, and a request fits one interval later', async () => {
    for (let i = 0; i < FAST.burst; i++) assert.equal((await forwardAuth(a, FAST.path, TOKENS.dave)).status, 200);
    const res = await forwardAuth(a, FAST.path, TOKENS.dave);
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], FAST.retryAfter);
    await sleep(FAST.intervalMs + 50);
    assert.equal((await forwardAuth(a, FAST.path, TOKENS.dave)).status, 200);
    assert.equal((await forwardAuth(a, FAST.path, TOKENS.dave)).status, 429);
  });

  it('counts refusals by adapter and endpoint in /metrics', async () => {
    const text = await metrics(a);
    const count = (adapter: string, endpoint: string): number => {
      const m = new RegExp(`^mcp_authz_rate_limited_total\\{adapter="${adapter}",endpoint="${endpoint}"\\} (\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    };
    assert.equal(count('forward_auth', 'slow-mcp'), 3, text); // alice, alice2, carol
    assert.equal(count('ext_authz', 'slow-mcp'), 1, text);
    assert.equal(count('forward_auth', 'fast-mcp'), 2, text);
    assert.match(text, /mcp_authz_decisions_total\{adapter="forward_auth",decision="deny",endpoint="slow-mcp",reason="rate_limited"\} 3/);
  });
});

describe('serve: per-subject rate limits shared through Redis', () => {
  let redis: RunningRedis;
  let a: Instance;
  let b: Instance;
  before(async () => {
    redis = await startRedis();
    const shared = `rate_limits: { redis_url: "${redis.url}", key_prefix: "test:rl:", redis_timeout_ms: 100 }\n`;
    a = await startInstance(shared);
    b = await startInstance(shared);
  });
  after(async () => {
    await stopInstance(a);
    await stopInstance(b);
    await redis?.stop();
  });

  it('two instances share one budget per subject; Retry-After comes from the shared state', async () => {
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.alice)).status, 200);
    assert.equal((await extAuthz(b, SLOW.path, TOKENS.alice)).status?.code, 0);
    assert.equal((await forwardAuth(b, SLOW.path, TOKENS.alice)).status, 200);
    const refusedA = await forwardAuth(a, SLOW.path, TOKENS.alice);
    assert.equal(refusedA.status, 429);
    // One slot per 60 s; a few ms passed since the budget was spent: the wait rounds up to 60.
    assert.equal(refusedA.headers['retry-after'], SLOW.retryAfter);
    assert.equal(deniedHeader(await extAuthz(b, SLOW.path, TOKENS.alice), 'retry-after'), SLOW.retryAfter);
    // bob's budget is untouched on both.
    assert.equal((await forwardAuth(b, SLOW.path, TOKENS.bob)).status, 200);
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.bob)).status, 200);
    assert.doesNotMatch(await metrics(a), /mcp_authz_rate_limit_store_errors_total \d/);
  });

  it('keeps one expiring key per endpoint + subject under the prefix, the subject hashed', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = (await client.keys('test:rl:*')).sort();
      assert.equal(keys.length, 2, keys.join(' '));
      for (const key of keys) {
        assert.match(key, /^test:rl:slow-mcp:[A-Za-z0-9_-]{43}$/);
        const ttl = await client.pTTL(key);
        assert.ok(ttl > 0 && ttl <= 180_000, 'expires once the TAT is past: ' + ttl);
      }
    } finally {
      await client.close();
    }
  });

  it('a hung Redis costs at most redis_timeout_ms: the request is counted in process, and sharing resumes after', async () => {
    process.kill(redis.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const res = await forwardAuth(a, SLOW.path, TOKENS.erin);
      const took = Date.now() - started;
      assert.equal(res.status, 200);
      assert.ok(took >= 90 && took < 1000, `answered after ${took} ms (timeout 100 ms)`);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    assert.match(await metrics(a), /^mcp_authz_rate_limit_store_errors_total 1$/m);
    await sleep(100);
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.dave)).status, 200);
    assert.equal((await forwardAuth(b, SLOW.path, TOKENS.dave)).status, 200);
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.dave)).status, 200);
    assert.equal((await forwardAuth(b, SLOW.path, TOKENS.dave)).status, 429);
    assert.match(await metrics(a), /^mcp_authz_rate_limit_store_errors_total 1$/m);
  });

  it('with Redis down, requests are still decided and each instance limits on its own', async () => {
    await redis.stop();
    // carol has never been seen: each instance's fallback gives her a full burst of its own.
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await forwardAuth(a, SLOW.path, TOKENS.carol)).status, 200, 'a ' + (i + 1));
    assert.equal((await forwardAuth(a, SLOW.path, TOKENS.carol)).status, 429);
    assert.equal((await forwardAuth(b, SLOW.path, TOKENS.carol)).status, 200);
    // Authorization is unaffected: no token is still 401, never an allow.
    assert.equal((await forwardAuth(a, SLOW.path, null)).status, 401);
    // 1 from the hung-Redis test, 4 here (the token-less request never reaches the limiter).
    assert.match(await metrics(a), /^mcp_authz_rate_limit_store_errors_total 5$/m);
  });
});

describe('serve: per-subject rate limits behind nginx auth_request (nginx/auth-request-example.conf)', () => {
  let upstream: EchoUpstream;
  let a: Instance;
  let nginx: RunningAuthRequestNginx;
  before(async () => {
    upstream = await startEchoUpstream();
    a = await startInstance();
    // The recipe verbatim, its three addresses replaced.
    nginx = await startNginxAuthRequest(a.service.ports.forwardAuth, upstream.port);
  });
  after(async () => {
    await nginx?.stop();
    await stopInstance(a);
    await upstream?.stop();
  });

  it('auth_request turns the 429 into a 500; the recipe replays it to the client with Retry-After and JSON', async () => {
    const post = () => request(nginx.url + SLOW.path, { method: 'POST', headers: { authorization: 'Bearer ' + TOKENS.alice }, body: '{"jsonrpc":"2.0"}' });
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await post()).status, 200, 'request ' + (i + 1));
    assert.equal(upstream.requests.length, SLOW.burst);
    assert.equal(upstream.requests[0].body, '{"jsonrpc":"2.0"}');
    const res = await post();
    assert.equal(res.status, 429, res.body);
    assert.equal(res.headers['retry-after'], SLOW.retryAfter);
    assert.equal(JSON.parse(res.body).error, 'rate_limited');
    assert.equal(upstream.requests.length, SLOW.burst, 'the refused request reached the upstream');
  });
});

describe('serve: per-subject rate limits behind Caddy forward_auth (the Traefik contract)', () => {
  let upstream: EchoUpstream;
  let a: Instance;
  let caddy: RunningCaddy;
  before(async () => {
    upstream = await startEchoUpstream();
    a = await startInstance();
    caddy = await startCaddyForwardAuth(a.service.ports.forwardAuth, upstream.port, ['X-MCP-Subject', 'Authorization']);
  });
  after(async () => {
    await caddy?.stop();
    await stopInstance(a);
    await upstream?.stop();
  });

  it('the 429 reaches the client as the service answered it: status, Retry-After, JSON', async () => {
    const post = () => request(caddy.url + SLOW.path, { method: 'POST', headers: { authorization: 'Bearer ' + TOKENS.bob }, body: '{}' });
    for (let i = 0; i < SLOW.burst; i++) assert.equal((await post()).status, 200, 'request ' + (i + 1));
    assert.equal(upstream.requests.length, SLOW.burst);
    const res = await post();
    assert.equal(res.status, 429, res.body);
    assert.equal(res.headers['retry-after'], SLOW.retryAfter);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(JSON.parse(res.body).error, 'rate_limited');
    assert.equal(upstream.requests.length, SLOW.burst, 'the refused request reached the upstream');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitedResponse, retryAfterFromMs } from '../../src/core/rate-limit.ts';
import { nginxRetryAfter } from '../../src/nginx/rate-limit-conf.ts';
import type { CoreConfig, CoreRequest } from '../../src/core/types.ts';
import { createMemoryRateLimiter } from '../../src/node/rate-limiter.ts';

const PER_MINUTE = { requests: 6, period: 60, burst: 3 }; // one every 10 s, 3 at once
const PER_SECOND = { requests: 4, period: 1, burst: 1 }; // one every 250 ms, no burst

describe('in-process GCRA limiter', () => {
  it('admits `burst` at once, then refuses with the wait until the next slot', async () => {
    let now = 1_000_000;
    const l = createMemoryRateLimiter({ now: () => now });
    for (let i = 0; i < 3; i++) assert.deepEqual(await l.take('e', 'alice', PER_MINUTE), { allowed: true, retryAfterMs: 0 });
    assert.deepEqual(await l.take('e', 'alice', PER_MINUTE), { allowed: false, retryAfterMs: 10_000 });
    now += 4_000;
    assert.deepEqual(await l.take('e', 'alice', PER_MINUTE), { allowed: false, retryAfterMs: 6_000 });
    now += 6_000;
    assert.equal((await l.take('e', 'alice', PER_MINUTE)).allowed, true);
    assert.equal((await l.take('e', 'alice', PER_MINUTE)).allowed, false);
  });

  it('refused requests spend nothing: a client hammering while limited is let in on schedule', async () => {
    let now = 0;
    const l = createMemoryRateLimiter({ now: () => now });
    assert.equal((await l.take('e', 'bob', PER_SECOND)).allowed, true);
    for (let i = 0; i < 50; i++) assert.equal((await l.take('e', 'bob', PER_SECOND)).allowed, false);
    now += 250;
    assert.equal((await l.take('e', 'bob', PER_SECOND)).allowed, true);
  });

  it('keeps separate budgets per subject and per endpoint', async () => {
    const l = createMemoryRateLimiter({ now: () => 0 });
    assert.equal((await l.take('e', 'alice', PER_SECOND)).allowed, true);
    assert.equal((await l.take('e', 'alice', PER_SECOND)).allowed, false);
    assert.equal((await l.take('e', 'bob', PER_SECOND)).allowed, true);
    assert.equal((await l.take('other', 'alice', PER_SECOND)).allowed, true);
    // A subject that looks like another key's endpoint + subject does not collide.
    assert.equal((await l.take('e\nalice', '', PER_SECOND)).allowed, true);
  });

  it('refills fully after idling: the burst is available again, not more', async () => {
    let now = 0;
    const l = createMemoryRateLimiter({ now: () => now });
    for (let i = 0; i < 3; i++) await l.take('e', 'carol', PER_MINUTE);
    now += 3_600_000;
    for (let i = 0; i < 3; i++) assert.equal((await l.take('e', 'carol', PER_MINUTE)).allowed, true, 'after idling ' + i);
    assert.equal((await l.take('e', 'carol', PER_MINUTE)).allowed, false);
  });

  it('bounds memory: past maxKeys, expired keys go first, then the oldest', async () => {
    let now = 0;
    const l = createMemoryRateLimiter({ now: () => now, maxKeys: 3 });
    for (const s of ['a', 'b', 'c']) await l.take('e', s, PER_SECOND);
    assert.equal(l.size(), 3);
    now += 1000; // all three are back to a full bucket, so dropping them loses nothing
    await l.take('e', 'd', PER_SECOND);
    assert.equal(l.size(), 1);
    for (const s of ['e', 'f', 'g']) await l.take('e', s, PER_SECOND);
    assert.equal(l.size(), 3);
  });
});

describe('the 429 answer', () => {
  const config = { cors: { allowed_origins: ['*'], max_age: 600 } } as unknown as CoreConfig;
  const endpoint = { id: 'mcp', policy: { required_scopes: [] } } as unknown as CoreConfig['endpoints'][number];
  const req = { method: 'POST', path: '/mcp', query: '', host: 'h', scheme: 'https', headers: { origin: 'https://app.example' }, clientIp: '127.0.0.1' } as CoreRequest;

  it('is 429 with Retry-After, a JSON error, no challenge, CORS, and the subject for the log', () => {
    const d = rateLimitedResponse(req, config, endpoint, 'alice', 7);
    assert.equal(d.status, 429);
    assert.equal(d.reason, 'rate_limited');
    assert.equal(d.subject, 'alice');
    assert.equal(d.headers['Retry-After'], '7');
    assert.equal(d.headers['Content-Type'], 'application/json');
    assert.equal(d.headers['Cache-Control'], 'no-store');
    assert.equal(d.headers['Access-Control-Allow-Origin'], '*');
    assert.equal(d.headers['WWW-Authenticate'], undefined);
    assert.equal(JSON.parse(d.body).error, 'rate_limited');
  });

  it('rounds waits up to whole seconds, at least 1', () => {
    assert.equal(retryAfterFromMs(1), 1);
    assert.equal(retryAfterFromMs(1000), 1);
    assert.equal(retryAfterFromMs(1001), 2);
    assert.equal(retryAfterFromMs(0), 1);
  });

  it('nginx: one interval at the rate limit_req really applies (per-minute rates truncated per 1000 s)', () => {
    assert.equal(nginxRetryAfter({ requests: 10, period: 1, burst: 1 }), 1);
    assert.equal(nginxRetryAfter({ requests: 7, period: 60, burst: 1 }), 9); // 116 per 1000 s
    assert.equal(nginxRetryAfter({ requests: 1, period: 60, burst: 1 }), 63); // 16 per 1000 s
    assert.equal(nginxRetryAfter({ requests: 60, period: 60, burst: 1 }), 1);
  });
});

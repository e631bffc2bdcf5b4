/** The login form's budgets: per address first, then per username (hashed keys), on one counter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RATE_LIMIT_DEFAULTS, type AsRateLimits } from '../../src/config/companion-rate-limits.ts';
import { createLoginRateLimiter } from '../../src/companion/rate-limit/login-rate-limit.ts';
import { createMemoryWindowCounter, type WindowCounter } from '../../src/companion/rate-limit/window-counter.ts';

const req = (remoteAddress: string) => ({ socket: { remoteAddress }, headers: {} }) as never;

function settings(o: Partial<AsRateLimits>): AsRateLimits {
  return { trusted_proxies: [], ...RATE_LIMIT_DEFAULTS, ...o };
}

function recording(): { counter: WindowCounter; keys: string[] } {
  const inner = createMemoryWindowCounter(() => 0);
  const keys: string[] = [];
  return { keys, counter: { hit: (key, w) => (keys.push(key), inner.hit(key, w)) } };
}

describe('login rate limiter', () => {
  it('refuses the address over its budget before counting the username', async () => {
    const { counter, keys } = recording();
    const limiter = createLoginRateLimiter(settings({ login: { requests: 2, per_seconds: 60 }, login_username: { requests: 100, per_seconds: 60 } }), counter);
    assert.deepEqual(await limiter.check(req('192.0.2.1'), 'alice'), { limited: false });
    assert.deepEqual(await limiter.check(req('192.0.2.1'), 'alice'), { limited: false });
    assert.deepEqual(await limiter.check(req('192.0.2.1'), 'alice'), { limited: true, route: 'login', retryAfterSeconds: 60, clientKey: 'v4:192.0.2.1' });
    assert.equal(keys.filter((k) => k.startsWith('login_username:')).length, 2, 'the refused attempt spent no username budget');
    assert.ok(keys.every((k) => !k.includes('alice')), 'usernames are hashed in the keys');
    assert.deepEqual(await limiter.check(req('192.0.2.2'), 'alice'), { limited: false }, 'another address');
  });

  it('refuses a username over its budget from any address; no username, no username budget', async () => {
    const { counter } = recording();
    const limiter = createLoginRateLimiter(settings({ login_username: { requests: 2, per_seconds: 300 } }), counter);
    assert.equal((await limiter.check(req('192.0.2.1'), 'alice')).limited, false);
    assert.equal((await limiter.check(req('192.0.2.2'), 'alice')).limited, false);
    assert.deepEqual(await limiter.check(req('192.0.2.3'), 'alice'), { limited: true, route: 'login_username', retryAfterSeconds: 300, clientKey: 'v4:192.0.2.3' });
    assert.equal((await limiter.check(req('192.0.2.3'), 'bob')).limited, false, 'another username');
    for (let i = 0; i < 5; i++) assert.equal((await limiter.check(req('192.0.2.4'), undefined)).limited, false);
  });

  it('null limits count nothing', async () => {
    const { counter, keys } = recording();
    const limiter = createLoginRateLimiter(settings({ login: null, login_username: null }), counter);
    for (let i = 0; i < 50; i++) assert.equal((await limiter.check(req('192.0.2.1'), 'alice')).limited, false);
    assert.equal(keys.length, 0);
  });
});

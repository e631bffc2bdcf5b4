/** The rate limit's pieces: the in-process window counter, the client address key, the routes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddressKey } from '../../src/companion/rate-limit/client-address.ts';
import { rateLimitedRoute } from '../../src/companion/rate-limit/rate-limiter.ts';
import { createRedisWindowCounter } from '../../src/companion/rate-limit/redis-window-counter.ts';
import { createMemoryWindowCounter } from '../../src/companion/rate-limit/window-counter.ts';

const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as never;

describe('companion rate limit', () => {
  it('counts per key in windows that open at the first hit', async () => {
    let t = 1_000_000;
    const c = createMemoryWindowCounter(() => t);
    assert.deepEqual(await c.hit('a', 10), { count: 1, resetInMs: 10_000 });
    t += 4_000;
    assert.deepEqual(await c.hit('a', 10), { count: 2, resetInMs: 6_000 });
    assert.deepEqual(await c.hit('b', 10), { count: 1, resetInMs: 10_000 });
    t += 6_000;
    assert.deepEqual(await c.hit('a', 10), { count: 1, resetInMs: 10_000 }, 'a new window');
  });

  it('keeps counting in process while Redis fails or hangs', async () => {
    const down = createRedisWindowCounter({ sendCommand: () => Promise.reject(new Error('ClientOfflineError')) });
    assert.equal((await down.hit('k', 60)).count, 1);
    assert.equal((await down.hit('k', 60)).count, 2);
    const hung = createRedisWindowCounter({ sendCommand: () => new Promise(() => undefined) }, { timeoutMs: 20 });
    const started = Date.now();
    assert.equal((await hung.hit('k', 60)).count, 1);
    assert.ok(Date.now() - started < 1000, 'bounded by the timeout');
  });

  it('names the client: the peer, or the right-most X-Forwarded-For entry from a trusted proxy', () => {
    const trusted = ['127.0.0.1/32'];
    assert.equal(clientAddressKey(req('::ffff:192.0.2.7'), trusted), 'v4:192.0.2.7');
    assert.equal(clientAddressKey(req('192.0.2.7', '198.51.100.1'), trusted), 'v4:192.0.2.7', 'untrusted peer: header ignored');
    assert.equal(clientAddressKey(req('127.0.0.1', '10.0.0.1, 198.51.100.1'), trusted), 'v4:198.51.100.1');
    assert.equal(clientAddressKey(req('127.0.0.1', 'garbage'), trusted), 'v4:127.0.0.1', 'unusable header: the peer');
    assert.equal(clientAddressKey(req('127.0.0.1'), trusted), 'v4:127.0.0.1');
    assert.equal(clientAddressKey(req('2001:db8:a:b:1:2:3:4'), trusted), 'v6:2001:db8:a:b::/64');
    assert.equal(clientAddressKey(req('2001:db8:a:b::99'), trusted), 'v6:2001:db8:a:b::/64');
  });

  it('budgets POST /register, POST /token and /authorize only', () => {
    assert.equal(rateLimitedRoute('POST', '/register'), 'register');
    assert.equal(rateLimitedRoute('POST', '/token'), 'token');
    assert.equal(rateLimitedRoute('GET', '/authorize'), 'authorize');
    assert.equal(rateLimitedRoute('POST', '/authorize'), 'authorize');
    assert.equal(rateLimitedRoute('OPTIONS', '/token'), undefined);
    assert.equal(rateLimitedRoute('GET', '/jwks'), undefined);
    assert.equal(rateLimitedRoute('POST', '/token/revocation'), undefined);
    assert.equal(rateLimitedRoute('GET', '/.well-known/oauth-authorization-server'), undefined);
  });
});

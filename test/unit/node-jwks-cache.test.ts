import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJwksCache } from '../../src/node/jwks-cache.ts';
import type { JwkSet, Result } from '../../src/core/types.ts';

const URI = 'https://issuer.example/jwks';
const TTL = 300;
const INTERVAL = 30;
const STALE = 3600;

function setOf(kid: string): JwkSet {
  return { keys: [{ kty: 'RSA', kid, n: 'AQAB', e: 'AQAB' }] };
}

/** A fake clock and a scripted fetchJson: each call takes the next response (a value, or an Error to throw). */
function harness(responses: Array<unknown> = []) {
  const state = { now: 1000, calls: [] as string[], queue: responses.slice() };
  const get = createJwksCache({
    ttl: TTL, refreshInterval: INTERVAL, maxStale: STALE,
    now: () => state.now,
    fetchJson: async (url: string) => {
      state.calls.push(url);
      const next = state.queue.length ? state.queue.shift() : new Error('no scripted response');
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { state, get };
}

function kid(r: Result<JwkSet>): string | undefined {
  assert.ok(r.ok, 'expected a key set, got ' + JSON.stringify(r));
  return r.value.keys[0].kid;
}

test('first call fetches; within ttl the cached set is served without a refetch', async () => {
  const { state, get } = harness([setOf('a')]);
  assert.equal(kid(await get(URI, false)), 'a');
  state.now += TTL - 1;
  assert.equal(kid(await get(URI, false)), 'a');
  assert.equal(state.calls.length, 1);
  assert.deepEqual(state.calls, [URI]);
});

test('after ttl the set is refetched', async () => {
  const { state, get } = harness([setOf('a'), setOf('b')]);
  await get(URI, false);
  state.now += TTL;
  assert.equal(kid(await get(URI, false)), 'b');
  assert.equal(state.calls.length, 2);
  state.now += TTL - 1;
  assert.equal(kid(await get(URI, false)), 'b');
  assert.equal(state.calls.length, 2);
});

test('separate URLs have separate entries', async () => {
  const { state, get } = harness([setOf('a'), setOf('b')]);
  assert.equal(kid(await get(URI, false)), 'a');
  assert.equal(kid(await get(URI + '2', false)), 'b');
  assert.equal(kid(await get(URI, false)), 'a');
  assert.equal(state.calls.length, 2);
});

test('unknown-kid refresh: refetches a fresh set at once (own budget), then at most once per refreshInterval', async () => {
  const { state, get } = harness([setOf('a'), setOf('b'), setOf('c'), setOf('d')]);
  await get(URI, false);
  state.now += 1;
  // Fresh set, but a refresh is allowed right after the normal fetch: separate budget.
  assert.equal(kid(await get(URI, true)), 'b');
  assert.equal(state.calls.length, 2);
  // Within the interval, refresh is rate-limited and serves what it has.
  state.now += INTERVAL - 1;
  assert.equal(kid(await get(URI, true)), 'b');
  assert.equal(state.calls.length, 2);
  // Normal calls are unaffected (still fresh from the refresh).
  assert.equal(kid(await get(URI, false)), 'b');
  assert.equal(state.calls.length, 2);
  state.now += 1; // exactly refreshInterval after the last refresh
  assert.equal(kid(await get(URI, true)), 'c');
  assert.equal(state.calls.length, 3);
});

test('a refreshed set restarts the ttl', async () => {
  const { state, get } = harness([setOf('a'), setOf('b'), setOf('c')]);
  await get(URI, false);
  state.now += TTL - 10;
  assert.equal(kid(await get(URI, true)), 'b');
  state.now += TTL - 1; // fresh relative to the refresh, stale relative to the first fetch
  assert.equal(kid(await get(URI, false)), 'b');
  assert.equal(state.calls.length, 2);
});

test('single flight: concurrent calls share one fetch', async () => {
  let release!: (v: unknown) => void;
  let fetches = 0;
  const get = createJwksCache({
    ttl: TTL, refreshInterval: INTERVAL, maxStale: STALE, now: () => 1000,
    fetchJson: () => { fetches++; return new Promise((r) => { release = r; }); },
  });
  const ps = [get(URI, false), get(URI, false), get(URI, true), get(URI, false)];
  assert.equal(fetches, 1);
  release(setOf('a'));
  const rs = await Promise.all(ps);
  for (const r of rs) assert.equal(kid(r), 'a');
  assert.equal(fetches, 1);
});

test('single flight also for a failing fetch; the next fetch is a new one', async () => {
  let reject!: (e: Error) => void;
  let fetches = 0;
  let now = 1000;
  const get = createJwksCache({
    ttl: TTL, refreshInterval: INTERVAL, maxStale: STALE, now: () => now,
    fetchJson: () => { fetches++; return new Promise((_, j) => { reject = j; }); },
  });
  const ps = [get(URI, false), get(URI, false)];
  reject(new Error('boom'));
  const rs = await Promise.all(ps);
  assert.equal(fetches, 1);
  for (const r of rs) assert.deepEqual(r, { ok: false, reason: 'jwks_unavailable', detail: 'boom' });
  now += INTERVAL;
  const p = get(URI, false);
  assert.equal(fetches, 2);
  reject(new Error('again'));
  assert.equal((await p).ok, false);
});

test('last good set is served while fetches fail, until ttl + maxStale; then jwks_unavailable', async () => {
  const fail = new Error('HTTP 500');
  const { state, get } = harness([setOf('a'), ...Array(400).fill(fail)]);
  const t0 = state.now;
  await get(URI, false);
  state.now = t0 + TTL; // stale: refetch fails, last good served
  assert.equal(kid(await get(URI, false)), 'a');
  assert.equal(state.calls.length, 2);
  // Step through the stale window, one retry per interval.
  while (state.now + INTERVAL <= t0 + TTL + STALE) {
    state.now += INTERVAL;
    assert.equal(kid(await get(URI, false)), 'a', `at +${state.now - t0}`);
  }
  state.now = t0 + TTL + STALE; // boundary still served
  assert.equal(kid(await get(URI, false)), 'a');
  state.now = t0 + TTL + STALE + 1;
  const r = await get(URI, false);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.reason, 'jwks_unavailable');
});

test('after a failure the next fetch waits refreshInterval (IdP not hammered)', async () => {
  const { state, get } = harness([setOf('a'), new Error('down'), setOf('b')]);
  await get(URI, false);
  state.now += TTL;
  assert.equal(kid(await get(URI, false)), 'a'); // fetch #2 fails
  assert.equal(state.calls.length, 2);
  state.now += INTERVAL - 1;
  assert.equal(kid(await get(URI, false)), 'a');
  assert.equal(kid(await get(URI, true)), 'a');
  assert.equal(state.calls.length, 2);
  state.now += 1;
  assert.equal(kid(await get(URI, false)), 'b');
  assert.equal(state.calls.length, 3);
});

test('no set ever fetched: failure is jwks_unavailable and retry waits refreshInterval', async () => {
  const { state, get } = harness([new Error('ECONNREFUSED'), setOf('a')]);
  const r1 = await get(URI, false);
  assert.deepEqual(r1, { ok: false, reason: 'jwks_unavailable', detail: 'ECONNREFUSED' });
  state.now += INTERVAL - 1;
  const r2 = await get(URI, true);
  assert.equal(r2.ok, false);
  if (!r2.ok) assert.equal(r2.reason, 'jwks_unavailable');
  assert.equal(state.calls.length, 1);
  state.now += 1;
  assert.equal(kid(await get(URI, false)), 'a');
  assert.equal(state.calls.length, 2);
});

test('a body that is not a JWK Set is rejected (and the last good set kept)', async () => {
  for (const body of [null, 42, 'keys', [], {}, { keys: {} }, { keys: 'x' }, { Keys: [] }]) {
    const { state, get } = harness([body]);
    const r = await get(URI, false);
    assert.equal(r.ok, false, JSON.stringify(body));
    if (!r.ok) {
      assert.equal(r.reason, 'jwks_unavailable');
      assert.match(r.detail ?? '', /JWK Set/);
    }
    assert.equal(state.calls.length, 1);
  }
  const { state, get } = harness([setOf('a'), { keys: 'nope' }]);
  await get(URI, false);
  state.now += TTL;
  assert.equal(kid(await get(URI, false)), 'a');
  state.now += INTERVAL;
  assert.equal(kid(await get(URI, false)), 'a', 'the bad body did not replace the good set');
});

test('an empty keys array is a valid (if useless) JWK Set', async () => {
  const { get } = harness([{ keys: [] }]);
  const r = await get(URI, false);
  assert.deepEqual(r, { ok: true, value: { keys: [] } });
});

/**
 * Outbound credentials in real nginx (Debian's 1.22 + njs 0.7.9): the outbound scenario table,
 * then the credential cache of the generated check server: single flight through proxy_cache_lock,
 * expiry-driven refresh (X-Accel-Expires), retry with backoff in njs, fail closed when the IdP is
 * down, per-user token exchange, and the token never written into a cache key.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { resolveTokenEndpoints } from '../../src/config/resolve-token-endpoints.ts';
import { fetchJson } from '../../src/node/node-ports.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { outboundConfig } from '../contract/outbound-fixture.ts';
import { OUTBOUND_SCENARIOS } from '../contract/outbound-scenarios.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { request } from '../support/http.ts';
import { startOutboundWorld, type OutboundWorld } from '../support/outbound-world.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('outbound credentials: njs in nginx', () => {
  let world: OutboundWorld;
  let nginx: ProtectedNginx;
  before(async () => {
    world = await startOutboundWorld();
    // As `mcp-authz nginx` does: the discovered token endpoint is fixed in the generated conf.
    const resolved = await resolveTokenEndpoints(world.app, fetchJson);
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    nginx = await startProtectedNginx(toCoreConfig(resolved.config));
  });
  after(async () => {
    await nginx?.stop();
    await world?.stop();
  });

  const send = sendThroughProxy(() => nginx.url, () => world.upstream);
  runScenarioTable('njs', () => ({ issuer: world.issuer, send }), OUTBOUND_SCENARIOS);

  it('generates env NAME; for the script variables (main context)', () => {
    assert.match(nginx.files['env.conf'], /^env OUT_SCRIPT_PREFIX;$/m);
    assert.match(nginx.files['env.conf'], /^env OUT_SCRIPT_PROBE;$/m);
  });

  it('a local user on the check socket cannot fetch an upstream token without this nginx key', async () => {
    const id = /location = \/_mcp_authz\/cred-fetch\/([a-z0-9-]+) \{/.exec(nginx.files['http.conf'])?.[1];
    assert.ok(id, 'a credential fetch location');
    const key = /default "([0-9a-f]{32})";/.exec(nginx.files['check-key.conf'])?.[1] ?? '';
    const ask = (headers: Record<string, string>) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ socketPath: join(nginx.dir, 'check.sock'), path: '/_mcp_authz/cred-fetch/' + id, headers }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    const refused = await ask({});
    assert.equal(refused.status, 403);
    assert.doesNotMatch(refused.body, /access_token/);
    const ours = await ask({ 'x-mcp-authz-check-key': key });
    assert.equal(ours.status, 200, 'with the key the same location answers: the 403 came from the key check');
  });

  /** A new nginx (empty caches) for the duration of `fn`. */
  async function withFreshNginx(fn: (n: ProtectedNginx) => Promise<void>): Promise<void> {
    const resolved = await resolveTokenEndpoints(world.app, fetchJson);
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    const n = await startProtectedNginx(toCoreConfig(resolved.config));
    try {
      await fn(n);
    } finally {
      await n.stop();
    }
  }

  /** POST as a new user (a distinct token: no decision-cache hit), through `n`. */
  async function post(n: ProtectedNginx, path: string, sub = 'u' + Math.random().toString(36).slice(2)): Promise<{ status: number; authorization: string | undefined; body: string }> {
    const token = await world.issuer.mint({ sub, aud: PUBLIC + path, scope: 'mcp:tools' });
    const res = await request(n.url + path, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: '{}' });
    const seen = world.upstream.requests.filter((r) => r.url === path && r.headers.authorization !== undefined && r.headers['x-mcp-subject'] === sub);
    return { status: res.status, authorization: seen.length ? (seen[0].headers.authorization as string) : undefined, body: res.body };
  }

  it('client_credentials: 20 concurrent checks (distinct users) → 1 token request (proxy_cache_lock), one token for all', async () => {
    await withFreshNginx(async (n) => {
      world.idp.calls.length = 0;
      world.idp.setDelay(400);
      try {
        const results = await Promise.all(Array.from({ length: 20 }, () => post(n, '/cc/mcp')));
        for (const r of results) assert.equal(r.status, 200, r.body);
        assert.equal(new Set(results.map((r) => r.authorization)).size, 1);
        assert.match(results[0].authorization ?? '', /^Bearer /);
        assert.equal(world.idp.calls.length, 1);
        assert.equal(world.idp.calls[0].basic, true);
        assert.deepEqual(world.idp.calls[0].form, { grant_type: 'client_credentials', scope: 'upstream:read' });
        const value = (results[0].authorization ?? '').slice(7);
        assert.ok(await world.idp.provider.ClientCredentials.find(value), 'a token the IdP issued');
        await post(n, '/cc/mcp');
        assert.equal(world.idp.calls.length, 1, 'later checks use the cached token');
      } finally {
        world.idp.setDelay(0);
      }
    });
  });

  it('refresh driven by expires_in − expiry_margin (ttl 32 s, margin 30 s → X-Accel-Expires 2)', async () => {
    await withFreshNginx(async (n) => {
      world.idp.calls.length = 0;
      world.idp.setTtl(32);
      try {
        const first = await post(n, '/cc/mcp');
        const again = await post(n, '/cc/mcp');
        assert.equal(again.authorization, first.authorization);
        assert.equal(world.idp.calls.length, 1);
        await new Promise((r) => setTimeout(r, 3000));
        const later = await post(n, '/cc/mcp');
        assert.equal(later.status, 200);
        assert.notEqual(later.authorization, first.authorization);
        assert.equal(world.idp.calls.length, 2);
      } finally {
        world.idp.setTtl(300);
      }
    });
  });

  it('retry with backoff in njs: two 503s from the IdP, then the token (3 calls, ≥ 300 ms)', async () => {
    await withFreshNginx(async (n) => {
      world.idp.calls.length = 0;
      world.idp.failNext(2);
      const started = Date.now();
      const r = await post(n, '/cc/mcp');
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(world.idp.calls.map((c) => c.status), [503, 503, 200]);
      assert.ok(Date.now() - started >= 300);
    });
  });

  it('fail closed: IdP down and nothing cached → 503 with Retry-After; back up → 200', async () => {
    await withFreshNginx(async (n) => {
      await world.idp.down();
      try {
        const token = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/cc/mcp', scope: 'mcp:tools' });
        world.upstream.clear();
        const res = await request(n.url + '/cc/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + token }, body: '{}' });
        assert.equal(res.status, 503, res.body);
        assert.equal(res.headers['retry-after'], '5');
        assert.equal(world.upstream.requests.length, 0, 'nothing reached the upstream');
        assert.match(n.errorLog(), /no upstream credential for endpoint cc-mcp/);
      } finally {
        await world.idp.up();
      }
      assert.equal((await post(n, '/cc/mcp')).status, 200);
    });
  });

  it('IdP down: the cached token is served stale until its real expiry, then 503 (margin 1 s, ttl 3 s)', async () => {
    const app = outboundConfig({ issuerUrl: world.issuer.url, jwksUri: world.issuer.jwksUri, upstreamUrl: world.upstream.url, idpUrl: world.idp.issuer, expiryMargin: 1 });
    const resolved = await resolveTokenEndpoints(app, fetchJson);
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    const n = await startProtectedNginx(toCoreConfig(resolved.config));
    world.idp.setTtl(3);
    try {
      const first = await post(n, '/cc/mcp');
      assert.equal(first.status, 200);
      await world.idp.down();
      await new Promise((r) => setTimeout(r, 2200));
      // Past refresh (2 s), before expiry (3 s): the refresh fails, the stale copy is still good.
      const stale = await post(n, '/cc/mcp');
      assert.equal(stale.status, 200, stale.body);
      assert.equal(stale.authorization, first.authorization);
      await new Promise((r) => setTimeout(r, 1200));
      const expired = await post(n, '/cc/mcp');
      assert.equal(expired.status, 503, 'past its expiry the cached token is refused');
    } finally {
      world.idp.setTtl(300);
      await world.idp.up();
      await n.stop();
    }
  });

  it('token_exchange: 10 concurrent checks with one user token → 1 exchange (the lock is per token hash)', async () => {
    await withFreshNginx(async (n) => {
      world.idp.calls.length = 0;
      world.idp.setDelay(300);
      try {
        const alice = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/xchg/mcp', scope: 'mcp:tools' });
        world.upstream.clear();
        // Distinct query strings: each misses the decision cache and asks for the credential.
        const res = await Promise.all(Array.from({ length: 10 }, (_, i) => request(n.url + '/xchg/mcp?i=' + i, { method: 'POST', headers: { authorization: 'Bearer ' + alice }, body: '{}' })));
        for (const r of res) assert.equal(r.status, 200, r.body);
        assert.equal(world.idp.calls.length, 1);
        assert.equal(new Set(world.upstream.requests.map((r) => r.headers.authorization)).size, 1);
      } finally {
        world.idp.setDelay(0);
      }
    });
  });

  it('token_exchange: cached per user token (same token twice → 1 exchange; another user → another); key is a hash', async () => {
    await withFreshNginx(async (n) => {
      world.idp.calls.length = 0;
      const alice = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/xchg/mcp', scope: 'mcp:tools' });
      const send = (t: string, extra = '') => request(n.url + '/xchg/mcp' + extra, { method: 'POST', headers: { authorization: 'Bearer ' + t }, body: '{}' });
      world.upstream.clear();
      // A different query string misses the decision cache, so the credential cache answers.
      assert.equal((await send(alice)).status, 200);
      assert.equal((await send(alice, '?again=1')).status, 200);
      const a = world.upstream.requests.map((r) => r.headers.authorization);
      assert.equal(a[0], a[1]);
      assert.equal(world.idp.calls.length, 1);
      assert.equal(world.idp.calls[0].form.subject_token, alice);
      assert.equal(world.idp.exchanged[(a[0] as string).slice(7)], 'alice');
      const bob = await world.issuer.mint({ sub: 'bob', aud: PUBLIC + '/xchg/mcp', scope: 'mcp:tools' });
      world.upstream.clear();
      assert.equal((await send(bob)).status, 200);
      assert.equal(world.idp.exchanged[(world.upstream.requests[0].headers.authorization as string).slice(7)], 'bob');
      assert.equal(world.idp.calls.length, 2);
      // Cache files: keyed on the hash, the user's token appears nowhere.
      const files = filesUnder(join(n.dir, 'cache-credentials'));
      assert.ok(files.length >= 2);
      for (const f of files) {
        const text = readFileSync(f, 'latin1');
        assert.ok(!text.includes(alice) && !text.includes(bob), 'no user token in ' + f);
        assert.match(text, /KEY: xchg-mcp [A-Za-z0-9_-]{43}/);
      }
    });
  });
});

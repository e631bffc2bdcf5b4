/**
 * Outbound credentials with core in Node and the Node credential port (src/node/upstream-credentials.ts),
 * against a real oidc-provider token endpoint: the outbound scenario table, then caching, single
 * flight, expiry-driven refresh, retry with backoff, and fail closed when the IdP is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { decide } from '../../src/core/decide.ts';
import type { CoreConfig, Decision, Ports } from '../../src/core/types.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { coreRequestOf, observedDecision } from '../contract/core-send.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { CC_CLIENT, POST_CLIENT } from '../contract/outbound-fixture.ts';
import { OUTBOUND_SCENARIOS } from '../contract/outbound-scenarios.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startOutboundWorld, type OutboundWorld } from '../support/outbound-world.ts';

describe('outbound credentials: core in Node', () => {
  let world: OutboundWorld;
  let config: CoreConfig;
  const ports = nodePorts();
  before(async () => {
    world = await startOutboundWorld();
    config = toCoreConfig(world.app);
  });
  after(() => world?.stop());

  const send = async (req: ScenarioRequest): Promise<Observed> => observedDecision(req, await decide(coreRequestOf(req), config, ports));
  runScenarioTable('core', () => ({ issuer: world.issuer, send }), OUTBOUND_SCENARIOS);

  /** A fresh port set (empty caches) and a helper deciding as alice on an endpoint. */
  function fresh(onFailure?: (endpoint: string, detail: string) => void): { ports: Ports; as: (path: string, token?: string) => Promise<Decision> } {
    const p = nodePorts({ upstream: { onFailure } });
    return {
      ports: p,
      as: async (path, token) => decide(coreRequestOf({ method: 'POST', path, headers: { authorization: 'Bearer ' + (token ?? (await world.issuer.mint({ sub: 'alice', aud: PUBLIC + path, scope: 'mcp:tools' }))) } }), config, p),
    };
  }

  function authorization(d: Decision): string {
    assert.equal(d.action, 'allow', JSON.stringify(d));
    return (d as { setHeaders: Record<string, string> }).setHeaders['Authorization'];
  }

  it('client_credentials: the token is a real one of our client, requested with Basic and the scope', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    const value = authorization(await f.as('/cc/mcp')).slice('Bearer '.length);
    const issued = await world.idp.provider.ClientCredentials.find(value);
    assert.ok(issued, 'the IdP knows the token');
    assert.equal(issued.clientId, CC_CLIENT.client_id);
    assert.equal(issued.scope, 'upstream:read');
    assert.equal(world.idp.calls.length, 1);
    assert.equal(world.idp.calls[0].basic, true);
    assert.deepEqual(world.idp.calls[0].form, { grant_type: 'client_credentials', scope: 'upstream:read' });
  });

  it('client_secret_post: id and secret in the body, no Basic; token endpoint discovered from the issuer', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    const value = authorization(await f.as('/ccpost/mcp')).slice('Bearer '.length);
    assert.equal((await world.idp.provider.ClientCredentials.find(value))?.clientId, POST_CLIENT.client_id);
    assert.equal(world.idp.calls[0].basic, false);
    assert.equal(world.idp.calls[0].form.client_id, POST_CLIENT.client_id);
    assert.equal(world.idp.calls[0].form.client_secret, POST_CLIENT.client_secret);
  });

  it('caching + single flight: 20 concurrent requests → 1 token request, all get the same token', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    world.idp.setDelay(300);
    try {
      const token = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/cc/mcp', scope: 'mcp:tools' });
      const all = await Promise.all(Array.from({ length: 20 }, () => f.as('/cc/mcp', token)));
      const values = new Set(all.map(authorization));
      assert.equal(values.size, 1);
      assert.equal(world.idp.calls.length, 1);
      authorization(await f.as('/cc/mcp'));
      assert.equal(world.idp.calls.length, 1, 'later requests use the cached token');
    } finally {
      world.idp.setDelay(0);
    }
  });

  it('refresh driven by expires_in − expiry_margin (ttl 32 s, margin 30 s → refreshed after 2 s)', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    world.idp.setTtl(32);
    try {
      const first = await f.as('/cc/mcp');
      // The decision may be cached no longer than the credential: ≤ 2 s here.
      assert.ok((first as { cacheTtl: number }).cacheTtl <= 2);
      assert.equal(authorization(await f.as('/cc/mcp')), authorization(first));
      assert.equal(world.idp.calls.length, 1);
      await new Promise((r) => setTimeout(r, 2200));
      const second = await f.as('/cc/mcp');
      assert.notEqual(authorization(second), authorization(first));
      assert.equal(world.idp.calls.length, 2);
    } finally {
      world.idp.setTtl(300);
    }
  });

  it('retry with backoff: two 503s, then success within one request (3 token calls, ≥ 100 + 200 ms apart)', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    world.idp.failNext(2);
    const started = Date.now();
    authorization(await f.as('/cc/mcp'));
    assert.equal(world.idp.calls.length, 3);
    assert.deepEqual(world.idp.calls.map((c) => c.status), [503, 503, 200]);
    assert.ok(Date.now() - started >= 300, 'waited 100 ms then 200 ms');
  });

  it('fail closed: IdP failing beyond the retries → 503, nothing allowed; the operator is told why', async () => {
    const failures: string[] = [];
    const f = fresh((endpoint, detail) => failures.push(endpoint + ': ' + detail));
    world.idp.calls.length = 0;
    world.idp.failNext(10);
    try {
      const d = await f.as('/cc/mcp');
      assert.equal(d.action, 'respond');
      assert.equal((d as { status: number }).status, 503);
      assert.equal(d.reason, 'upstream_credential_unavailable');
      assert.equal(world.idp.calls.length, 3, '1 try + 2 retries');
      assert.deepEqual(failures, ['cc-mcp: token endpoint answered HTTP 503']);
    } finally {
      world.idp.failNext(0);
    }
  });

  it('fail closed: IdP down (connection refused) → 503; back up → allowed again', async () => {
    const f = fresh();
    await world.idp.down();
    try {
      const d = await f.as('/xchg/mcp');
      assert.equal(d.action, 'respond');
      assert.equal((d as { status: number; headers: Record<string, string> }).status, 503);
      assert.equal((d as { headers: Record<string, string> }).headers['Retry-After'], '5');
    } finally {
      await world.idp.up();
    }
    authorization(await f.as('/xchg/mcp'));
  });

  it('IdP down: the cached token is used past its refresh time until its real expiry, then 503', async () => {
    let shift = 0;
    const p = nodePorts({ now: () => Date.now() / 1000 + shift });
    const token = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/cc/mcp', scope: 'mcp:tools', exp: Math.floor(Date.now() / 1000) + 1000 });
    const as = () => decide(coreRequestOf({ method: 'POST', path: '/cc/mcp', headers: { authorization: 'Bearer ' + token } }), config, p);
    const first = authorization(await as());
    await world.idp.down();
    try {
      shift = 280; // expires_in 300, margin 30: refresh due at 270, expiry at 300
      const stale = await as();
      assert.equal(authorization(stale), first);
      assert.equal((stale as { cacheTtl: number }).cacheTtl, 0, 'a stale credential is never cached in a decision');
      shift = 301;
      const expired = await as();
      assert.equal(expired.action, 'respond');
      assert.equal((expired as { status: number }).status, 503);
    } finally {
      await world.idp.up();
    }
  });

  it('token_exchange: the subject token is the user\'s; cached per user token; another user → another exchange', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    const alice = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/xchg/mcp', scope: 'mcp:tools' });
    const bob = await world.issuer.mint({ sub: 'bob', aud: PUBLIC + '/xchg/mcp', scope: 'mcp:tools' });
    const a1 = authorization(await f.as('/xchg/mcp', alice));
    const a2 = authorization(await f.as('/xchg/mcp', alice));
    const b1 = authorization(await f.as('/xchg/mcp', bob));
    assert.equal(a1, a2);
    assert.notEqual(a1, b1);
    assert.equal(world.idp.calls.length, 2);
    assert.equal(world.idp.exchanged[a1.slice(7)], 'alice');
    assert.equal(world.idp.exchanged[b1.slice(7)], 'bob');
    const form = world.idp.calls[0].form;
    assert.equal(form.grant_type, 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(form.subject_token, alice);
    assert.equal(form.subject_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(form.audience, 'https://upstream.example.test');
    assert.equal(world.idp.calls[0].basic, true);
  });

  it('token_exchange: a subject token the IdP refuses (invalid_grant) → 503, not retried', async () => {
    const f = fresh();
    world.idp.calls.length = 0;
    // Expired 5 s ago: inside our 60 s clock skew, so accepted inbound, but the IdP allows no skew.
    const token = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/xchg/mcp', scope: 'mcp:tools', exp: Math.floor(Date.now() / 1000) - 5 });
    const d = await f.as('/xchg/mcp', token);
    assert.equal(d.action, 'respond');
    assert.equal((d as { status: number }).status, 503);
    assert.equal(world.idp.calls.length, 1);
  });
});

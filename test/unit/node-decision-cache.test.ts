/**
 * The Node decision cache: reuses allowed decisions for the same endpoint, Authorization and query,
 * no longer than core's cacheTtl; never caches denials, preflights or token-less requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoreConfig, CoreRequest } from '../../src/core/types.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { fixtureConfig, PUBLIC } from '../contract/fixture-config.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

describe('Node decision cache', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  let clock = 1_900_000_000;
  const ports = nodePorts({ now: () => clock });
  before(async () => {
    issuer = await startIssuer();
    config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
  });
  after(() => issuer.stop());

  const req = (authorization: string | null, query = '', method = 'POST', extra: Record<string, string> = {}): CoreRequest => ({
    method, path: '/mcp', query, host: 'h', scheme: 'https', clientIp: '127.0.0.1',
    headers: Object.assign(authorization ? { authorization } : {}, extra),
  });
  const token = (claims: Record<string, unknown>) => issuer.mint(Object.assign({ sub: 'alice', aud: PUBLIC + '/mcp', scope: 'mcp:tools', iat: clock, exp: clock + 100 }, claims));

  it('reuses an allow until min(exp, cache_ttl), then decides again', async () => {
    const d = createCachedDecider(config, ports);
    const auth = 'Bearer ' + (await token({}));
    assert.equal((await d.decide(req(auth))).cached, false);
    assert.equal((await d.decide(req(auth))).cached, true);
    clock += 161; // past exp + the 60 s clock skew
    const after = await d.decide(req(auth));
    assert.equal(after.cached, false);
    assert.equal(after.decision.action, 'respond', 'expired token refused once the entry is gone');
    clock -= 161;
  });

  it('keys on the query: a cached token plus ?access_token is still refused', async () => {
    const d = createCachedDecider(config, ports);
    const auth = 'Bearer ' + (await token({ jti: 'q' }));
    await d.decide(req(auth));
    const r = await d.decide(req(auth, 'access_token=x'));
    assert.equal(r.decision.action === 'respond' && r.decision.status, 400);
  });

  it('never caches denials, preflights or requests without Authorization', async () => {
    const d = createCachedDecider(config, ports);
    const bad = 'Bearer ' + (await token({ scope: 'other' }));
    await d.decide(req(bad));
    assert.equal((await d.decide(req(bad))).cached, false);
    const pre = req('Bearer x', '', 'OPTIONS', { 'access-control-request-method': 'POST', origin: 'https://a.example' });
    await d.decide(pre);
    assert.equal((await d.decide(pre)).cached, false);
    assert.equal((await d.decide(req(null))).cached, false);
  });

  it('evicts the oldest entry beyond its bound', async () => {
    const d = createCachedDecider(config, ports, 2);
    const a = 'Bearer ' + (await token({ jti: 'a' }));
    const b = 'Bearer ' + (await token({ jti: 'b' }));
    const c = 'Bearer ' + (await token({ jti: 'c' }));
    for (const t of [a, b, c]) await d.decide(req(t));
    assert.equal((await d.decide(req(c))).cached, true);
    assert.equal((await d.decide(req(a))).cached, false);
  });
});

/**
 * The per-request rules table (per-tool authorization, header allow-list) against src/core in Node,
 * through the cached decider the Node adapters use: "upstream" is the request as a proxy forwards
 * it after the decision's header changes. Each request is sent twice, so the second answer comes
 * from the token cache and must still apply the body and header rules of its own request.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { CoreConfig, Decision } from '../../src/core/types.ts';
import { createCachedDecider, type CachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

function observed(req: ScenarioRequest, d: Decision): Observed {
  if (d.action === 'allow') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = v;
    for (const name of d.removeHeaders) delete out[name];
    for (const [k, v] of Object.entries(d.setHeaders)) out[k.toLowerCase()] = v;
    return { status: 200, headers: {}, body: '', upstream: out };
  }
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.headers)) h[k.toLowerCase()] = v;
  return { status: d.status, headers: h, body: d.body, upstream: null };
}

describe('tool rules table: core in Node', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  let decider: CachedDecider;
  before(async () => {
    issuer = await startIssuer();
    config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    decider = createCachedDecider(config, nodePorts());
  });
  after(() => issuer.stop());

  async function send(req: ScenarioRequest): Promise<Observed> {
    const q = req.path.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    const core = {
      method: req.method,
      path: q < 0 ? req.path : req.path.slice(0, q),
      query: q < 0 ? '' : req.path.slice(q + 1),
      host: 'mcp.example.test',
      scheme: 'https',
      headers,
      clientIp: '127.0.0.1',
      body: req.body ?? (req.method === 'POST' ? '{}' : undefined),
    };
    const first = await decider.decide(core);
    const second = await decider.decide(core);
    // A token that was allowed once is answered from the cache the second time.
    if (first.decision.action === 'allow') assert.equal(second.cached, true);
    // The same request answered from the token cache must come out the same.
    assert.deepEqual(observed(req, second.decision), observed(req, first.decision));
    return observed(req, first.decision);
  }

  runScenarioTable('core', () => ({ issuer, send }), TOOL_SCENARIOS);
});

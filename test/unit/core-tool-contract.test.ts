/**
 * The per-request rules table (per-tool authorization, header allow-list) against src/core in Node,
 * through the cached decider the Node adapters use: "upstream" is the request as a proxy forwards
 * it after the decision's header changes. Each request is sent twice, so the second answer comes
 * from the token cache and must still apply the body and header rules of its own request.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { createCachedDecider, type CachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { coreRequestOf, observedDecision } from '../contract/core-send.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

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
    // The tool table has no client addresses of its own, so this is always 127.0.0.1.
    const core = coreRequestOf(req, true);
    const first = await decider.decide(core);
    const second = await decider.decide(core);
    // A token that was allowed once is answered from the cache the second time.
    if (first.decision.action === 'allow') assert.equal(second.cached, true);
    // The same request answered from the token cache must come out the same.
    assert.deepEqual(observedDecision(req, second.decision), observedDecision(req, first.decision));
    return observedDecision(req, first.decision);
  }

  runScenarioTable('core', () => ({ issuer, send }), TOOL_SCENARIOS);
});

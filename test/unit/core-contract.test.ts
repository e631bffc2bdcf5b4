/**
 * The scenario table against src/core running in Node with the Node ports: the reference every
 * proxy adapter is compared with. "Upstream" here is the request as a proxy would forward it after
 * applying the decision's header changes.
 */
import { after, before, describe } from 'node:test';
import { decide } from '../../src/core/decide.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { coreRequestOf, observedDecision } from '../contract/core-send.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

describe('scenario table: core in Node', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  const ports = nodePorts();
  before(async () => {
    issuer = await startIssuer();
    config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
  });
  after(() => issuer.stop());

  async function send(req: ScenarioRequest): Promise<Observed> {
    return observedDecision(req, await decide(coreRequestOf(req), config, ports));
  }

  runScenarioTable('core', () => ({ issuer, send }));
});

/**
 * The script scenario table against src/core in Node with the Node ports plus the script host
 * (real sandboxed workers): the reference the proxy adapters are compared with.
 */
import { after, before, describe } from 'node:test';
import { decide } from '../../src/core/decide.ts';
import type { CoreConfig, Ports } from '../../src/core/types.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { startScriptHost, withScripts, type ScriptHost } from '../../src/node/script-host.ts';
import { coreRequestOf, observedDecision } from '../contract/core-send.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import { scriptFixtureConfig } from '../contract/script-fixture.ts';
import { NODE_SCRIPT_SCENARIOS, SCRIPT_SCENARIOS } from '../contract/script-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import type { RunningIssuer } from '../support/issuer.ts';

const NO_ISSUER = { url: 'https://issuer.invalid' } as RunningIssuer;

describe('script scenario table: core in Node', () => {
  let config: CoreConfig;
  let host: ScriptHost;
  let ports: Ports;
  before(async () => {
    config = scriptFixtureConfig({ upstreamUrl: 'http://127.0.0.1:9', lua: true, nodeOnly: true });
    const started = await startScriptHost(config);
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    host = started.host;
    ports = withScripts(nodePorts(), host);
  });
  after(() => host?.stop());

  async function send(req: ScenarioRequest): Promise<Observed> {
    return observedDecision(req, await decide(coreRequestOf(req), config, ports));
  }

  runScenarioTable('core', () => ({ issuer: NO_ISSUER, send }), SCRIPT_SCENARIOS.concat(NODE_SCRIPT_SCENARIOS));
});

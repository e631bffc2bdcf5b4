/**
 * The introspection / remote scenario table against src/core in Node (with the Node ports and the
 * Node decision cache, as forward-auth and ext_authz run it), talking to a real oidc-provider
 * introspection endpoint and a real validation server. Decisions are logged through the service
 * observer, so the log checks see what `mcp-authz serve` would write.
 */
import { after, before, describe } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { createCachedDecider, type CachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { coreRequestOf, observedDecision } from '../contract/core-send.ts';
import { introspectionEnvConfig, startIntrospectionEnv, stopIntrospectionEnv } from '../contract/introspection-env.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';

describe('introspection + remote scenarios: core in Node', () => {
  let env: IntrospectionEnv;
  let config: CoreConfig;
  let decider: CachedDecider;
  const lines: string[] = [];
  const observer = createObserver(serviceMetrics(), (line) => lines.push(line));
  before(async () => {
    env = await startIntrospectionEnv();
    config = await introspectionEnvConfig(env, 'http://127.0.0.1:9');
    decider = createCachedDecider(config, nodePorts());
  });
  after(async () => {
    await stopIntrospectionEnv(env);
  });

  async function send(req: ScenarioRequest): Promise<Observed> {
    // The introspection table has no query strings and no client addresses of its own.
    const core = coreRequestOf(req);
    const { decision: d, cached } = await decider.decide(core);
    observer.decided('forward_auth', core, d, 0, cached);
    return observedDecision(req, d);
  }

  runScenarioTable('core', () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
  runIntrospectionBehaviour('core', () => ({ env, send, logs: () => lines.join('\n') }));
});

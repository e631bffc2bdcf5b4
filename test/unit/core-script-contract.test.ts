/**
 * The script scenario table against src/core in Node with the Node ports plus the script host
 * (real sandboxed workers): the reference the proxy adapters are compared with.
 */
import { after, before, describe } from 'node:test';
import { decide } from '../../src/core/decide.ts';
import type { CoreConfig, Decision, Ports } from '../../src/core/types.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { startScriptHost, withScripts, type ScriptHost } from '../../src/node/script-host.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import { scriptFixtureConfig } from '../contract/script-fixture.ts';
import { NODE_SCRIPT_SCENARIOS, SCRIPT_SCENARIOS } from '../contract/script-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import type { RunningIssuer } from '../support/issuer.ts';

const NO_ISSUER = { url: 'https://issuer.invalid' } as RunningIssuer;

function forwarded(req: ScenarioRequest, d: Decision): Record<string, string> | null {
  if (d.action !== 'allow') return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = v;
  for (const name of d.removeHeaders) delete out[name];
  for (const [k, v] of Object.entries(d.setHeaders)) out[k.toLowerCase()] = v;
  return out;
}

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
    const q = req.path.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    const d = await decide({
      method: req.method,
      path: q < 0 ? req.path : req.path.slice(0, q),
      query: q < 0 ? '' : req.path.slice(q + 1),
      host: 'mcp.example.test',
      scheme: 'https',
      headers,
      clientIp: req.localAddress ?? '127.0.0.1',
    }, config, ports);
    if (d.action === 'allow') return { status: 200, headers: {}, body: '', upstream: forwarded(req, d) };
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.headers)) h[k.toLowerCase()] = v;
    return { status: d.status, headers: h, body: d.body, upstream: null };
  }

  runScenarioTable('core', () => ({ issuer: NO_ISSUER, send }), SCRIPT_SCENARIOS.concat(NODE_SCRIPT_SCENARIOS));
});

/**
 * The scenario table against src/core running in Node with the Node ports: the reference every
 * proxy adapter is compared with. "Upstream" here is the request as a proxy would forward it after
 * applying the decision's header changes.
 */
import { after, before, describe } from 'node:test';
import { decide } from '../../src/core/decide.ts';
import type { CoreConfig, Decision } from '../../src/core/types.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

function forwarded(req: ScenarioRequest, d: Decision): Record<string, string> | null {
  if (d.action !== 'allow') return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = v;
  for (const name of d.removeHeaders) delete out[name];
  for (const [k, v] of Object.entries(d.setHeaders)) out[k.toLowerCase()] = v;
  return out;
}

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

  runScenarioTable('core', () => ({ issuer, send }));
});

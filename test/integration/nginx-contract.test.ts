/**
 * The scenario table against the njs module in real nginx (Debian's 1.22 + njs 0.7.9): the bundle
 * built from src/njs is loaded by nginx, and a real upstream records what reaches it.
 */
import { after, before, describe } from 'node:test';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { request } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

describe('scenario table: njs in nginx', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    nginx = await startProtectedNginx(fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url }));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  async function send(req: ScenarioRequest): Promise<Observed> {
    upstream.clear();
    const res = await request(nginx.url + req.path, { method: req.method, headers: req.headers, localAddress: req.localAddress, body: req.method === 'POST' ? '{}' : undefined });
    const seen = upstream.requests.length ? upstream.requests[upstream.requests.length - 1] : null;
    const up = seen ? (seen.headers as Record<string, string>) : null;
    return { status: res.status, headers: res.headers, body: res.body, upstream: up };
  }

  runScenarioTable('njs', () => ({ issuer, send }));
});

/**
 * The scenario table through REAL nginx (Debian's 1.22) `auth_request` → the forward-auth endpoint,
 * using nginx/auth-request-example.conf verbatim (only its three addresses are replaced), so the
 * documented recipe is what is tested.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createForwardAuthHandler } from '../../src/forward-auth/server.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { freePort } from '../support/free-port.ts';
import { request } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { closeServer, listen } from '../support/listen.ts';
import { startNginx, type RunningNginx } from '../support/nginx.ts';

const RECIPE = new URL('../../nginx/auth-request-example.conf', import.meta.url);

/** The recipe with its example addresses replaced; each must occur exactly once. */
function recipe(port: number, authz: number, upstream: number): string {
  let text = readFileSync(RECIPE, 'utf8');
  const swaps: Array<[string, string]> = [
    ['server 127.0.0.1:9100;', `server 127.0.0.1:${authz};`],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${upstream};`],
    ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${port};`],
  ];
  for (const [from, to] of swaps) {
    assert.equal(text.split(from).length, 2, 'the recipe has exactly one ' + from);
    text = text.replace(from, to);
  }
  return text;
}

describe('scenario table: forward-auth behind nginx auth_request', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: Server;
  let nginx: RunningNginx;
  const lines: string[] = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    const config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    const deps = { config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), (line) => lines.push(line)) };
    authz = createServer(createForwardAuthHandler(deps, { trustedProxies: ['127.0.0.1/32'] }));
    const authzPort = await listen(authz);
    const port = await freePort();
    nginx = await startNginx({ httpConf: recipe(port, authzPort, upstream.port), readyPort: port });
  });
  after(async () => {
    await nginx?.stop();
    if (authz) await closeServer(authz);
    await upstream?.stop();
    await issuer?.stop();
  });

  const send = sendThroughProxy(() => nginx.url as string, () => upstream);

  runScenarioTable('forward_auth_nginx', () => ({ issuer, send }));

  it('a status auth_request cannot pass (404; it becomes a bare 500) is replayed exactly', async () => {
    const res = await request(nginx.url + '/nope', { headers: { origin: 'https://x.example' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['www-authenticate'], undefined);
    assert.deepEqual(JSON.parse(res.body), { error: 'not_found', error_description: 'Not found' });
  });

  it('the check sees the original method, raw URI and client, and the upstream gets the body', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: 'https://mcp.example.test/mcp', scope: 'mcp:tools' });
    upstream.clear();
    lines.length = 0;
    const res = await request(nginx.url + '/mcp?x=1', { method: 'DELETE', headers: { authorization: 'Bearer ' + token }, body: 'bye', localAddress: '127.0.0.2' });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0].body, 'bye');
    const record = JSON.parse(lines[0]);
    assert.deepEqual([record.method, record.path, record.client_ip, record.decision], ['DELETE', '/mcp', '127.0.0.2', 'allow']);
    assert.match(record.request_id, /^[0-9a-f]{32}$/);
  });
});

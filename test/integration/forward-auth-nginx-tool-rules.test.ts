/**
 * The tool rules table behind nginx auth_request and mcp-authz serve (nginx/auth-request-example.conf
 * as shipped): the auth subrequest never carries the body (checked here, not assumed), so on an
 * endpoint with tool rules every POST fails closed (500 body_unavailable); use the njs module
 * (test/integration/nginx-tool-rules.test.ts) for per-tool rules with nginx.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createForwardAuthHandler } from '../../src/forward-auth/server.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { freePort } from '../support/free-port.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { closeServer, listen } from '../support/listen.ts';
import { startNginx, type RunningNginx } from '../support/nginx.ts';

function recipe(port: number, authz: number, upstream: number): string {
  let text = readFileSync(new URL('../../nginx/auth-request-example.conf', import.meta.url), 'utf8');
  for (const [from, to] of [
    ['server 127.0.0.1:9100;', `server 127.0.0.1:${authz};`],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${upstream};`],
    ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${port};`],
  ]) {
    assert.equal(text.split(from).length, 2, 'the recipe has exactly one ' + from);
    text = text.replace(from, to);
  }
  return text;
}

describe('tool rules table: forward-auth behind nginx auth_request (no body)', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: Server;
  let nginx: RunningNginx;
  let url: string;
  const asked: Array<{ method: string; contentLength?: string; transferEncoding?: string }> = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    const config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    const handler = createForwardAuthHandler({ config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), () => {}) }, { trustedProxies: ['127.0.0.1/32'] });
    authz = createServer((req: IncomingMessage, res: ServerResponse) => {
      asked.push({ method: req.method ?? '', contentLength: req.headers['content-length'], transferEncoding: req.headers['transfer-encoding'] });
      handler(req, res);
    });
    const authzPort = await listen(authz);
    const port = await freePort();
    nginx = await startNginx({ httpConf: recipe(port, authzPort, upstream.port), readyPort: port });
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await nginx?.stop();
    if (authz) await closeServer(authz);
    await upstream?.stop();
    await issuer?.stop();
  });

  runScenarioTable('forward_auth_nginx', () => ({ issuer, send: sendThroughProxy(() => url, () => upstream) }), TOOL_SCENARIOS);

  it('the auth subrequests carried no body', () => {
    assert.ok(asked.length > 10);
    for (const a of asked) {
      assert.ok(!a.transferEncoding, 'no chunked body');
      assert.ok(!a.contentLength || a.contentLength === '0', 'no body length: ' + a.contentLength);
    }
  });
});

/**
 * The tool rules table behind nginx auth_request and mcp-authz serve (nginx/auth-request-example.conf
 * as shipped): the auth subrequest never carries the body (checked here, not assumed), so on an
 * endpoint with tool rules every POST fails closed (500 body_unavailable); use the njs module
 * (test/integration/nginx-tool-rules.test.ts) for per-tool rules with nginx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { authRequestFraming, startForwardAuthEndpoint, type AuthRequestFraming, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startNginxAuthRequest, type RunningAuthRequestNginx } from '../support/forward-auth-proxies.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

describe('tool rules table: forward-auth behind nginx auth_request (no body)', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: ForwardAuthEndpoint;
  let nginx: RunningAuthRequestNginx;
  let url: string;
  const asked: AuthRequestFraming[] = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    const config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    authz = await startForwardAuthEndpoint(config, { onRequest: (req) => asked.push(authRequestFraming(req)) });
    nginx = await startNginxAuthRequest(authz.port, upstream.port);
    url = nginx.url;
  });
  after(async () => {
    await nginx?.stop();
    await authz?.stop();
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

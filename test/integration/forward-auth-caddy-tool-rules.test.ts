/**
 * The tool rules table behind real Caddy forward_auth: Caddy asks with a GET and no body (checked
 * here, not assumed), so on an endpoint with tool rules every POST fails closed (500
 * body_unavailable) and nothing reaches the upstream; GETs and denials before the body still work.
 * Caddy also copies only `copy_headers` from the answer, so a header allow-list cannot remove other
 * client headers (the table's `differs`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import type { RunningCaddy } from '../support/caddy.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { authRequestFraming, startForwardAuthEndpoint, type AuthRequestFraming, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startCaddyForwardAuth } from '../support/forward-auth-proxies.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

describe('tool rules table: forward-auth behind Caddy forward_auth (no body)', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: ForwardAuthEndpoint;
  let caddy: RunningCaddy;
  let config: CoreConfig;
  /** What each auth request Caddy sent looked like. */
  const asked: AuthRequestFraming[] = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    authz = await startForwardAuthEndpoint(config, { onRequest: (req) => asked.push(authRequestFraming(req)) });
    caddy = await startCaddyForwardAuth(authz.port, upstream.port, forwardAuthHeaderNames(config));
  });
  after(async () => {
    await caddy?.stop();
    await authz?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  runScenarioTable('forward_auth_caddy', () => ({ issuer, send: sendThroughProxy(() => caddy.url, () => upstream) }), TOOL_SCENARIOS);

  it('Caddy asked with GET and never framed a body (no Content-Length > 0, no Transfer-Encoding)', () => {
    assert.ok(asked.length > 10);
    for (const a of asked) {
      assert.equal(a.method, 'GET');
      assert.ok(!a.transferEncoding, 'no chunked body');
      assert.ok(!a.contentLength || a.contentLength === '0', 'no body length: ' + a.contentLength);
    }
  });
});

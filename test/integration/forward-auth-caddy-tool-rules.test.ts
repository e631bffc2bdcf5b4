/**
 * The tool rules table behind real Caddy forward_auth: Caddy asks with a GET and no body (checked
 * here, not assumed), so on an endpoint with tool rules every POST fails closed (500
 * body_unavailable) and nothing reaches the upstream; GETs and denials before the body still work.
 * Caddy also copies only `copy_headers` from the answer, so a header allow-list cannot remove other
 * client headers (the table's `differs`).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { createForwardAuthHandler } from '../../src/forward-auth/server.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startCaddy, type RunningCaddy } from '../support/caddy.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { freePort } from '../support/free-port.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { closeServer, listen } from '../support/listen.ts';

function caddySite(port: number, authz: number, upstream: number, copy: string[]): string {
  return `
(mcp_authz_drop_empty) {
	@mcp_authz_empty_{args.0} header {args.0} ""
	request_header @mcp_authz_empty_{args.0} -{args.0}
}

http://127.0.0.1:${port} {
	bind 127.0.0.1
	handle {
		forward_auth 127.0.0.1:${authz} {
			uri /auth
			copy_headers ${copy.join(' ')}
		}
${copy.map((h) => `		import mcp_authz_drop_empty ${h}`).join('\n')}
		reverse_proxy 127.0.0.1:${upstream}
	}
}
`;
}

describe('tool rules table: forward-auth behind Caddy forward_auth (no body)', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: Server;
  let caddy: RunningCaddy;
  let config: CoreConfig;
  /** What each auth request Caddy sent looked like. */
  const asked: Array<{ method: string; contentLength?: string; transferEncoding?: string }> = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    const deps = { config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), () => {}) };
    const handler = createForwardAuthHandler(deps, { trustedProxies: ['127.0.0.1/32'] });
    authz = createServer((req: IncomingMessage, res: ServerResponse) => {
      asked.push({ method: req.method ?? '', contentLength: req.headers['content-length'], transferEncoding: req.headers['transfer-encoding'] });
      handler(req, res);
    });
    const authzPort = await listen(authz);
    const port = await freePort();
    caddy = await startCaddy(port, () => caddySite(port, authzPort, upstream.port, forwardAuthHeaderNames(config)));
  });
  after(async () => {
    await caddy?.stop();
    if (authz) await closeServer(authz);
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

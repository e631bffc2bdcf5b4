/**
 * The scenario table against the ext_authz gRPC server, called by a real grpc-js client with the
 * real envoy.service.auth.v3 protos, the way Envoy calls it. Envoy itself is not installable here,
 * so this test plays Envoy's part, following its ext_authz filter:
 * - the CheckRequest carries what Envoy puts in it (lower-cased headers with pseudo-headers, the
 *   request target with its query in `path`, the TCP peer as `source`, the body, and the per-route
 *   `context_extensions` of envoy/envoy.yaml's routes);
 * - OK → the upstream sees the request headers with ok_response.headers set (overwriting), THEN
 *   ok_response.headers_to_remove removed, in that order, as ext_authz.cc applies them;
 * - not OK → the client sees denied_response status, headers and body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { assertDecodesAs, envoyRequestHeaders, observeCheckResponse, routeContextExtensions, startExtAuthzUnderTest, type ExtAuthzUnderTest } from '../contract/ext-authz-send.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

const HOST = 'mcp.example.test';

let streamId = 1000;

/** The CheckRequest Envoy's ext_authz filter builds for this client request. */
function checkRequest(config: CoreConfig, req: ScenarioRequest): CheckRequestMessage {
  const headers = envoyRequestHeaders(req, { 'x-request-id': 'req-' + streamId, 'x-forwarded-proto': 'https' });
  const body = req.method === 'POST' ? '{}' : undefined;
  if (body) headers['content-length'] = String(body.length);
  const target = req.path.split('?')[0];
  const check = {
    attributes: {
      source: { address: { socket_address: { address: req.localAddress ?? '127.0.0.1', port_value: 40000 + (streamId % 1000) } } },
      destination: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } },
      request: {
        http: { id: String(streamId++), method: req.method, headers, path: req.path, host: HOST, scheme: 'https', protocol: 'HTTP/1.1', size: String(body ? body.length : 0), body },
      },
      context_extensions: routeContextExtensions(config, target),
    },
  };
  // grpc-js would silently drop a misspelt field; prove every one is real CheckRequest.
  assertDecodesAs('envoy.service.auth.v3.CheckRequest', check);
  return check as CheckRequestMessage;
}

describe('scenario table: ext_authz over gRPC', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  let authz: ExtAuthzUnderTest;
  const lines: string[] = [];
  before(async () => {
    issuer = await startIssuer();
    config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    authz = await startExtAuthzUnderTest(config, (line) => lines.push(line));
  });
  after(async () => {
    await authz?.stop();
    await issuer?.stop();
  });

  async function send(req: ScenarioRequest): Promise<Observed> {
    return observeCheckResponse(req, await authz.client.check(checkRequest(config, req)), 'full');
  }

  runScenarioTable('ext_authz', () => ({ issuer, send }));

  it('logs every decision as ext_authz with its endpoint', () => {
    assert.ok(lines.length > 0);
    for (const line of lines) assert.equal(JSON.parse(line).adapter, 'ext_authz');
    assert.ok(lines.some((l) => JSON.parse(l).endpoint === 'keys-mcp'));
  });
});

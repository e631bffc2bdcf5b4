/**
 * Per-tool rules and the header allow-list through the ext_authz gRPC server, called by a real
 * grpc-js client with the real envoy.service.auth.v3 protos the way Envoy calls it with
 * envoy/envoy.yaml's `with_request_body` (pack_as_bytes: the body arrives as `raw_body`). OK →
 * the upstream sees the client's headers with ok_response.headers set, then headers_to_remove
 * removed; not OK → the client sees denied_response. (Envoy is not installable here.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { assertDecodesAs, envoyRequestHeaders, observeCheckResponse, routeContextExtensions, startExtAuthzUnderTest, type ExtAuthzUnderTest } from '../contract/ext-authz-send.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';


/** The CheckRequest Envoy builds: the route pins the endpoint whose path prefixes the request. */
function checkRequest(config: CoreConfig, req: ScenarioRequest, partial = false): CheckRequestMessage {
  const headers = envoyRequestHeaders(req, { 'x-request-id': 'r-1' });
  const body = req.body ?? (req.method === 'POST' ? '{}' : undefined);
  const bytes = body === undefined ? undefined : new TextEncoder().encode(body);
  if (bytes) headers['content-length'] = String(bytes.length);
  if (partial) headers['x-envoy-auth-partial-body'] = 'true';
  const check = {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 40001 } } },
      request: { http: { id: '1', method: req.method, headers, path: req.path, host: 'mcp.example.test', scheme: 'https', protocol: 'HTTP/1.1', size: String(bytes ? bytes.length : 0), raw_body: bytes ? Buffer.from(bytes) : undefined } },
      context_extensions: routeContextExtensions(config, req.path),
    },
  };
  // Proto JSON spells bytes in base64; grpc-js sends the Buffer itself.
  const json = structuredClone(check) as { attributes: { request: { http: Record<string, unknown> } } };
  json.attributes.request.http.raw_body = bytes ? Buffer.from(bytes).toString('base64') : undefined;
  assertDecodesAs('envoy.service.auth.v3.CheckRequest', json);
  return check as CheckRequestMessage;
}

describe('tool rules table: ext_authz over gRPC', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  let authz: ExtAuthzUnderTest;
  before(async () => {
    issuer = await startIssuer();
    config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    authz = await startExtAuthzUnderTest(config);
  });
  after(async () => {
    await authz?.stop();
    await issuer?.stop();
  });

  const send = async (req: ScenarioRequest): Promise<Observed> => observeCheckResponse(req, await authz.client.check(checkRequest(config, req)));
  runScenarioTable('ext_authz', () => ({ issuer, send }), TOOL_SCENARIOS);

  it('a body Envoy cut (x-envoy-auth-partial-body: true) is never judged → 500, nothing upstream', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: PUBLIC + '/tools/mcp', scope: 'mcp:tools' });
    const req: ScenarioRequest = { method: 'POST', path: '/tools/mcp', headers: { authorization: 'Bearer ' + token }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read' };
    const got = observeCheckResponse(req, await authz.client.check(checkRequest(config, req, true)));
    assert.equal(got.status, 500);
    assert.equal(JSON.parse(got.body).error, 'server_error');
  });

  it('a body as large as the default limit (1 MiB) fits in one gRPC message', async () => {
    const bigConfig = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    bigConfig.endpoints[0].max_body_bytes = 1048576;
    const big = await startExtAuthzUnderTest(bigConfig);
    try {
      const token = await issuer.mint({ sub: 'alice', aud: PUBLIC + '/tools/mcp', scope: 'mcp:tools' });
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_file', arguments: { pad: 'x'.repeat(1048576 - 200) } } });
      const req: ScenarioRequest = { method: 'POST', path: '/tools/mcp', headers: { authorization: 'Bearer ' + token }, body };
      assert.equal(observeCheckResponse(req, await big.client.check(checkRequest(bigConfig, req))).status, 200);
    } finally {
      await big.stop();
    }
  });
});

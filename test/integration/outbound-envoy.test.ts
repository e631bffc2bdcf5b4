/**
 * Outbound credentials through the ext_authz gRPC server (real grpc-js client, real envoy protos),
 * playing Envoy's part as test/integration/envoy-contract.test.ts does, plus
 * OkHttpResponse.query_parameters_to_set (set, overwriting a same-named client parameter).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import { toCheckResponse } from '../../src/envoy/response.ts';
import { assertDecodesAs, envoyRequestHeaders, observeCheckResponse, routeContextExtensions, startExtAuthzUnderTest, type ExtAuthzUnderTest } from '../contract/ext-authz-send.ts';
import { OUTBOUND_SCENARIOS } from '../contract/outbound-scenarios.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startOutboundWorld, type OutboundWorld } from '../support/outbound-world.ts';

let id = 5000;
function checkRequest(config: CoreConfig, req: ScenarioRequest): CheckRequestMessage {
  const headers = envoyRequestHeaders(req, { 'x-forwarded-proto': 'https' });
  const check = {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 40000 } } },
      request: { http: { id: String(id++), method: req.method, headers, path: req.path, host: 'mcp.example.test', scheme: 'https', protocol: 'HTTP/1.1' } },
      context_extensions: routeContextExtensions(config, req.path.split('?')[0]),
    },
  };
  assertDecodesAs('envoy.service.auth.v3.CheckRequest', check);
  return check as CheckRequestMessage;
}

describe('outbound credentials: ext_authz over gRPC', () => {
  let world: OutboundWorld;
  let config: CoreConfig;
  let authz: ExtAuthzUnderTest;
  before(async () => {
    world = await startOutboundWorld();
    config = toCoreConfig(world.app);
    authz = await startExtAuthzUnderTest(config);
  });
  after(async () => {
    await authz?.stop();
    await world?.stop();
  });

  const send = async (req: ScenarioRequest): Promise<Observed> => observeCheckResponse(req, await authz.client.check(checkRequest(config, req)));
  runScenarioTable('ext_authz', () => ({ issuer: world.issuer, send }), OUTBOUND_SCENARIOS);

  it('query_parameters_to_set is a real OkHttpResponse field (decodes against the proto)', () => {
    const allow = { action: 'allow' as const, endpoint: 'qkey-mcp', principal: { subject: 'a', groups: [], scopes: [], strategy: 'jwt' }, setHeaders: {}, removeHeaders: [], reason: 'ok' as const, cacheTtl: 0, setQuery: { api_key: 'k' } };
    const msg = toCheckResponse(allow);
    assertDecodesAs('envoy.service.auth.v3.CheckResponse', msg);
    assert.deepEqual(msg.ok_response?.query_parameters_to_set, [{ key: 'api_key', value: 'k' }]);
  });

  it('IdP down, nothing cached → a 503 denied_response with Retry-After (fail closed)', async () => {
    const fresh = await startExtAuthzUnderTest(config);
    await world.idp.down();
    try {
      const token = await world.issuer.mint({ sub: 'alice', aud: 'https://mcp.example.test/cc/mcp', scope: 'mcp:tools' });
      const req = { method: 'POST', path: '/cc/mcp', headers: { authorization: 'Bearer ' + token } };
      const got = observeCheckResponse(req, await fresh.client.check(checkRequest(config, req)));
      assert.equal(got.status, 503);
      assert.equal(got.headers['retry-after'], '5');
      assert.equal(got.upstream, null);
    } finally {
      await world.idp.up();
      await fresh.stop();
    }
  });
});

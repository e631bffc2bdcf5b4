/**
 * Outbound credentials through the ext_authz gRPC server (real grpc-js client, real envoy protos),
 * playing Envoy's part as test/integration/envoy-contract.test.ts does, plus
 * OkHttpResponse.query_parameters_to_set (set, overwriting a same-named client parameter).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { createExtAuthzClient, type DecodedCheckResponse, type ExtAuthzClient } from '../../src/envoy/client.ts';
import { decodeProtoJson } from '../../src/envoy/proto-json.ts';
import { EXTERNAL_AUTH_PROTO, loadEnvoyRoot } from '../../src/envoy/protos.ts';
import { ENDPOINT_EXTENSION, type CheckRequestMessage } from '../../src/envoy/request.ts';
import { startExtAuthzServer, type ExtAuthzServer } from '../../src/envoy/server.ts';
import { toCheckResponse } from '../../src/envoy/response.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { OUTBOUND_SCENARIOS } from '../contract/outbound-scenarios.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startOutboundWorld, type OutboundWorld } from '../support/outbound-world.ts';

const ROOT = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]);
const STATUS_CODES = ROOT.lookupEnum('envoy.type.v3.StatusCode').values;

function endpointFor(config: CoreConfig, path: string): Record<string, string> {
  let best: { path: string; id: string } | null = null;
  for (const e of config.endpoints) if ((path === e.path || path.startsWith(e.path + '/')) && (!best || e.path.length > best.path.length)) best = e;
  return best ? { [ENDPOINT_EXTENSION]: best.id } : {};
}

let id = 5000;
function checkRequest(config: CoreConfig, req: ScenarioRequest): CheckRequestMessage {
  const headers: Record<string, string> = { ':authority': 'mcp.example.test', ':method': req.method, ':path': req.path, ':scheme': 'https', 'x-forwarded-proto': 'https' };
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const check = {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 40000 } } },
      request: { http: { id: String(id++), method: req.method, headers, path: req.path, host: 'mcp.example.test', scheme: 'https', protocol: 'HTTP/1.1' } },
      context_extensions: endpointFor(config, req.path.split('?')[0]),
    },
  };
  assert.deepEqual(decodeProtoJson(ROOT, 'envoy.service.auth.v3.CheckRequest', check).errors, []);
  return check as CheckRequestMessage;
}

/** Envoy's ext_authz filter: headers set, then removed; query parameters set (overwriting). */
function observe(req: ScenarioRequest, res: DecodedCheckResponse): Observed {
  if ((res.status?.code ?? 0) === 0) {
    const upstream: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) upstream[k.toLowerCase()] = v;
    for (const h of res.ok_response?.headers ?? []) upstream[(h.header?.key ?? '').toLowerCase()] = h.header?.value ?? '';
    for (const name of res.ok_response?.headers_to_remove ?? []) delete upstream[name];
    const url = new URL(req.path, 'http://upstream');
    for (const q of res.ok_response?.query_parameters_to_set ?? []) url.searchParams.set(q.key ?? '', q.value ?? '');
    return { status: 200, headers: {}, body: '', upstream, upstreamUrl: url.pathname + url.search };
  }
  const denied = res.denied_response ?? {};
  const headers: Record<string, string> = {};
  for (const h of denied.headers ?? []) headers[(h.header?.key ?? '').toLowerCase()] = h.header?.value ?? '';
  return { status: STATUS_CODES[denied.status?.code ?? ''], headers, body: denied.body ?? '', upstream: null };
}

describe('outbound credentials: ext_authz over gRPC', () => {
  let world: OutboundWorld;
  let config: CoreConfig;
  let server: ExtAuthzServer;
  let client: ExtAuthzClient;
  before(async () => {
    world = await startOutboundWorld();
    config = toCoreConfig(world.app);
    server = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), () => undefined) }, '127.0.0.1:0');
    client = createExtAuthzClient('127.0.0.1:' + server.port);
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await world?.stop();
  });

  const send = async (req: ScenarioRequest): Promise<Observed> => observe(req, await client.check(checkRequest(config, req)));
  runScenarioTable('ext_authz', () => ({ issuer: world.issuer, send }), OUTBOUND_SCENARIOS);

  it('query_parameters_to_set is a real OkHttpResponse field (decodes against the proto)', () => {
    const allow = { action: 'allow' as const, endpoint: 'qkey-mcp', principal: { subject: 'a', groups: [], scopes: [], strategy: 'jwt' }, setHeaders: {}, removeHeaders: [], reason: 'ok' as const, cacheTtl: 0, setQuery: { api_key: 'k' } };
    const msg = toCheckResponse(allow);
    assert.deepEqual(decodeProtoJson(ROOT, 'envoy.service.auth.v3.CheckResponse', msg).errors, []);
    assert.deepEqual(msg.ok_response?.query_parameters_to_set, [{ key: 'api_key', value: 'k' }]);
  });

  it('IdP down, nothing cached → a 503 denied_response with Retry-After (fail closed)', async () => {
    const fresh = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), () => undefined) }, '127.0.0.1:0');
    const c = createExtAuthzClient('127.0.0.1:' + fresh.port);
    await world.idp.down();
    try {
      const token = await world.issuer.mint({ sub: 'alice', aud: 'https://mcp.example.test/cc/mcp', scope: 'mcp:tools' });
      const req = { method: 'POST', path: '/cc/mcp', headers: { authorization: 'Bearer ' + token } };
      const got = observe(req, await c.check(checkRequest(config, req)));
      assert.equal(got.status, 503);
      assert.equal(got.headers['retry-after'], '5');
      assert.equal(got.upstream, null);
    } finally {
      await world.idp.up();
      c.close();
      await fresh.stop();
    }
  });
});

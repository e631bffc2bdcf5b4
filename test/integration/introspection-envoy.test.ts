/**
 * The introspection / remote scenarios against the ext_authz gRPC server, called by a real grpc-js
 * client with the real envoy.service.auth.v3 protos, playing Envoy's part the same way
 * envoy-contract.test.ts does (route → context_extensions, ok_response headers set then removed,
 * denied_response replayed).
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { createExtAuthzClient, type DecodedCheckResponse, type ExtAuthzClient } from '../../src/envoy/client.ts';
import { EXTERNAL_AUTH_PROTO, loadEnvoyRoot } from '../../src/envoy/protos.ts';
import { ENDPOINT_EXTENSION, type CheckRequestMessage } from '../../src/envoy/request.ts';
import { startExtAuthzServer, type ExtAuthzServer } from '../../src/envoy/server.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { introspectionFixtureConfig } from '../contract/introspection-fixture.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { freePort } from '../support/free-port.ts';
import { startIntrospectionIdp } from '../support/introspection-idp.ts';
import { startIssuer } from '../support/issuer.ts';
import { startValidationServer } from '../support/validation-server.ts';

const STATUS_CODES = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]).lookupEnum('envoy.type.v3.StatusCode').values;
let streamId = 5000;

function checkRequest(config: CoreConfig, req: ScenarioRequest): CheckRequestMessage {
  const headers: Record<string, string> = { ':authority': 'mcp.example.test', ':method': req.method, ':path': req.path, ':scheme': 'https' };
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const endpoint = config.endpoints.find((e) => req.path === e.path || req.path.startsWith(e.path + '/'));
  return {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 40000 } } },
      request: { http: { id: String(streamId++), method: req.method, headers, path: req.path, host: 'mcp.example.test', scheme: 'https', protocol: 'HTTP/1.1' } },
      context_extensions: endpoint ? { [ENDPOINT_EXTENSION]: endpoint.id } : {},
    },
  } as CheckRequestMessage;
}

function pairs(list: NonNullable<DecodedCheckResponse['denied_response']>['headers']): Array<[string, string]> {
  return (list ?? []).map((h) => [(h.header?.key ?? '').toLowerCase(), h.header?.value ?? '']);
}

function observe(req: ScenarioRequest, res: DecodedCheckResponse): Observed {
  if ((res.status?.code ?? 0) === 0) {
    const upstream: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) upstream[k.toLowerCase()] = v;
    for (const [k, v] of pairs(res.ok_response?.headers)) upstream[k] = v;
    for (const name of res.ok_response?.headers_to_remove ?? []) delete upstream[name];
    return { status: 200, headers: {}, body: '', upstream };
  }
  const denied = res.denied_response ?? {};
  const name = denied.status?.code;
  assert.ok(name && STATUS_CODES[name], 'denied_response.status is always set');
  return { status: STATUS_CODES[name], headers: Object.fromEntries(pairs(denied.headers)), body: denied.body ?? '', upstream: null };
}

describe('introspection + remote scenarios: ext_authz over gRPC', () => {
  let env: IntrospectionEnv;
  let config: CoreConfig;
  let server: ExtAuthzServer;
  let client: ExtAuthzClient;
  const lines: string[] = [];
  before(async () => {
    env = { idp: await startIntrospectionIdp(), validator: await startValidationServer(), issuer: await startIssuer() };
    config = await introspectionFixtureConfig({ idp: env.idp, jwtIssuer: env.issuer.url, jwksUri: env.issuer.jwksUri, validatorUrl: env.validator.url, deadPort: await freePort(), upstreamUrl: 'http://127.0.0.1:9' });
    const observer = createObserver(serviceMetrics(), (line) => lines.push(line));
    server = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer }, '127.0.0.1:0');
    client = createExtAuthzClient('127.0.0.1:' + server.port);
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await env?.idp.stop();
    await env?.validator.stop();
    await env?.issuer.stop();
  });

  const send = async (req: ScenarioRequest): Promise<Observed> => observe(req, await client.check(checkRequest(config, req)));

  runScenarioTable('ext_authz', () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
  runIntrospectionBehaviour('ext_authz', () => ({ env, send, logs: () => lines.join('\n') }));
});

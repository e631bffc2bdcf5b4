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
import { createExtAuthzClient, type DecodedCheckResponse, type ExtAuthzClient } from '../../src/envoy/client.ts';
import { decodeProtoJson } from '../../src/envoy/proto-json.ts';
import { EXTERNAL_AUTH_PROTO, loadEnvoyRoot } from '../../src/envoy/protos.ts';
import { ENDPOINT_EXTENSION, type CheckRequestMessage } from '../../src/envoy/request.ts';
import { startExtAuthzServer, type ExtAuthzServer } from '../../src/envoy/server.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

const HOST = 'mcp.example.test';
const ROOT = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]);
const STATUS_CODES = ROOT.lookupEnum('envoy.type.v3.StatusCode').values;

/** envoy.yaml's routing, for the fixture: each endpoint's route pins it; metadata routes do not. */
function contextExtensions(config: CoreConfig, path: string): Record<string, string> {
  if (path.startsWith('/.well-known/')) return {};
  let best: { path: string; id: string } | null = null;
  for (const e of config.endpoints) {
    if ((path === e.path || path.startsWith(e.path + '/')) && (!best || e.path.length > best.path.length)) best = e;
  }
  return best ? { [ENDPOINT_EXTENSION]: best.id } : {};
}

let streamId = 1000;

/** The CheckRequest Envoy's ext_authz filter builds for this client request. */
function checkRequest(config: CoreConfig, req: ScenarioRequest): CheckRequestMessage {
  const headers: Record<string, string> = {
    ':authority': HOST,
    ':method': req.method,
    ':path': req.path,
    ':scheme': 'https',
    'x-request-id': 'req-' + streamId,
    'x-forwarded-proto': 'https',
  };
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
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
      context_extensions: contextExtensions(config, target),
    },
  };
  // grpc-js would silently drop a misspelt field; prove every one is real CheckRequest.
  assert.deepEqual(decodeProtoJson(ROOT, 'envoy.service.auth.v3.CheckRequest', check).errors, []);
  return check as CheckRequestMessage;
}

function headerOptions(list: NonNullable<DecodedCheckResponse['denied_response']>['headers']): Array<[string, string]> {
  return (list ?? []).map((h) => {
    // Replace, never append: anything else would let a spoofed copy survive beside ours.
    assert.equal(h.append?.value, false);
    assert.equal(h.append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
    return [(h.header?.key ?? '').toLowerCase(), h.header?.value ?? ''];
  });
}

/** What Envoy would do with the CheckResponse. */
function observe(req: ScenarioRequest, res: DecodedCheckResponse): Observed {
  if ((res.status?.code ?? 0) === 0) {
    assert.equal(res.http_response, 'ok_response');
    const upstream: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) upstream[k.toLowerCase()] = v;
    for (const [k, v] of headerOptions(res.ok_response?.headers)) upstream[k] = v;
    for (const name of res.ok_response?.headers_to_remove ?? []) delete upstream[name];
    return { status: 200, headers: {}, body: '', upstream };
  }
  assert.equal(res.http_response, 'denied_response');
  const denied = res.denied_response ?? {};
  const name = denied.status?.code;
  assert.ok(name && STATUS_CODES[name], 'denied_response.status is always set: ' + name);
  const headers: Record<string, string> = {};
  for (const [k, v] of headerOptions(denied.headers)) headers[k] = v;
  return { status: STATUS_CODES[name], headers, body: denied.body ?? '', upstream: null };
}

describe('scenario table: ext_authz over gRPC', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  let server: ExtAuthzServer;
  let client: ExtAuthzClient;
  const lines: string[] = [];
  before(async () => {
    issuer = await startIssuer();
    config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    const observer = createObserver(serviceMetrics(), (line) => lines.push(line));
    server = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer }, '127.0.0.1:0');
    client = createExtAuthzClient('127.0.0.1:' + server.port);
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await issuer?.stop();
  });

  async function send(req: ScenarioRequest): Promise<Observed> {
    return observe(req, await client.check(checkRequest(config, req)));
  }

  runScenarioTable('ext_authz', () => ({ issuer, send }));

  it('logs every decision as ext_authz with its endpoint', () => {
    assert.ok(lines.length > 0);
    for (const line of lines) assert.equal(JSON.parse(line).adapter, 'ext_authz');
    assert.ok(lines.some((l) => JSON.parse(l).endpoint === 'keys-mcp'));
  });
});

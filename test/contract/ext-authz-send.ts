/**
 * Playing Envoy's part against the ext_authz gRPC server (Envoy is not installable here): a real
 * grpc-js client with Envoy's protos, envoy.yaml's route → endpoint pinning, and what Envoy's
 * ext_authz filter does with the CheckResponse, as an {@link Observed} for runScenarioTable.
 * @module
 */
import assert from 'node:assert/strict';
import type { CoreConfig } from '../../src/core/types.ts';
import { createExtAuthzClient, type DecodedCheckResponse, type ExtAuthzClient } from '../../src/envoy/client.ts';
import { decodeProtoJson } from '../../src/envoy/proto-json.ts';
import { EXTERNAL_AUTH_PROTO, loadEnvoyRoot } from '../../src/envoy/protos.ts';
import { ENDPOINT_EXTENSION } from '../../src/envoy/request.ts';
import { startExtAuthzServer, type ExtAuthzServer } from '../../src/envoy/server.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import type { Observed } from './run-scenarios.ts';
import type { ScenarioRequest } from './scenarios.ts';

/** The envoy.service.auth.v3 protos, for decoding messages as Envoy would. */
export const ENVOY_ROOT = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]);

/** envoy.type.v3.StatusCode: name → HTTP status. */
export const ENVOY_STATUS_CODES = ENVOY_ROOT.lookupEnum('envoy.type.v3.StatusCode').values;

/**
 * grpc-js would silently drop a misspelt field; assert that `json` (proto JSON: bytes in base64)
 * decodes as `type` (e.g. `envoy.service.auth.v3.CheckRequest`) without errors.
 */
export function assertDecodesAs(type: string, json: unknown): void {
  assert.deepEqual(decodeProtoJson(ENVOY_ROOT, type, json).errors, []);
}

/**
 * The headers of the CheckRequest Envoy builds for `req` at https://mcp.example.test: the
 * pseudo-headers, then `extra` (what Envoy adds, e.g. x-request-id), then the client's headers
 * lower-cased.
 */
export function envoyRequestHeaders(req: ScenarioRequest, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ':authority': 'mcp.example.test', ':method': req.method, ':path': req.path, ':scheme': 'https' };
  for (const [k, v] of Object.entries(extra)) headers[k] = v;
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return headers;
}

/**
 * envoy.yaml's routing: the route of the endpoint whose path is the longest prefix of `path` pins
 * it through context_extensions; metadata routes (/.well-known/) pin nothing.
 */
export function routeContextExtensions(config: CoreConfig, path: string): Record<string, string> {
  if (path.startsWith('/.well-known/')) return {};
  let best: { path: string; id: string } | null = null;
  for (const e of config.endpoints) {
    if ((path === e.path || path.startsWith(e.path + '/')) && (!best || e.path.length > best.path.length)) best = e;
  }
  return best ? { [ENDPOINT_EXTENSION]: best.id } : {};
}

/**
 * What a test asserts about the CheckResponse itself, besides replaying it:
 * `none`; `status` (a denial always carries a known status); `full` (also the oneof is set, and
 * every header option replaces rather than appends).
 */
export type CheckResponseChecks = 'none' | 'status' | 'full';

type HeaderOptions = NonNullable<DecodedCheckResponse['denied_response']>['headers'];

function headerPairs(list: HeaderOptions, checks: CheckResponseChecks): Array<[string, string]> {
  return (list ?? []).map((h) => {
    if (checks === 'full') {
      // Replace, never append: anything else would let a spoofed copy survive beside ours.
      assert.equal(h.append?.value, false);
      assert.equal(h.append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
    }
    return [(h.header?.key ?? '').toLowerCase(), h.header?.value ?? ''];
  });
}

/**
 * What Envoy's ext_authz filter does with the answer. OK → the upstream sees the client's headers
 * with ok_response.headers set (overwriting), THEN headers_to_remove removed, as ext_authz.cc
 * applies them, and the target with query_parameters_to_set set (overwriting); not OK → the
 * client sees denied_response's status, headers and body.
 */
export function observeCheckResponse(req: ScenarioRequest, res: DecodedCheckResponse, checks: CheckResponseChecks = 'none'): Observed {
  if ((res.status?.code ?? 0) === 0) {
    if (checks === 'full') assert.equal(res.http_response, 'ok_response');
    const upstream: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) upstream[k.toLowerCase()] = v;
    for (const [k, v] of headerPairs(res.ok_response?.headers, checks)) upstream[k] = v;
    for (const name of res.ok_response?.headers_to_remove ?? []) delete upstream[name];
    const url = new URL(req.path, 'http://upstream');
    for (const q of res.ok_response?.query_parameters_to_set ?? []) url.searchParams.set(q.key ?? '', q.value ?? '');
    return { status: 200, headers: {}, body: '', upstream, upstreamUrl: url.pathname + url.search };
  }
  if (checks === 'full') assert.equal(res.http_response, 'denied_response');
  const denied = res.denied_response ?? {};
  const name = denied.status?.code;
  if (checks !== 'none') assert.ok(name && ENVOY_STATUS_CODES[name], 'denied_response.status is always set: ' + name);
  const headers: Record<string, string> = {};
  for (const [k, v] of headerPairs(denied.headers, checks)) headers[k] = v;
  return { status: ENVOY_STATUS_CODES[name ?? ''], headers, body: denied.body ?? '', upstream: null };
}

/** The ext_authz server for one configuration and a client connected to it. */
export interface ExtAuthzUnderTest {
  readonly server: ExtAuthzServer;
  readonly client: ExtAuthzClient;
  /** Closes the client, then stops the server. */
  stop(): Promise<void>;
}

/**
 * Start the ext_authz server for `config` (caching decider over the Node ports) on a free loopback
 * port, with its decision log lines sent to `writeLine` (default: dropped), and connect a client.
 */
export async function startExtAuthzUnderTest(config: CoreConfig, writeLine: (line: string) => void = () => undefined): Promise<ExtAuthzUnderTest> {
  const observer = createObserver(serviceMetrics(), writeLine);
  const server = await startExtAuthzServer({ config, decider: createCachedDecider(config, nodePorts()), observer }, '127.0.0.1:0');
  const client = createExtAuthzClient('127.0.0.1:' + server.port);
  return {
    server,
    client,
    async stop() {
      client.close();
      await server.stop();
    },
  };
}

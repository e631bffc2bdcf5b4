/**
 * The introspection / remote scenarios against the ext_authz gRPC server, called by a real grpc-js
 * client with the real envoy.service.auth.v3 protos, playing Envoy's part the same way
 * envoy-contract.test.ts does (route → context_extensions, ok_response headers set then removed,
 * denied_response replayed).
 */
import { after, before, describe } from 'node:test';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { envoyRequestHeaders, observeCheckResponse, routeContextExtensions, startExtAuthzUnderTest, type ExtAuthzUnderTest } from '../contract/ext-authz-send.ts';
import { introspectionEnvConfig, startIntrospectionEnv, stopIntrospectionEnv } from '../contract/introspection-env.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';

let streamId = 5000;

function checkRequest(config: CoreConfig, req: ScenarioRequest): CheckRequestMessage {
  const headers = envoyRequestHeaders(req);
  return {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 40000 } } },
      request: { http: { id: String(streamId++), method: req.method, headers, path: req.path, host: 'mcp.example.test', scheme: 'https', protocol: 'HTTP/1.1' } },
      context_extensions: routeContextExtensions(config, req.path),
    },
  } as CheckRequestMessage;
}

describe('introspection + remote scenarios: ext_authz over gRPC', () => {
  let env: IntrospectionEnv;
  let config: CoreConfig;
  let authz: ExtAuthzUnderTest;
  const lines: string[] = [];
  before(async () => {
    env = await startIntrospectionEnv();
    config = await introspectionEnvConfig(env, 'http://127.0.0.1:9');
    authz = await startExtAuthzUnderTest(config, (line) => lines.push(line));
  });
  after(async () => {
    await authz?.stop();
    await stopIntrospectionEnv(env);
  });

  const send = async (req: ScenarioRequest): Promise<Observed> => observeCheckResponse(req, await authz.client.check(checkRequest(config, req)), 'status');

  runScenarioTable('ext_authz', () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
  runIntrospectionBehaviour('ext_authz', () => ({ env, send, logs: () => lines.join('\n') }));
});

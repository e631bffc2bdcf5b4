/**
 * The ext_authz gRPC server: envoy.service.auth.v3.Authorization/Check answered by core through the
 * service host's cached decider, plus grpc.health.v1.Health for Envoy's cluster health checks.
 *
 * Transport security: the server binds with insecure credentials, meant for loopback, a Unix socket
 * (`unix:/run/mcp-authz.sock`) or a pod-local sidecar. Across hosts, terminate TLS (ideally mTLS,
 * so only Envoy may ask) in front of it or run it behind a mesh; the CheckRequest carries bearer
 * tokens.
 */
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { bodyLimit, hasToolRules } from '../core/tool-rules.ts';
import type { AdapterDeps } from '../service/adapter-deps.ts';
import { AUTHORIZATION_SERVICE, loadGrpcProtos } from './protos.ts';
import { InvalidCheckRequest, toCoreRequest, type CheckRequestMessage } from './request.ts';
import { toCheckResponse, type CheckResponseMessage } from './response.ts';

/** A running ext_authz server. */
export interface ExtAuthzServer {
  /** The bound TCP port (0 for a Unix socket). */
  port: number;
  /** Stop accepting calls, let in-flight ones finish briefly, then close. */
  stop(): Promise<void>;
}

/** How long {@link ExtAuthzServer.stop} waits for in-flight checks before cutting them off. */
const DRAIN_MS = 2000;

/**
 * The Check handler. Every path ends in exactly one callback: a CheckResponse for any decision, or
 * a gRPC error status when the service itself failed. Never an OK for a failure: with
 * `failure_mode_allow: false` Envoy turns the error into `status_on_error` (503).
 */
export function checkHandler(deps: AdapterDeps): grpc.handleUnaryCall<CheckRequestMessage, CheckResponseMessage> {
  return (call, callback) => {
    const started = process.hrtime.bigint();
    void (async () => {
      try {
        const { request, endpointId } = toCoreRequest(call.request);
        const { decision, cached } = await deps.decider.decide(request, endpointId ? { endpointId } : undefined);
        const response = toCheckResponse(decision);
        deps.observer.decided('ext_authz', request, decision, Number(process.hrtime.bigint() - started) / 1e9, cached);
        callback(null, response);
      } catch (err) {
        const invalid = err instanceof InvalidCheckRequest;
        // The details reach Envoy's debug log only; keep them free of anything from the request.
        callback({
          code: invalid ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
          details: invalid ? (err as Error).message : 'authorization check failed',
        });
        try {
          deps.observer.failed('ext_authz', err);
        } catch {
          // A broken log sink must not become an unhandled rejection; the answer is already sent.
        }
      }
    })();
  };
}

/** The largest max_body_bytes of an endpoint with tool rules (0 when none reads bodies). */
function largestBodyLimit(deps: AdapterDeps): number {
  return Math.max(0, ...deps.config.endpoints.map((e) => (hasToolRules(e) ? bodyLimit(e) : 0)));
}

function bind(server: grpc.Server, listen: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/**
 * Serve Authorization/Check and Health on `listen` (`127.0.0.1:9001`, `[::1]:9001`, `0.0.0.0:9001`,
 * `unix:/path`; port 0 picks a free one).
 */
export async function startExtAuthzServer(deps: AdapterDeps, listen: string): Promise<ExtAuthzServer> {
  const protos = loadGrpcProtos();
  const server = new grpc.Server({
    // Envoy sends at most with_request_body.max_request_bytes of body (set it to the largest
    // max_body_bytes); 1 MiB more leaves room for headers.
    'grpc.max_receive_message_length': largestBodyLimit(deps) + 1024 * 1024,
  });
  server.addService(protos.authorization.service, { Check: checkHandler(deps) });
  // Both the whole server ('') and the service by name report SERVING, for either form of check.
  const health = new HealthImplementation({ '': 'SERVING', [AUTHORIZATION_SERVICE]: 'SERVING' });
  health.addToServer(server);
  const port = await bind(server, listen);
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        // Watchers (and checks racing the shutdown) see NOT_SERVING, so Envoy stops picking us.
        health.setStatus('', 'NOT_SERVING');
        health.setStatus(AUTHORIZATION_SERVICE, 'NOT_SERVING');
        const timer = setTimeout(() => server.forceShutdown(), DRAIN_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

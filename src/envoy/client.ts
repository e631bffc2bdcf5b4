/**
 * A promise-based client for the ext_authz server, speaking the same protos Envoy does: for tests,
 * self-checks and debugging (`Check` a hand-built request, ask Health).
 */
import * as grpc from '@grpc/grpc-js';
import { loadGrpcProtos } from './protos.ts';
import type { CheckRequestMessage } from './request.ts';

/** A CheckResponse as decoded with the loader options in protos.ts (enum values as names). */
export interface DecodedCheckResponse {
  status?: { code?: number; message?: string };
  http_response?: 'ok_response' | 'denied_response';
  ok_response?: {
    headers?: Array<{ header?: { key?: string; value?: string }; append?: { value?: boolean }; append_action?: string }>;
    headers_to_remove?: string[];
    query_parameters_to_set?: Array<{ key?: string; value?: string }>;
  };
  denied_response?: {
    /** envoy.type.v3.StatusCode by name, e.g. `Unauthorized`. */
    status?: { code?: string };
    headers?: Array<{ header?: { key?: string; value?: string }; append?: { value?: boolean }; append_action?: string }>;
    body?: string;
  };
  /** Struct: `stringValue` in camelCase, as protobufjs's built-in well-known types name it. */
  dynamic_metadata?: { fields?: Record<string, { stringValue?: string }> };
}

/** A connected client. */
export interface ExtAuthzClient {
  /** Authorization/Check; rejects with the gRPC error (`code`, `details`) when the call fails. */
  check(req: CheckRequestMessage, deadlineMs?: number): Promise<DecodedCheckResponse>;
  /** grpc.health.v1.Health/Check for `service` ('' = the whole server); resolves the status name. */
  health(service?: string): Promise<string>;
  close(): void;
}

type Unary = (req: unknown, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

function call<T>(client: grpc.Client, method: string, req: unknown, deadlineMs: number): Promise<T> {
  const fn = (client as unknown as Record<string, Unary>)[method].bind(client);
  return new Promise((resolve, reject) => {
    fn(req, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
  });
}

/** Connect (lazily, as grpc-js does) to `address` (`127.0.0.1:9001`, `unix:/path`) without TLS. */
export function createExtAuthzClient(address: string): ExtAuthzClient {
  const protos = loadGrpcProtos();
  const authz = new protos.authorization(address, grpc.credentials.createInsecure());
  const health = new protos.health(address, grpc.credentials.createInsecure());
  return {
    check: (req, deadlineMs = 5000) => call<DecodedCheckResponse>(authz, 'Check', req, deadlineMs),
    health: async (service = '') => (await call<{ status: string }>(health, 'Check', { service }, 5000)).status,
    close() {
      authz.close();
      health.close();
    },
  };
}

/**
 * The protobuf definitions the ext_authz adapter speaks, loaded at run time from the proto trees
 * npm packages ship, never hand-copied: Envoy's API (envoy-api, googleapis, xds, protoc-gen-validate
 * under `@grpc/grpc-js-xds/deps/`) and the standard gRPC health service (`grpc-health-check`).
 *
 * Loader options, chosen on purpose:
 * - `keepCase: true` — fields keep their proto names (`headers_to_remove`, `context_extensions`), so
 *   the mapping code reads like Envoy's API reference and its YAML.
 * - `defaults: false` — absent fields stay absent, so the adapter can tell `header_map` from
 *   `headers` and an unset `source` from an empty one.
 * - `oneofs: true` — decoded messages name the set member (`http_response: 'ok_response'`).
 * - `enums: String` — enum values decode as names (`OVERWRITE_IF_EXISTS_OR_ADD`), readable in logs
 *   and tests; encoding accepts names or numbers alike.
 * - `longs: String` — int64 fields (`size`) never lose precision; the adapter does not use them.
 * - `bytes: Buffer` — `raw_body` arrives as bytes.
 * google/protobuf/*.proto (Any, Duration, Struct…) are protobufjs's built-in definitions, which
 * keepCase does not reach: Any has `type_url`, but Struct's Value has `stringValue`, `numberValue`….
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const XDS_DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const HEALTH_ROOT = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');

/** Where imports inside the proto files resolve, in order. */
export const PROTO_INCLUDE_DIRS: readonly string[] = [
  join(XDS_DEPS, 'envoy-api'),
  join(XDS_DEPS, 'googleapis'),
  join(XDS_DEPS, 'xds'),
  join(XDS_DEPS, 'protoc-gen-validate'),
  HEALTH_ROOT,
  // google/protobuf/descriptor.proto, imported by the validate and udpa annotations.
  dirname(require.resolve('protobufjs/package.json')),
];

/** envoy.service.auth.v3 (CheckRequest, CheckResponse, service Authorization). */
export const EXTERNAL_AUTH_PROTO = 'envoy/service/auth/v3/external_auth.proto';
/** grpc.health.v1 (service Health). */
export const HEALTH_PROTO = 'health/v1/health.proto';

/** Fully qualified gRPC service names, as Envoy and health checkers address them. */
export const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

const GRPC_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  defaults: false,
  oneofs: true,
  enums: String,
  longs: String,
  bytes: Buffer,
  includeDirs: [...PROTO_INCLUDE_DIRS],
};

/** The loaded packages; grpc-js service constructors hang off this tree by package name. */
export interface GrpcProtos {
  /** `envoy.service.auth.v3.Authorization`: service definition and client constructor. */
  authorization: grpc.ServiceClientConstructor;
  /** `grpc.health.v1.Health`: for health-checking clients (the server side uses grpc-health-check). */
  health: grpc.ServiceClientConstructor;
}

let loaded: GrpcProtos | undefined;

function lookupService(pkg: grpc.GrpcObject, name: string): grpc.ServiceClientConstructor {
  let node: unknown = pkg;
  for (const part of name.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function' || !('service' in node)) throw new Error('gRPC service not found in protos: ' + name);
  return node as grpc.ServiceClientConstructor;
}

/** external_auth.proto v3 and health.proto, loaded once per process with the options above. */
export function loadGrpcProtos(): GrpcProtos {
  if (!loaded) {
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync([EXTERNAL_AUTH_PROTO, HEALTH_PROTO], GRPC_LOADER_OPTIONS));
    loaded = { authorization: lookupService(pkg, AUTHORIZATION_SERVICE), health: lookupService(pkg, HEALTH_SERVICE) };
  }
  return loaded;
}

/**
 * A protobufjs Root over the same proto tree, for decoding Envoy configuration (the Bootstrap and the
 * extension messages its `typed_config` Any fields name). Field names as in the proto files.
 */
export function loadEnvoyRoot(files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('/')) return target;
    for (const dir of PROTO_INCLUDE_DIRS) {
      const full = join(dir, target);
      if (existsSync(full)) return full;
    }
    // protobufjs ships google/protobuf/{any,duration,struct,…} built in and answers them itself.
    return target;
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

/** Proto files for the messages envoy/envoy.yaml uses: the Bootstrap and every typed_config. */
export const ENVOY_CONFIG_PROTOS: readonly string[] = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
];

/**
 * Core decision → Envoy CheckResponse (envoy.service.auth.v3, proto field names).
 *
 * Envoy reads only whether `status.code` is OK: OK continues upstream with `ok_response` applied;
 * anything else is a denial answered locally from `denied_response` (default 403 with an empty body
 * if we sent none, so we always send the full status, headers and body core built). That is also
 * how the proxy answers a resource-metadata request or a preflight that reaches the check: a
 * "denial" with status 200/204 (Envoy's local reply takes any status code).
 */
import type { Allow, Decision, Respond } from '../core/types.ts';

/** google.rpc.Code values used here. */
export const RpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** envoy.config.core.v3.HeaderValueOption, as sent. */
export interface HeaderValueOption {
  header: { key: string; value: string };
  append: { value: boolean };
  append_action: 'OVERWRITE_IF_EXISTS_OR_ADD';
}

/**
 * google.protobuf.Struct with string values only. `stringValue` is camelCase although every other
 * field here keeps its proto name: the well-known types come from protobufjs's built-in
 * definitions, which keepCase does not reach (see protos.ts).
 */
interface StringStruct {
  fields: Record<string, { stringValue: string }>;
}

/** envoy.service.auth.v3.CheckResponse, as sent. */
export interface CheckResponseMessage {
  status: { code: number; message: string };
  ok_response?: { headers: HeaderValueOption[]; headers_to_remove: string[]; query_parameters_to_set?: Array<{ key: string; value: string }> };
  denied_response?: { status: { code: number }; headers: HeaderValueOption[]; body: string };
  dynamic_metadata: StringStruct;
}

/**
 * Replace, never append: a client-sent copy of an identity header must not survive next to ours.
 * `append: false` is what every Envoy v3 release honours (newer ones let it win over
 * `append_action`); `append_action` says the same for readers and for releases that only read it.
 */
function overwrite(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append: { value: false }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/** The gRPC code naming a local answer; Envoy only tests it against OK, logs and traces show it. */
export function rpcCodeFor(httpStatus: number): number {
  if (httpStatus === 401) return RpcCode.UNAUTHENTICATED;
  if (httpStatus === 403) return RpcCode.PERMISSION_DENIED;
  if (httpStatus === 400) return RpcCode.INVALID_ARGUMENT;
  if (httpStatus === 404) return RpcCode.NOT_FOUND;
  if (httpStatus === 405) return RpcCode.UNIMPLEMENTED;
  if (httpStatus === 429) return RpcCode.RESOURCE_EXHAUSTED;
  if (httpStatus === 503) return RpcCode.UNAVAILABLE;
  if (httpStatus >= 500) return RpcCode.INTERNAL;
  // 2xx metadata/preflight answers and anything else: not OK, so Envoy answers locally.
  return RpcCode.PERMISSION_DENIED;
}

function metadata(d: Decision): StringStruct {
  // Lands in Envoy's dynamic metadata under envoy.filters.http.ext_authz, for access logs:
  // %DYNAMIC_METADATA(envoy.filters.http.ext_authz:mcp_authz_reason)%.
  const fields: StringStruct['fields'] = { mcp_authz_reason: { stringValue: d.reason } };
  if (d.endpoint) fields['mcp_authz_endpoint'] = { stringValue: d.endpoint };
  const subject = d.action === 'allow' ? d.principal.subject : d.subject;
  if (subject) fields['mcp_authz_subject'] = { stringValue: subject };
  return { fields };
}

function allowed(d: Allow): CheckResponseMessage {
  const headers = Object.entries(d.setHeaders).map(([name, value]) => overwrite(name.toLowerCase(), value));
  const set = headers.map((h) => h.header.key);
  const response: CheckResponseMessage = {
    status: { code: RpcCode.OK, message: d.reason },
    ok_response: {
      // OkHttpResponse.headers: the identity headers, replacing any client-sent copies.
      headers,
      // OkHttpResponse.headers_to_remove: credentials, trusted-header inputs, our identity names.
      // Envoy applies removals AFTER the headers above (ext_authz.cc onComplete), so a name we set
      // must not be listed or it would delete our own value; overwriting already removed the spoof.
      headers_to_remove: d.removeHeaders.filter((name) => set.indexOf(name) < 0),
    },
    dynamic_metadata: metadata(d),
  };
  // OkHttpResponse.query_parameters_to_set (field 7): an upstream API key in the query; Envoy
  // overwrites a client-sent parameter of the same name.
  if (d.setQuery && response.ok_response) {
    response.ok_response.query_parameters_to_set = Object.entries(d.setQuery).map(([key, value]) => ({ key, value }));
  }
  return response;
}

function denied(d: Respond): CheckResponseMessage {
  return {
    status: { code: rpcCodeFor(d.status), message: d.reason },
    denied_response: {
      // DeniedHttpResponse.status (envoy.type.v3.HttpStatus): always set, Envoy's default is 403.
      status: { code: d.status },
      // DeniedHttpResponse.headers: WWW-Authenticate, Content-Type, Cache-Control, CORS…; Envoy
      // removes same-named headers from its local reply first, so its text/plain default is replaced.
      headers: Object.entries(d.headers).map(([name, value]) => overwrite(name, value)),
      body: d.body,
    },
    dynamic_metadata: metadata(d),
  };
}

/** The CheckResponse for a decision. */
export function toCheckResponse(d: Decision): CheckResponseMessage {
  return d.action === 'allow' ? allowed(d) : denied(d);
}

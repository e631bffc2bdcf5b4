/**
 * Decision → CheckResponse. Each built message is also pushed through the real
 * envoy.service.auth.v3.CheckResponse type and back: protobufjs's fromObject drops a misspelt
 * field silently on the wire, so the round trip is what proves every field lands.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXTERNAL_AUTH_PROTO, loadEnvoyRoot } from '../../src/envoy/protos.ts';
import { RpcCode, rpcCodeFor, toCheckResponse, type CheckResponseMessage } from '../../src/envoy/response.ts';
import type { Allow, Respond } from '../../src/core/types.ts';

const root = loadEnvoyRoot([EXTERNAL_AUTH_PROTO]);
const CheckResponse = root.lookupType('envoy.service.auth.v3.CheckResponse');

function roundTrip(msg: CheckResponseMessage): unknown {
  const m = CheckResponse.fromObject(msg);
  assert.equal(CheckResponse.verify(m), null);
  return CheckResponse.toObject(CheckResponse.decode(CheckResponse.encode(m).finish()), { enums: String, longs: Number });
}

const allow: Allow = {
  action: 'allow',
  endpoint: 'mcp',
  principal: { subject: 'alice', groups: [], scopes: ['mcp:tools'], strategy: 'jwt' },
  setHeaders: { 'X-MCP-Subject': 'alice', 'X-MCP-Scopes': 'mcp:tools' },
  removeHeaders: ['x-mcp-subject', 'x-mcp-email', 'x-mcp-groups', 'x-mcp-scopes', 'authorization'],
  reason: 'ok',
  cacheTtl: 60,
};

const deny: Respond = {
  action: 'respond',
  endpoint: 'mcp',
  status: 401,
  headers: { 'WWW-Authenticate': 'Bearer resource_metadata="https://x/.well-known/oauth-protected-resource/mcp"', 'Content-Type': 'application/json' },
  body: '{"error":"unauthorized"}',
  reason: 'missing_credentials',
};

describe('envoy response mapping', () => {
  it('allow → OK, identity headers overwritten, credentials removed', () => {
    const r = toCheckResponse(allow);
    assert.equal(r.status.code, RpcCode.OK);
    assert.deepEqual(r.ok_response?.headers.map((h) => [h.header.key, h.header.value, h.append.value, h.append_action]), [
      ['x-mcp-subject', 'alice', false, 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-mcp-scopes', 'mcp:tools', false, 'OVERWRITE_IF_EXISTS_OR_ADD'],
    ]);
    // Envoy removes after it sets: names we set are not listed, or our own values would go.
    assert.deepEqual(r.ok_response?.headers_to_remove, ['x-mcp-email', 'x-mcp-groups', 'authorization']);
    assert.equal(r.denied_response, undefined);
  });

  it('deny → non-OK status and a full denied_response', () => {
    const r = toCheckResponse(deny);
    assert.equal(r.status.code, RpcCode.UNAUTHENTICATED);
    assert.equal(r.denied_response?.status.code, 401);
    assert.deepEqual(r.denied_response?.headers.map((h) => [h.header.key, h.header.value]), Object.entries(deny.headers));
    assert.equal(r.denied_response?.body, deny.body);
    assert.equal(r.ok_response, undefined);
  });

  it('every HTTP status maps to a non-OK gRPC code, so Envoy never lets a local answer through', () => {
    for (const s of [200, 204, 301, 400, 401, 403, 404, 405, 429, 500, 503]) assert.notEqual(rpcCodeFor(s), RpcCode.OK, String(s));
    assert.equal(rpcCodeFor(403), RpcCode.PERMISSION_DENIED);
    assert.equal(rpcCodeFor(503), RpcCode.UNAVAILABLE);
  });

  it('dynamic_metadata carries reason, endpoint and subject for access logs', () => {
    assert.deepEqual(toCheckResponse(allow).dynamic_metadata.fields, {
      mcp_authz_reason: { stringValue: 'ok' },
      mcp_authz_endpoint: { stringValue: 'mcp' },
      mcp_authz_subject: { stringValue: 'alice' },
    });
  });

  it('both shapes survive encoding with the real CheckResponse type, field for field', () => {
    const a = roundTrip(toCheckResponse(allow)) as Record<string, any>;
    assert.deepEqual(a.ok_response.headers_to_remove, ['x-mcp-email', 'x-mcp-groups', 'authorization']);
    assert.deepEqual(a.ok_response.headers[0], { header: { key: 'x-mcp-subject', value: 'alice' }, append: { value: false }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
    assert.equal(a.dynamic_metadata.fields.mcp_authz_subject.stringValue, 'alice');
    const d = roundTrip(toCheckResponse(deny)) as Record<string, any>;
    assert.deepEqual(d.status, { code: RpcCode.UNAUTHENTICATED, message: 'missing_credentials' });
    assert.equal(d.denied_response.status.code, 'Unauthorized');
    assert.equal(d.denied_response.body, deny.body);
    assert.equal(d.denied_response.headers.length, 2);
  });

  it('a 204 preflight answer and a 200 metadata document are valid envoy.type.v3.StatusCode values', () => {
    for (const status of [200, 204]) {
      const d = roundTrip(toCheckResponse({ ...deny, status, headers: {}, body: '' })) as Record<string, any>;
      assert.equal(d.denied_response.status.code, status === 200 ? 'OK' : 'NoContent');
    }
  });
});

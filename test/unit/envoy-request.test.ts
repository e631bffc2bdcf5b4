/** CheckRequest → core request: one field of Envoy's AttributeContext at a time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidCheckRequest, normalisePath, toCoreRequest, type CheckRequestMessage } from '../../src/envoy/request.ts';

type Http = NonNullable<NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http']>;

function check(http: Http, extra: Partial<NonNullable<CheckRequestMessage['attributes']>> = {}): CheckRequestMessage {
  return { attributes: Object.assign({ request: { http } }, extra) };
}

describe('envoy request mapping', () => {
  it('method, host, scheme, request id; the query split off attributes.request.http.path', () => {
    const { request } = toCoreRequest(check({ id: '42', method: 'post', path: '/mcp?session=1&x=2', host: 'mcp.example.test', scheme: 'https', headers: {} }));
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/mcp');
    assert.equal(request.query, 'session=1&x=2');
    assert.equal(request.host, 'mcp.example.test');
    assert.equal(request.scheme, 'https');
    assert.equal(request.requestId, '42');
  });

  it('x-request-id (what Envoy logs) wins over the stream id', () => {
    const { request } = toCoreRequest(check({ id: '42', method: 'GET', path: '/mcp', headers: { 'x-request-id': 'abc' } }));
    assert.equal(request.requestId, 'abc');
  });

  it('headers: pseudo-headers dropped, names lower-cased', () => {
    const { request } = toCoreRequest(check({ method: 'GET', path: '/mcp', headers: { ':authority': 'h', ':path': '/mcp', authorization: 'Bearer t', 'X-Api-Key': 'k' } }));
    assert.deepEqual(request.headers, { authorization: 'Bearer t', 'x-api-key': 'k' });
  });

  it('header_map (encode_raw_headers) with raw_value bytes and repeated names', () => {
    const enc = new TextEncoder();
    const { request } = toCoreRequest(check({
      method: 'GET',
      path: '/mcp',
      header_map: { headers: [{ key: ':path', raw_value: enc.encode('/mcp') }, { key: 'Authorization', raw_value: enc.encode('Bearer t') }, { key: 'accept', value: 'a' }, { key: 'accept', value: 'b' }] },
    }));
    assert.deepEqual(request.headers, { authorization: 'Bearer t', accept: 'a, b' });
  });

  it('client IP is attributes.source.address.socket_address.address, never X-Forwarded-For', () => {
    const { request } = toCoreRequest(check({ method: 'GET', path: '/mcp', headers: { 'x-forwarded-for': '10.9.9.9' } }, { source: { address: { socket_address: { address: '192.0.2.7' } } } }));
    assert.equal(request.clientIp, '192.0.2.7');
  });

  it('the endpoint is pinned by context_extensions.mcp_authz_endpoint, else left to path matching', () => {
    assert.equal(toCoreRequest(check({ method: 'GET', path: '/anything', headers: {} }, { context_extensions: { mcp_authz_endpoint: 'keys-mcp' } })).endpointId, 'keys-mcp');
    assert.equal(toCoreRequest(check({ method: 'GET', path: '/mcp', headers: {} }, { context_extensions: { other: 'x' } })).endpointId, undefined);
  });

  it('with_request_body: body as text, or raw_body bytes (pack_as_bytes)', () => {
    assert.equal(toCoreRequest(check({ method: 'POST', path: '/mcp', headers: {}, body: '{"a":1}' })).body, '{"a":1}');
    assert.equal(toCoreRequest(check({ method: 'POST', path: '/mcp', headers: {}, raw_body: new TextEncoder().encode('{"b":2}') })).body, '{"b":2}');
    assert.equal(toCoreRequest(check({ method: 'GET', path: '/mcp', headers: {} })).body, undefined);
  });

  it('a CheckRequest without HTTP attributes is refused', () => {
    assert.throws(() => toCoreRequest({}), InvalidCheckRequest);
    assert.throws(() => toCoreRequest({ attributes: { request: {} } }), InvalidCheckRequest);
  });

  it('paths are normalised like nginx $uri', () => {
    assert.equal(normalisePath('/mcp'), '/mcp');
    assert.equal(normalisePath('//mcp/./x/../'), '/mcp/');
    assert.equal(normalisePath('/keys/mcp/../../mcp'), '/mcp');
    assert.equal(normalisePath('/a%2F..%2Fmcp'), '/mcp');
    assert.equal(normalisePath('/mc%70'), '/mcp');
    assert.equal(normalisePath('/../../'), '/');
    assert.equal(normalisePath('/bad%zz'), '/bad%zz');
  });
});

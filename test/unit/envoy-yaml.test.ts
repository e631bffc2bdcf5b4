/**
 * envoy/envoy.yaml is a valid Envoy v3 Bootstrap, checked the way Envoy loads it (Envoy itself is
 * not installable here): decoded against the real protos, every `typed_config` resolved to its
 * message type, unknown fields, enum names and validate rules rejected. Then the settings the
 * adapter's safety depends on are asserted on the decoded (encoded and re-decoded) message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { deriveEndpointId } from '../../src/config/path-rules.ts';
import { decodeProtoJson } from '../../src/envoy/proto-json.ts';
import { ENVOY_CONFIG_PROTOS, loadEnvoyRoot } from '../../src/envoy/protos.ts';
import { ENDPOINT_EXTENSION } from '../../src/envoy/request.ts';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const root = loadEnvoyRoot(ENVOY_CONFIG_PROTOS);
const yamlText = readFileSync(new URL('../../envoy/envoy.yaml', import.meta.url), 'utf8');
const raw = (): any => parse(yamlText);

type Obj = Record<string, any>;

/** The Bootstrap after encode → decode, Any fields expanded back to `@type` objects. */
function decoded(): Obj {
  const r = decodeProtoJson(root, BOOTSTRAP, raw());
  assert.deepEqual(r.errors, []);
  assert.ok(r.message);
  return root.lookupType(BOOTSTRAP).toObject(r.message, { json: true, enums: String, longs: String }) as Obj;
}

function errorsFor(mutate: (cfg: Obj) => void): string[] {
  const cfg = raw();
  mutate(cfg);
  return decodeProtoJson(root, BOOTSTRAP, cfg).errors;
}

const hcmOf = (cfg: Obj): Obj => cfg.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const extAuthzOf = (cfg: Obj): Obj => hcmOf(cfg).http_filters.find((f: Obj) => f.name === 'envoy.filters.http.ext_authz').typed_config;
const routesOf = (cfg: Obj): Obj[] => hcmOf(cfg).route_config.virtual_hosts[0].routes;
const seconds = (d: Obj | undefined): number => Number(d?.seconds ?? 0) + Number(d?.nanos ?? 0) / 1e9;

describe('envoy/envoy.yaml decodes as envoy.config.bootstrap.v3.Bootstrap', () => {
  const cfg = decoded();
  const hcm = hcmOf(cfg);
  const extAuthz = extAuthzOf(cfg);
  const routes = routesOf(cfg);
  const cluster = (name: string): Obj => cfg.static_resources.clusters.find((c: Obj) => c.name === name);

  it('every typed_config resolved to its message type', () => {
    assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    assert.equal(extAuthz['@type'], 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz');
  });

  it('filter order: CORS, then ext_authz, then the router', () => {
    assert.deepEqual(hcm.http_filters.map((f: Obj) => f.name), ['envoy.filters.http.cors', 'envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
    assert.deepEqual(hcm.http_filters.map((f: Obj) => f.typed_config['@type'].split('/')[1]), [
      'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      'envoy.extensions.filters.http.router.v3.Router',
    ]);
  });

  it('ext_authz: gRPC v3 to mcp_authz, 250 ms, fail closed with 503, body sent, no peer cert', () => {
    assert.equal(extAuthz.transport_api_version, 'V3');
    assert.equal(extAuthz.grpc_service.envoy_grpc.cluster_name, 'mcp_authz');
    assert.equal(seconds(extAuthz.grpc_service.timeout), 0.25);
    // Said explicitly (it is also the default), so nobody has to know the default.
    assert.equal(extAuthz.failure_mode_allow, false);
    assert.equal(extAuthz.status_on_error.code, 'ServiceUnavailable');
    assert.equal(root.lookupEnum('envoy.type.v3.StatusCode').values[extAuthz.status_on_error.code], 503);
    // Per-tool rules: the whole body up to max_body_bytes' default, never a cut one.
    assert.equal(extAuthz.with_request_body.max_request_bytes, 1048576);
    assert.equal(extAuthz.with_request_body.allow_partial_message, false);
    assert.ok(!extAuthz.include_peer_certificate);
  });

  it('the gRPC cluster speaks HTTP/2 and is health-checked over grpc.health.v1', () => {
    const c = cluster('mcp_authz');
    const opts = c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    assert.ok(opts.explicit_http_config.http2_protocol_options);
    assert.equal(c.health_checks[0].grpc_health_check.service_name, 'envoy.service.auth.v3.Authorization');
  });

  it('Authorization Server routes go to the companion with ext_authz disabled', () => {
    for (const path of ['/.well-known/', '/authorize', '/token', '/register', '/jwks', '/consent', '/callback']) {
      const r = routes.find((x) => (x.match.prefix ?? x.match.path_separated_prefix) === path);
      assert.ok(r, 'route for ' + path);
      assert.equal(r.route.cluster, 'mcp_authz_companion', path);
      assert.equal(r.typed_per_filter_config['envoy.filters.http.ext_authz'].disabled, true, path);
    }
  });

  it('protected resource metadata is answered by the check (filter on), before the /.well-known/ catch-all', () => {
    const i = routes.findIndex((r) => r.match.prefix === '/.well-known/oauth-protected-resource');
    assert.ok(i >= 0 && i < routes.findIndex((r) => r.match.prefix === '/.well-known/'));
    assert.equal(routes[i].typed_per_filter_config['envoy.filters.http.ext_authz'], undefined);
  });

  it('/mcp pins its endpoint and keeps SSE streams open', () => {
    const r = routes.find((x) => x.match.path_separated_prefix === '/mcp');
    assert.ok(r);
    assert.equal(r.route.cluster, 'mcp_upstream');
    assert.equal(r.typed_per_filter_config['envoy.filters.http.ext_authz'].check_settings.context_extensions[ENDPOINT_EXTENSION], deriveEndpointId('/mcp'));
    assert.equal(seconds(r.route.timeout), 0);
    assert.ok(r.route.timeout, 'timeout 0s is set explicitly (the default is 15 s)');
    assert.ok(seconds(r.route.idle_timeout) >= 3600);
    assert.match(r.typed_per_filter_config['envoy.filters.http.cors'].expose_headers, /WWW-Authenticate/);
  });

  it('every route that reaches the MCP upstream is checked and pinned', () => {
    for (const r of routes.filter((x) => x.route?.cluster === 'mcp_upstream')) {
      const per = r.typed_per_filter_config?.['envoy.filters.http.ext_authz'];
      assert.ok(per && !per.disabled && per.check_settings.context_extensions[ENDPOINT_EXTENSION], JSON.stringify(r.match));
    }
  });

  it('paths are normalised before routing', () => {
    assert.deepEqual(hcm.normalize_path, { value: true });
    assert.equal(hcm.merge_slashes, true);
    assert.equal(hcm.path_with_escaped_slashes_action, 'UNESCAPE_AND_REDIRECT');
  });
});

describe('the decoder rejects what Envoy would reject', () => {
  const cases: Array<[string, (cfg: Obj) => void, RegExp]> = [
    ['a misspelt ext_authz field', (c) => { extAuthzOf(c).failure_mode_alow = false; }, /failure_mode_alow: unknown field in envoy\.extensions\.filters\.http\.ext_authz\.v3\.ExtAuthz/],
    ['a misspelt enum value', (c) => { extAuthzOf(c).status_on_error.code = 'ServiceUnavailible'; }, /unknown envoy\.type\.v3\.StatusCode value/],
    ['a duration without unit', (c) => { extAuthzOf(c).grpc_service.timeout = '250ms'; }, /expected a duration/],
    ['an unknown @type', (c) => { extAuthzOf(c)['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuth'; }, /unknown message type/],
    ['a misspelt per-route field', (c) => { routesOf(c)[1].typed_per_filter_config['envoy.filters.http.ext_authz'].disable = true; }, /disable: unknown field in .*ExtAuthzPerRoute/],
    ['a route without a match', (c) => { delete routesOf(c)[0].match; }, /match: is required/],
    ['two path specifiers', (c) => { routesOf(c)[0].match.path = '/x'; }, /oneof path_specifier already set/],
    ['a zero body limit', (c) => { extAuthzOf(c).with_request_body.max_request_bytes = 0; }, /max_request_bytes: must be > 0/],
    ['a string where a number goes', (c) => { c.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 'http'; }, /port_value: expected an integer/],
    ['a misspelt HCM field', (c) => { hcmOf(c).stream_idle_timout = '1s'; }, /stream_idle_timout: unknown field/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => {
      const errors = errorsFor(mutate);
      assert.ok(errors.some((e) => expected.test(e)), errors.join('\n') || 'no error');
    });
  }
});

/**
 * The generated nginx conf for per-tool rules (tool gate + named upstream location) and the header
 * allow-list (src/nginx/render-request-rules.ts wired into render-conf.ts). Real nginx runs these
 * in test/integration/nginx-tool-rules*.test.ts; here: the exact directives and what must not leak.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { buildBundles } from '../../src/nginx/build-bundle.ts';
import { NGINX_TIMING, renderConf } from '../../src/nginx/render-conf.ts';
import { toolGates } from '../../src/nginx/tool-gates.ts';

const KEY = 'ak_live_0123456789abcdef';

function config(upstream = 'http://127.0.0.1:3000'): CoreConfig {
  const r = parseConfig(`
endpoints:
  - path: /tools/mcp
    resource: https://mcp.example.test/tools/mcp
    upstream: ${upstream}
    strategies:
      - { type: apikey, keys: [{ key: "${KEY}", subject: bot }] }
    tools: [{ match: "delete_*", scopes: [admin] }]
    max_body_bytes: 65536
  - path: /headers/mcp
    resource: https://mcp.example.test/headers/mcp
    upstream: http://127.0.0.1:3001
    strategies: [{ type: none }]
    pass_headers: [X-Trace-Id]
  - path: /auth/mcp
    resource: https://mcp.example.test/auth/mcp
    upstream: http://127.0.0.1:3002
    pass_authorization: true
    strategies: [{ type: none }]
    pass_headers: []
`, {}, 'conf test');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return toCoreConfig(r.config);
}

function files(upstream?: string): Record<string, string> {
  return renderConf(config(upstream), Object.assign({}, NGINX_TIMING, { dir: '/etc/nginx/mcp-authz', checkSocket: '/run/c.sock', cachePath: '/var/cache/m', logPath: '/var/log/m.log', checkKey: 'a'.repeat(32) }));
}

describe('nginx conf: per-tool rules', () => {
  const f = files();
  const location = f['endpoint-tools-mcp.conf'];
  const upstream = f['endpoint-tools-mcp-upstream.conf'];

  it('the endpoint location keeps auth_request, reads the body into one buffer and ends in the tool gate', () => {
    assert.match(location, /^auth_request \/_mcp_authz\/check\/tools-mcp;$/m);
    assert.match(location, /^auth_request_set \$mcp_authz_principal \$upstream_http_x_mcp_authz_principal;/m);
    assert.match(location, /^client_max_body_size 65536;$/m);
    assert.match(location, /^client_body_buffer_size 65536;$/m);
    assert.match(location, /^error_page 413 = @mcp_authz_too_large;$/m);
    assert.match(location, /^js_import mcp_authz_tools from mcp-authz-tools\.js;$/m);
    assert.match(location, /^js_content mcp_authz_tools\.toolGate;$/m);
    assert.doesNotMatch(location, /proxy_pass/);
  });

  it('the tools bundle carries each gated endpoint\'s rules, but no strategy and no secret', async () => {
    assert.ok(!Object.values(f).some((text) => text.includes(KEY)), 'the API key is in no conf file');
    assert.doesNotMatch(location, /mcp_authz_tool_gate/, 'rules are not written into the conf (4 KiB token limit)');
    const bundles = await buildBundles(config(), { jwksMaxAge: 3900 });
    assert.ok(!bundles.tools.includes(KEY), 'the API key is not in the tools bundle');
    assert.ok(bundles.check.includes(KEY), 'it is in the check bundle (the control: the key string is searchable)');
    const gates = toolGates(config());
    assert.deepEqual(Object.keys(gates), ['tools-mcp']);
    assert.equal(gates['tools-mcp'].upstream, '@mcp_authz_up_tools_mcp');
    assert.deepEqual(gates['tools-mcp'].config.endpoints[0].tools, [{ match: 'delete_*', scopes: ['admin'], groups: [] }]);
    assert.deepEqual(gates['tools-mcp'].config.endpoints[0].strategies, []);
    assert.deepEqual(gates['tools-mcp'].config.cors.allowed_origins, [], 'CORS comes from add_header, never twice');
    assert.ok(bundles.tools.includes('"delete_*"'), 'the rules are in the bundle');
  });

  it('the named upstream location proxies without a URI, unbuffered, with identity and CORS, and logs', () => {
    const named = /^location @mcp_authz_up_tools_mcp \{\n([^}]*)\n\}$/m.exec(f['server.conf']);
    assert.ok(named, 'server.conf has the named upstream location');
    assert.match(named[1], /^ {4}include \/etc\/nginx\/mcp-authz\/endpoint-tools-mcp-upstream\.conf;$/m);
    assert.match(named[1], /^ {4}access_log /m);
    assert.match(f['server.conf'], /^location @mcp_authz_too_large \{$/m);
    assert.match(upstream, /^proxy_pass http:\/\/mcp_authz_up_tools_mcp;$/m);
    assert.match(upstream, /^proxy_buffering off;$/m);
    assert.match(upstream, /^proxy_set_header X-MCP-Subject \$mcp_authz_subject;$/m);
    assert.match(upstream, /^proxy_set_header x-api-key "";$/m);
    assert.match(upstream, /^add_header Access-Control-Allow-Origin \$mcp_authz_cors_origin always;$/m);
    assert.doesNotMatch(upstream, /auth_request/);
  });

  it('an upstream with a path prefix is reached by a rewrite (a named location cannot carry a URI)', () => {
    const generated = files('http://127.0.0.1:3000/base/');
    assert.match(generated['server.conf'], /^ {4}rewrite \^\/tools\/mcp\$ \/base\/ break;$/m);
    assert.match(generated['server.conf'], /^ {4}rewrite \^\/tools\/mcp\/\(\.\*\)\$ \/base\/\$1 break;$/m);
    assert.match(generated['endpoint-tools-mcp-upstream.conf'], /^proxy_pass http:\/\/mcp_authz_up_tools_mcp;$/m);
  });

  it('endpoints without tool rules are proxied in place, as before', () => {
    assert.equal(f['endpoint-headers-mcp-upstream.conf'], undefined);
    assert.match(f['endpoint-headers-mcp.conf'], /^proxy_pass http:\/\/mcp_authz_up_headers_mcp;$/m);
    assert.doesNotMatch(f['endpoint-headers-mcp.conf'], /js_content|client_body_buffer_size/);
  });
});

describe('nginx conf: header allow-list', () => {
  const f = files();
  it('turns off passing request headers and sets each allowed one from the client', () => {
    const conf = f['endpoint-headers-mcp.conf'];
    assert.match(conf, /^proxy_pass_request_headers off;$/m);
    for (const line of ['Content-Type $http_content_type', 'Accept $http_accept', 'Mcp-Session-Id $http_mcp_session_id', 'Mcp-Protocol-Version $http_mcp_protocol_version', 'Last-Event-Id $http_last_event_id', 'Origin $http_origin', 'X-Trace-Id $http_x_trace_id', 'X-Request-Id $http_x_request_id']) {
      assert.ok(conf.includes(`proxy_set_header ${line};`), line);
    }
    assert.doesNotMatch(conf, /\$http_authorization/);
    // Host and X-Forwarded-* stay the proxy's own values.
    assert.doesNotMatch(conf, /\$http_host|\$http_x_forwarded/);
  });
  it('Authorization is passed only with pass_authorization', () => {
    assert.ok(f['endpoint-auth-mcp.conf'].includes('proxy_set_header Authorization $http_authorization;'));
  });
  it('no allow-list, no directive', () => {
    assert.doesNotMatch(f['endpoint-tools-mcp-upstream.conf'], /proxy_pass_request_headers/);
  });
});

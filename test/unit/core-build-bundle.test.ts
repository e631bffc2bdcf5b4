import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBundles, type Bundles } from '../../src/nginx/build-bundle.ts';
import { confValue, NGINX_TIMING, renderConf, type NginxOptions } from '../../src/nginx/render-conf.ts';
import type { CoreConfig, EndpointConfig, Strategy } from '../../src/core/config-types.ts';

const JWT: Strategy = {
  type: 'jwt', issuer: 'https://issuer.example', jwks_uri: 'https://issuer.example/jwks', audience: ['https://mcp.example/mcp'],
  algorithms: ['RS256', 'ES256'], clock_skew: 60, required_claims: ['exp'], max_token_age: 0, typ: null, cache_ttl: 300,
};

function endpoint(over: Partial<EndpointConfig> = {}): EndpointConfig {
  return {
    id: 'main', path: '/mcp', resource: 'https://mcp.example/mcp', upstream: 'http://127.0.0.1:8080', authorization_servers: ['https://issuer.example'],
    scopes_supported: ['mcp:tools'], resource_name: 'Test MCP', strategies: [JWT], pass_authorization: false,
    policy: { required_scopes: [], allowed_subjects: [], allowed_emails: [], allowed_groups: [], require_email_verified: false },
    claims: { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope', 'scp'] },
    ...over,
  };
}

function config(endpoints: EndpointConfig[] = [endpoint()]): CoreConfig {
  return {
    endpoints,
    identity_headers: { subject: 'X-Auth-Subject', email: 'X-Auth-Email', groups: 'X-Auth-Groups', scopes: 'X-Auth-Scopes' },
    cors: { allowed_origins: ['*'], max_age: 600 },
    max_token_length: 4096,
  };
}

const OPTS: NginxOptions = {
  ...NGINX_TIMING, dir: '/etc/nginx/mcp-authz', checkSocket: '/run/mcp-authz.sock', cachePath: '/var/cache/nginx/mcp-authz', logPath: '/var/log/nginx/mcp-authz.log', checkKey: 'a'.repeat(32),
};

describe('buildBundles', () => {
  let bundles: Bundles;
  let code: string;
  before(async () => {
    bundles = await buildBundles(config(), { jwksMaxAge: 3900 });
    code = bundles.check;
  });

  test('each bundle ends with `export default <name>;` and has no `export {…}`', () => {
    for (const b of [bundles.check, bundles.edge, bundles.tools]) {
      assert.match(b, /\nexport default [\w$]+;\n$/);
      assert.doesNotMatch(b, /export\s*\{/);
      assert.equal(b.match(/\bexport\b/g)?.length, 1);
    }
  });

  test('contains no syntax or APIs njs 0.7.9 lacks', () => {
    for (const b of [bundles.check, bundles.edge, bundles.tools]) {
      assert.doesNotMatch(b, /\bfor\s*\([^)]*\bof\b/);
      assert.doesNotMatch(b, /\bclass\s+[\w$]+/);
      assert.doesNotMatch(b, /function\s*\*/);
      assert.doesNotMatch(b, /\bnew\s+(?:Map|Set|WeakMap|WeakSet)\s*\(/);
      assert.doesNotMatch(b, /\?\.\w/);
      assert.doesNotMatch(b, /\.\.\.[\w$[{(]/);
    }
  });

  test('the check bundle embeds the configuration', () => {
    assert.ok(code.includes('https://issuer.example/jwks'));
    assert.ok(code.includes('3900'));
    // The define placeholders are replaced (only esbuild's `// <define:…>` comment names them).
    const withoutComments = code.replace(/^\s*\/\/.*$/gm, '');
    assert.doesNotMatch(withoutComments, /\bMCP_AUTHZ_(CONFIG|JWKS_MAX_AGE)\b/);
  });

  test('the edge bundle stays tiny: no core decision code, no configuration', () => {
    // njs 0.7.9 clones a request's VM with everything imported: this runs on every request.
    assert.ok(bundles.edge.length < 4000, `edge bundle is ${bundles.edge.length} bytes`);
    assert.ok(!bundles.edge.includes('https://issuer.example'), 'configuration in the edge bundle');
    assert.ok(!bundles.edge.includes('insufficient_scope'), 'decision code in the edge bundle');
  });

  test('the tools bundle carries the tool gate and no configuration', () => {
    assert.match(bundles.tools, /export default [\w$]+;\n$/);
    assert.ok(bundles.tools.includes('tools/call'), 'the tool policy is in it');
    assert.ok(!bundles.tools.includes('https://issuer.example'), 'configuration in the tools bundle');
  });

  test('a configuration value that reads like banned syntax does not fail the build',
    async () => {
      const c = config([endpoint({ resource_name: 'World class MCP' })]);
      const out = await buildBundles(c, { jwksMaxAge: 3900 });
      assert.match(out.check, /export default [\w$]+;\n$/);
    });
});

describe('render-conf value guard', () => {
  test('confValue passes safe values through', () => {
    for (const v of ['https://issuer.example/jwks', '/api/v1', '127.0.0.1:8080', 'a-b_c.d~e:f/g?h=i&j']) {
      assert.equal(confValue(v, 'x'), v);
    }
  });

  test('confValue refuses quotes, `;`, `$`, braces, `#`, backslash and whitespace, naming the field', () => {
    for (const v of ['a"b', "a'b", 'a;b', 'a$b', '$host', 'a b', 'a\tb', 'a\nb', 'a\rb', 'a{b', 'a}b', 'a#b', 'a\\b']) {
      assert.throws(() => confValue(v, 'jwks_uri'), /jwks_uri cannot be used in nginx\.conf/, JSON.stringify(v));
    }
  });

  test('renderConf produces every file for a valid configuration', () => {
    const files = renderConf(config(), OPTS);
    assert.deepEqual(Object.keys(files).sort(), ['check-key.conf', 'endpoint-main.conf', 'http.conf', 'main.conf', 'server.conf']);
    assert.ok(files['http.conf'].includes('proxy_pass https://issuer.example/jwks;'));
  });

  test('renderConf refuses an injecting jwks_uri', () => {
    for (const bad of ['https://i.example/jwks;return 200', 'https://i.example/$host', 'https://i.example/"x', 'https://i.example/a b']) {
      const c = config([endpoint({ strategies: [{ ...JWT, jwks_uri: bad } as Strategy] })]);
      assert.throws(() => renderConf(c, OPTS), /jwks_uri cannot be used/, bad);
    }
  });

  test('renderConf refuses an injecting upstream path or host', () => {
    assert.throws(() => renderConf(config([endpoint({ upstream: 'http://127.0.0.1:8080/a;b' })]), OPTS), /cannot be used/);
    assert.throws(() => renderConf(config([endpoint({ upstream: 'http://127.0.0.1:8080/$uri' })]), OPTS), /cannot be used/);
    assert.throws(() => renderConf(config([endpoint({ upstream: 'http://a"b:8080/' })]), OPTS), /cannot be used/);
  });

  test('renderConf refuses an injecting CORS origin', () => {
    const c = config();
    c.cors.allowed_origins = ['https://a.example";add_header X 1;"'];
    assert.throws(() => renderConf(c, OPTS), /cors origin cannot be used/);
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AppConfig } from '../../src/config/app-config.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { errorLines, oneEndpointYaml as oneEndpoint, validConfig as ok } from '../support/config-results.ts';
import { withTempConfigFile } from '../support/temp-config-file.ts';

const KEY = 'k'.repeat(20);

describe('parseConfig: defaults and derivations', () => {
  it('expands a minimal file into the full effective config', () => {
    const config = ok(
      parseConfig(
        `endpoints:
  - path: /github/mcp
    resource: https://mcp.example.com/github/mcp/
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://auth.example.com/]
    policy: { required_scopes: [mcp:read, mcp:write, mcp:read] }
    strategies:
      - type: jwt
        issuer: https://auth.example.com/
        jwks_uri: https://auth.example.com/jwks
      - type: apikey
        keys: [{ key: "\${API_KEY}", subject: ci-bot }]
`,
        { API_KEY: KEY },
      ),
    );
    const expected: AppConfig = {
      identity_headers: { subject: 'X-MCP-Subject', email: 'X-MCP-Email', groups: 'X-MCP-Groups', scopes: 'X-MCP-Scopes' },
      cors: { allowed_origins: ['*'], max_age: 600 },
      max_token_length: 8192,
      nginx: {
        check_socket: '/run/mcp-authz.sock',
        cache_path: '/var/cache/nginx/mcp-authz',
        log_path: '/var/log/nginx/mcp-authz.log',
      },
      serve: {
        forward_auth: { listen: '127.0.0.1:9100', trusted_proxies: ['127.0.0.1/32', '::1/128'] },
        ext_authz: { listen: '127.0.0.1:9101' },
        admin: { listen: '127.0.0.1:9102' },
        companion: { listen: '127.0.0.1:9080' },
      },
      authorization_server: null,
      rate_limits: { redis_url: null, key_prefix: 'mcp-authz:rl:', redis_timeout_ms: 100 },
      endpoints: [
        {
          id: 'github-mcp',
          path: '/github/mcp',
          resource: 'https://mcp.example.com/github/mcp',
          upstream: 'http://127.0.0.1:3000',
          authorization_servers: ['https://auth.example.com/'],
          scopes_supported: ['mcp:read', 'mcp:write'],
          resource_name: null,
          pass_authorization: false,
          strategies: [
            {
              type: 'jwt',
              issuer: 'https://auth.example.com/',
              jwks_uri: 'https://auth.example.com/jwks',
              discovery_url: null,
              audience: ['https://mcp.example.com/github/mcp'],
              algorithms: ['RS256', 'ES256'],
              clock_skew: 60,
              required_claims: ['exp'],
              max_token_age: 0,
              typ: null,
              cache_ttl: 300,
            },
            { type: 'apikey', header: 'x-api-key', keys: [{ key: KEY, subject: 'ci-bot', scopes: [], groups: [] }] },
          ],
          policy: {
            required_scopes: ['mcp:read', 'mcp:write', 'mcp:read'],
            allowed_subjects: [],
            allowed_emails: [],
            allowed_groups: [],
            require_email_verified: false,
          },
          claims: { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope', 'scp'] },
          rate_limit: null,
        },
      ],
    };
    assert.deepEqual(config, expected);
  });

  it('keeps explicit values and normalises them', () => {
    const config = ok(
      parseConfig(
        `identity_headers: { subject: X-User, email: X-Mail, groups: X-Teams, scopes: X-Perms }
cors: { allowed_origins: ["https://Claude.AI:443", "http://localhost:6274"], max_age: 60 }
max_token_length: 4096
nginx: { check_socket: /tmp/c.sock, cache_path: /tmp/cache, log_path: /tmp/a.log }
endpoints:
  - id: main
    path: /
    resource: http://localhost:8080
    upstream: https://backend.internal/base
    authorization_servers: [https://a.example.com]
    scopes_supported: [x]
    resource_name: Main server
    pass_authorization: true
    strategies:
      - type: jwt
        issuer: https://a.example.com
        audience: [api://main]
        algorithms: [PS256, EdDSA]
        clock_skew: 0
        required_claims: [sub]
        max_token_age: 3600
        typ: at+jwt
        cache_ttl: 30
      - type: bearer
        tokens: [{ token: "${'t'.repeat(16)}", subject: svc, scopes: [a], groups: [g] }]
      - type: trusted_header
        subject_header: X-Forwarded-User
        email_header: X-Forwarded-Email
        groups_header: X-Forwarded-Groups
        trusted_peers: [10.0.0.1, 10.1.0.0/16, "::1"]
      - { type: none, subject: guest, scopes: [read] }
    policy: { allowed_emails: ["*@example.com", a@b.org], require_email_verified: true }
    claims: { subject: oid, scopes: [roles] }
`,
        {},
      ),
    );
    assert.deepEqual(config.identity_headers, { subject: 'X-User', email: 'X-Mail', groups: 'X-Teams', scopes: 'X-Perms' });
    assert.deepEqual(config.cors, { allowed_origins: ['https://claude.ai', 'http://localhost:6274'], max_age: 60 });
    assert.equal(config.max_token_length, 4096);
    assert.deepEqual(config.nginx, { check_socket: '/tmp/c.sock', cache_path: '/tmp/cache', log_path: '/tmp/a.log' });
    const [endpoint] = config.endpoints;
    assert.ok(endpoint);
    assert.equal(endpoint.id, 'main');
    assert.equal(endpoint.resource, 'http://localhost:8080');
    assert.deepEqual(endpoint.scopes_supported, ['x']);
    assert.equal(endpoint.resource_name, 'Main server');
    assert.equal(endpoint.pass_authorization, true);
    assert.deepEqual(endpoint.strategies[0], {
      type: 'jwt',
      issuer: 'https://a.example.com',
      jwks_uri: '',
      discovery_url: 'https://a.example.com/.well-known/openid-configuration',
      audience: ['api://main'],
      algorithms: ['PS256', 'EdDSA'],
      clock_skew: 0,
      required_claims: ['sub', 'exp'],
      max_token_age: 3600,
      typ: 'at+jwt',
      cache_ttl: 30,
    });
    assert.deepEqual(endpoint.strategies[1], {
      type: 'bearer',
      tokens: [{ token: 't'.repeat(16), subject: 'svc', scopes: ['a'], groups: ['g'] }],
    });
    assert.deepEqual(endpoint.strategies[2], {
      type: 'trusted_header',
      subject_header: 'x-forwarded-user',
      email_header: 'x-forwarded-email',
      groups_header: 'x-forwarded-groups',
      trusted_peers: ['10.0.0.1', '10.1.0.0/16', '::1'],
    });
    assert.deepEqual(endpoint.strategies[3], { type: 'none', subject: 'guest', scopes: ['read'] });
    assert.deepEqual(endpoint.policy.allowed_emails, ['*@example.com', 'a@b.org']);
    assert.equal(endpoint.policy.require_email_verified, true);
    assert.deepEqual(endpoint.claims, { subject: 'oid', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['roles'] });
  });

  it('normalises the resource: trailing slash, host case, default port', () => {
    const resources = ['https://mcp.example.com/mcp/', 'https://MCP.Example.com:443/mcp', 'https://mcp.example.com/mcp'];
    for (const resource of resources) {
      const config = ok(parseConfig(oneEndpoint().replace('https://mcp.example.com/mcp', resource), {}));
      assert.equal(config.endpoints[0]!.resource, 'https://mcp.example.com/mcp', resource);
    }
    const root = ok(parseConfig(oneEndpoint().replace('https://mcp.example.com/mcp', 'https://mcp.example.com/'), {}));
    assert.equal(root.endpoints[0]!.resource, 'https://mcp.example.com');
  });

  it('derives endpoint ids from paths unless given', () => {
    const config = ok(
      parseConfig(
        `endpoints:
  - { path: /github/mcp, resource: https://x.example.com/a, upstream: http://u, strategies: [{ type: none }] }
  - { path: /, resource: https://x.example.com/b, upstream: http://u, strategies: [{ type: none }] }
  - { path: /Tools_v2/MCP, resource: https://x.example.com/c, upstream: http://u, strategies: [{ type: none }] }
  - { id: custom, path: /other, resource: https://x.example.com/d, upstream: http://u, strategies: [{ type: none }] }
`,
        {},
      ),
    );
    assert.deepEqual(
      config.endpoints.map((e) => e.id),
      ['github-mcp', 'root', 'tools-v2-mcp', 'custom'],
    );
  });

  it('allows endpoints without authorization_servers when no strategy is jwt', () => {
    const config = ok(parseConfig(oneEndpoint(), {}));
    assert.deepEqual(config.endpoints[0]!.authorization_servers, []);
  });

  it('allows a path nested below another endpoint', () => {
    const config = ok(
      parseConfig(
        `endpoints:
  - { path: /mcp, resource: https://x.example.com/a, upstream: http://u, strategies: [{ type: none }] }
  - { path: /mcp/admin, resource: https://x.example.com/b, upstream: http://u, strategies: [{ type: none }] }
`,
        {},
      ),
    );
    assert.deepEqual(config.endpoints.map((e) => e.id), ['mcp', 'mcp-admin']);
  });
});

describe('parseConfig: errors', () => {
  it('reports every error at once with exact paths', () => {
    const lines = errorLines(
      parseConfig(
        `cors: { allowed_origins: [https://claude.ai/app], max_age: -1 }
max_token_length: 1.5
endpoints:
  - path: /mcp/
    resource: http://mcp.example.com/mcp
    upstream: ftp://backend
    strategies:
      - type: jwt
        issuer: https://auth.example.com
        clock_skew: 301
      - type: apikey
        keys: [{ key: short, subject: bot }]
      - type: trusted_header
        trusted_peers: [10.0.0.0/33]
      - type: magic
  - path: /mcp/
    resource: https://mcp.example.com/x#frag
    upstream: http://u
    strategies: []
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'cors.allowed_origins[0]: must be "*" or an origin like https://claude.ai (scheme://host[:port], no path)',
      'cors.max_age: must be a whole number between 0 and 86400',
      'max_token_length: must be a whole number between 256 and 1048576',
      'endpoints[0].path: must not end with "/" (only the root path "/" may)',
      'endpoints[0].resource: must be an absolute https:// URL (http:// allowed only for localhost)',
      'endpoints[0].upstream: must be an absolute http:// or https:// URL',
      'endpoints[0].strategies[0].clock_skew: must be a whole number between 0 and 300',
      'endpoints[0].strategies[1].keys[0].key: must be at least 16 characters',
      'endpoints[0].strategies[2].trusted_peers[0]: must be an IPv4 or IPv6 address or CIDR (e.g. 10.0.0.0/8)',
      'endpoints[0].strategies[3].type: must be one of: jwt, apikey, bearer, trusted_header, none, introspection, remote, script',
      'endpoints[0].authorization_servers: must list at least one authorization server when a jwt strategy is used',
      'endpoints[1].path: must not end with "/" (only the root path "/" may)',
      'endpoints[1].resource: must not contain a fragment',
      'endpoints[1].strategies: must list at least one strategy',
      'endpoints[1].path: duplicate endpoint path "/mcp/" (also endpoints[0])',
    ]);
  });

  it('rejects HS256 and none with a clear message', () => {
    const lines = errorLines(
      parseConfig(
        `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://u
    authorization_servers: [https://auth.example.com]
    strategies:
      - { type: jwt, issuer: https://auth.example.com, algorithms: [RS256, HS256, none, hs512] }
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'endpoints[0].strategies[0].algorithms[1]: HS256 is a shared-secret (HMAC) algorithm and is not supported; use an asymmetric one such as RS256 or ES256',
      'endpoints[0].strategies[0].algorithms[2]: "none" means unsigned tokens and is never accepted',
      'endpoints[0].strategies[0].algorithms[3]: hs512 is a shared-secret (HMAC) algorithm and is not supported; use an asymmetric one such as RS256 or ES256',
    ]);
  });

  it('rejects unknown keys at their path, suggesting the likely key', () => {
    const lines = errorLines(
      parseConfig(
        `identity_headers: { subjct: X-Sub }
endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://u
    authorization_servers: [https://auth.example.com]
    strategies:
      - { type: jwt, issuer: https://auth.example.com, jwks_url: https://auth.example.com/jwks }
    frobnicate: true
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'identity_headers.subjct: unknown key (did you mean "subject"?)',
      'endpoints[0].strategies[0].jwks_url: unknown key (did you mean "jwks_uri"?)',
      'endpoints[0].frobnicate: unknown key (allowed: id, path, resource, upstream, authorization_servers, scopes_supported, resource_name, pass_authorization, upstream_auth, bypass, strategies, policy, claims, rate_limit, tools, max_body_bytes, pass_headers)',
    ]);
  });

  it('reports duplicate ids, explicit or derived', () => {
    const lines = errorLines(
      parseConfig(
        `endpoints:
  - { path: /a/b, resource: https://x.example.com/1, upstream: http://u, strategies: [{ type: none }] }
  - { id: a-b, path: /other, resource: https://x.example.com/2, upstream: http://u, strategies: [{ type: none }] }
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'endpoints[1].id: duplicate endpoint id "a-b" (also endpoints[0])',
    ]);
  });

  it('reports a missing variable once, at its path, not as a failed validation too', () => {
    const lines = errorLines(
      parseConfig(
        `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://u
    strategies:
      - { type: none }
      - { type: apikey, keys: [{ key: "\${API_KEY}", subject: ci-bot }] }
    policy: { bogus: 1 }
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'endpoints[0].strategies[1].keys[0].key: environment variable API_KEY is not set',
      'endpoints[0].policy.bogus: unknown key (allowed: required_scopes, allowed_subjects, allowed_emails, allowed_groups, require_email_verified)',
    ]);
  });

  it('never echoes secret values in messages', () => {
    const secret = 'tooShortSecret';
    const result = parseConfig(oneEndpoint().replace('[{ type: none }]', `[{ type: bearer, tokens: [{ token: ${secret}, subject: s }, { token: ${secret}, subject: s }] }]`), {});
    const text = errorLines(result).join('\n');
    assert.match(text, /tokens\[0\]\.token: must be at least 16 characters/);
    assert.doesNotMatch(text, new RegExp(secret));
  });

  it('reports YAML syntax errors with source, line and column', () => {
    const lines = errorLines(parseConfig('endpoints:\n  - path: /mcp\n    resource: [unclosed\n', {}, 'mcp-authz.yaml'));
    assert.equal(lines.length >= 1, true);
    assert.match(lines[0]!, /^mcp-authz\.yaml:\d+:\d+: \S/);
    const dup = errorLines(parseConfig('cors: {}\ncors: {}\n', {}, 'c.yaml'));
    assert.match(dup[0]!, /^c\.yaml:2:1: .*[Uu]nique/);
  });

  it('rejects an empty document and a non-mapping root', () => {
    assert.deepEqual(errorLines(parseConfig('', {})), ['(root): configuration is empty (at least "endpoints" is required)']);
    assert.deepEqual(errorLines(parseConfig('- a\n', {})), ['(root): must be a mapping, got a list']);
    assert.deepEqual(errorLines(parseConfig('cors: {}\n', {})), ['endpoints: is required']);
  });

  it('rejects unsafe endpoint paths and header names', () => {
    const lines = errorLines(
      parseConfig(
        `identity_headers: { subject: "X Sub", email: X_Mail }
endpoints:
  - { path: mcp, resource: https://x.example.com/1, upstream: http://u, strategies: [{ type: none }] }
  - { path: "/a/../b", resource: https://x.example.com/2, upstream: http://u, strategies: [{ type: none }] }
  - { path: "/a;b", resource: https://x.example.com/3, upstream: http://u, strategies: [{ type: none }] }
  - { path: "/a//b", resource: https://x.example.com/4, upstream: http://u, strategies: [{ type: none }] }
  - { path: "/a?b=1", resource: https://x.example.com/5, upstream: http://u, strategies: [{ type: none }] }
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'identity_headers.subject: must be a header name made of letters, digits and "-"',
      'identity_headers.email: must be a header name made of letters, digits and "-"',
      'endpoints[0].path: must start with "/"',
      'endpoints[1].path: must not contain "." or ".." segments',
      'endpoints[2].path: may only contain letters, digits, "/", ".", "_", "~" and "-"',
      'endpoints[3].path: must not contain "//"',
      'endpoints[4].path: must not contain a query or fragment',
    ]);
  });
});

describe('loadConfig', () => {
  it('reads a file and reports a missing one without throwing', () => {
    withTempConfigFile('mcp-authz-config-', oneEndpoint(), (file, dir) => {
      assert.equal(ok(loadConfig(file, {})).endpoints[0]!.id, 'mcp');
      const missing = join(dir, 'absent.yaml');
      assert.deepEqual(errorLines(loadConfig(missing, {})), [`${missing}: cannot read configuration file (ENOENT)`]);
    });
  });
});

describe('parseConfig: derived id clashes', () => {
  it('explains that a clashing id was derived from the path', () => {
    const lines = errorLines(
      parseConfig(
        `endpoints:
  - { path: /a/b, resource: https://x.example.com/1, upstream: http://u, strategies: [{ type: none }] }
  - { path: /a-b, resource: https://x.example.com/2, upstream: http://u, strategies: [{ type: none }] }
`,
        {},
      ),
    );
    assert.deepEqual(lines, [
      'endpoints[1].id: duplicate endpoint id "a-b" (also endpoints[0]); an id not set explicitly is derived from the path, set distinct ids',
    ]);
  });
});

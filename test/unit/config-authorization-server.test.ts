import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfig } from '../../src/config/app-config.ts';
import { runCheck } from '../../src/config/check.ts';
import { formatErrors } from '../../src/config/format-errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { maskSecrets } from '../../src/config/mask.ts';
import { collectWarnings } from '../../src/config/warnings.ts';
import { resolveCompanionSecrets } from '../../src/companion/companion-secrets.ts';
import { withTempConfigFile } from '../support/temp-config-file.ts';

const HASH = '$2b$10$abcdefghijklmnopqrstuuG7k9Nq1U0rY5eXq4w6E8cBq2m3n4o5p';

const ENDPOINT = `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://mcp.example.com]
    strategies: [{ type: jwt, issuer: https://mcp.example.com }]
    policy: { required_scopes: [mcp:tools] }
`;

function load(as: string, env: Record<string, string> = {}): AppConfig {
  const r = parseConfig(ENDPOINT + as, env);
  if (!r.ok) assert.fail(formatErrors(r.errors).join('\n'));
  return r.config;
}

function errorsOf(as: string, endpoint = ENDPOINT): string[] {
  const r = parseConfig(endpoint + as, {});
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : formatErrors(r.errors);
}

describe('authorization_server configuration', () => {
  it('is optional; serve.companion.listen defaults to 127.0.0.1:9080', () => {
    const config = load('');
    assert.equal(config.authorization_server, null);
    assert.deepEqual(config.serve.companion, { listen: '127.0.0.1:9080' });
  });

  it('fills defaults', () => {
    const config = load('authorization_server:\n  issuer: https://mcp.example.com\n');
    assert.deepEqual(config.authorization_server, {
      issuer: 'https://mcp.example.com',
      keys: { dir: '/var/lib/mcp-authz/keys', rs256: false },
      storage: { type: 'sqlite', path: '/var/lib/mcp-authz/companion.sqlite' },
      access_token_ttl: 600,
      refresh_token_ttl: 2_592_000,
      users: [],
      clients: [],
      registration: { open: true, static_client: null },
      rate_limits: {
        trusted_proxies: ['127.0.0.1/32', '::1/128'],
        register: { requests: 30, per_seconds: 3600 },
        authorize: { requests: 60, per_seconds: 60 },
        token: { requests: 120, per_seconds: 60 },
        login: { requests: 10, per_seconds: 60 },
        login_username: { requests: 10, per_seconds: 300 },
      },
    });
  });

  it('rate_limits: partial overrides keep the other defaults; false or requests: 0 turns a limit off', () => {
    const rl = (yaml: string) => load(`authorization_server:\n  issuer: https://mcp.example.com\n${yaml}`).authorization_server!.rate_limits;
    assert.deepEqual(rl('  rate_limits: { token: { requests: 10 }, register: false, authorize: { requests: 0 }, trusted_proxies: [10.0.0.0/8], login: { per_seconds: 600 }, login_username: false }\n'), {
      trusted_proxies: ['10.0.0.0/8'], register: null, authorize: null, token: { requests: 10, per_seconds: 60 },
      login: { requests: 10, per_seconds: 600 }, login_username: null,
    });
    assert.deepEqual(rl('  rate_limits: false\n'), {
      trusted_proxies: ['127.0.0.1/32', '::1/128'], register: null, authorize: null, token: null, login: null, login_username: null,
    });
  });

  it('rate_limits: every mistake at once, with its path', () => {
    const errors = errorsOf(`authorization_server:
  issuer: https://mcp.example.com
  rate_limits:
    trusted_proxies: [not-an-address]
    token: { requests: -1, per_seconds: 0 }
    authorize: { requests: 5, per: 60 }
    register: yes
    login: { requests: 1.5 }
    login_username: { per_seconds: 0 }
`).join('\n');
    assert.match(errors, /authorization_server\.rate_limits\.login\.requests: must be a whole number between 0 and 1000000/);
    assert.match(errors, /authorization_server\.rate_limits\.login_username\.per_seconds: must be a whole number between 1 and 86400/);
    assert.match(errors, /authorization_server\.rate_limits\.trusted_proxies\[0\]: must be an IPv4 or IPv6 address or CIDR/);
    assert.match(errors, /authorization_server\.rate_limits\.token\.requests: must be a whole number between 0 and 1000000/);
    assert.match(errors, /authorization_server\.rate_limits\.token\.per_seconds: must be a whole number between 1 and 86400/);
    assert.match(errors, /authorization_server\.rate_limits\.authorize\.per: unknown key/);
    assert.match(errors, /authorization_server\.rate_limits\.register: must be a mapping, got a string/);
  });

  it('uses the companion JWKS for a jwt strategy of its issuer without jwks_uri (no discovery of itself)', () => {
    const config = load('authorization_server:\n  issuer: https://mcp.example.com\n');
    const jwt = config.endpoints[0]!.strategies[0]!;
    assert.ok(jwt.type === 'jwt');
    assert.equal(jwt.jwks_uri, 'https://mcp.example.com/jwks');
    assert.equal(jwt.discovery_url, null);
  });

  it('accepts users, clients and a redis store', () => {
    const config = load(`authorization_server:
  issuer: https://mcp.example.com
  storage: { type: redis, url: "redis://:pw@127.0.0.1:6379/0" }
  users:
    - { username: alice, password_hash: "${HASH}", scopes: [mcp:tools], email: alice@example.com, groups: [staff] }
    - { username: bob, password_env: BOB_PASSWORD }
  clients:
    - { client_id: inspector, redirect_uris: ["http://localhost:6274/oauth/callback"] }
    - { client_id: backend, client_name: Backend, redirect_uris: ["https://app.example.com/cb"], token_endpoint_auth_method: client_secret_basic, client_secret_env: BACKEND_SECRET }
  registration: { open: false }
`);
    const as = config.authorization_server!;
    assert.deepEqual(as.storage, { type: 'redis', url: 'redis://:pw@127.0.0.1:6379/0' });
    assert.deepEqual(as.users[1], { username: 'bob', password_hash: null, password_env: 'BOB_PASSWORD', scopes: [], email: null, groups: [] });
    assert.equal(as.clients[0]!.token_endpoint_auth_method, 'none');
    assert.equal(as.clients[1]!.client_secret_env, 'BACKEND_SECRET');
    assert.equal(as.registration.open, false);
    const masked = maskSecrets(config).authorization_server!;
    assert.equal(masked.users[0]!.password_hash, '***');
    assert.deepEqual(masked.storage, { type: 'redis', url: '***' });
  });

  it('registration.static_client: a configured public client; open defaults to false with it', () => {
    const as = load(`authorization_server:
  issuer: https://mcp.example.com
  clients:
    - { client_id: mcp-clients, client_name: MCP clients, redirect_uris: ["http://127.0.0.1/callback"] }
  registration: { static_client: mcp-clients }
`).authorization_server!;
    assert.deepEqual(as.registration, { open: false, static_client: 'mcp-clients' });
    const explicit = load(`authorization_server:
  issuer: https://mcp.example.com
  clients: [{ client_id: c, redirect_uris: ["http://127.0.0.1/cb"] }]
  registration: { open: false, static_client: c }
`).authorization_server!;
    assert.deepEqual(explicit.registration, { open: false, static_client: 'c' });
  });

  it('registration.static_client: unknown, confidential, or with open: true are errors with their paths, all at once', () => {
    const text = errorsOf(`authorization_server:
  issuer: https://mcp.example.com
  clients:
    - { client_id: backend, redirect_uris: ["https://app.example.com/cb"], token_endpoint_auth_method: client_secret_basic, client_secret_env: BACKEND_SECRET }
  registration: { open: true, static_client: backend }
`).join('\n');
    assert.match(text, /authorization_server\.registration\.open: cannot be true with static_client/);
    assert.match(text, /authorization_server\.registration\.static_client: must name a public client: clients\[0\] uses client_secret_basic/);
    assert.match(errorsOf(`authorization_server:
  issuer: https://mcp.example.com
  clients: [{ client_id: c, redirect_uris: ["http://127.0.0.1/cb"] }]
  registration: { static_client: nobody }
`).join('\n'), /authorization_server\.registration\.static_client: names no client in authorization_server\.clients \(got "nobody"\)/);
    assert.match(errorsOf(`authorization_server:
  issuer: https://mcp.example.com
  registration: { static_client: "" }
`).join('\n'), /authorization_server\.registration\.static_client: must not be empty/);
  });

  it('reports every mistake with its path', () => {
    const errors = errorsOf(`authorization_server:
  issuer: https://mcp.example.com/
  keys: { dir: relative/keys }
  storage: { type: redis, url: "http://127.0.0.1:6379" }
  access_token_ttl: 5
  users:
    - { username: alice, password_hash: "not-a-hash", password_env: ALSO }
    - { username: alice, password_env: "bad name" }
    - { username: carol, scopes: ["two words"] }
  clients:
    - { client_id: c1, redirect_uris: ["javascript:alert(1)"] }
    - { client_id: c2, redirect_uris: [], token_endpoint_auth_method: client_secret_basic }
    - { client_id: c1, redirect_uris: ["https://a.example/cb"], client_secret_env: X }
  registration: { open: yes-please }
  surprise: 1
`);
    const text = errors.join('\n');
    for (const expected of [
      /authorization_server\.issuer: must not end with "\/"/,
      /authorization_server\.keys\.dir: must be an absolute path/,
      /authorization_server\.storage\.url: must be a redis:\/\/ or rediss:\/\/ URL/,
      /authorization_server\.access_token_ttl: must be a whole number between 60 and 86400/,
      /authorization_server\.users\[0\]\.password_hash: must be a bcrypt hash/,
      /authorization_server\.users\[0\]: set exactly one of password_hash/,
      /authorization_server\.users\[1\]\.username: duplicates users\[0\]\.username/,
      /authorization_server\.users\[1\]\.password_env: must be an environment variable name/,
      /authorization_server\.users\[2\]: set exactly one of/,
      /authorization_server\.users\[2\]\.scopes\[0\]: must be a scope token/,
      /authorization_server\.clients\[0\]\.redirect_uris\[0\]: must not use the javascript: scheme/,
      /authorization_server\.clients\[1\]\.redirect_uris: must list at least one redirect URI/,
      /authorization_server\.clients\[1\]\.client_secret_env: is required when token_endpoint_auth_method is client_secret_basic/,
      /authorization_server\.clients\[2\]\.client_id: duplicates clients\[0\]\.client_id/,
      /authorization_server\.clients\[2\]\.client_secret_env: is only used with/,
      /authorization_server\.registration\.open:/,
      /authorization_server.*surprise/,
    ]) assert.match(text, expected);
  });

  it('refuses a plain-http issuer except on localhost', () => {
    assert.match(errorsOf('authorization_server:\n  issuer: http://as.example.com\n').join('\n'), /authorization_server\.issuer: must be an absolute https:\/\/ URL/);
    assert.equal(load('authorization_server:\n  issuer: http://127.0.0.1:9080\n').authorization_server!.issuer, 'http://127.0.0.1:9080');
  });

  it('warns when endpoints and the issuer do not match byte for byte, or nobody can sign in', () => {
    const warnings = collectWarnings(load('authorization_server:\n  issuer: https://other.example.com\n'));
    assert.ok(warnings.some((w) => /no endpoint lists https:\/\/other\.example\.com/.test(w)), warnings.join('\n'));
    const endpoint = ENDPOINT.replace('authorization_servers: [https://mcp.example.com]', 'authorization_servers: [https://mcp.example.com/]');
    const r = parseConfig(`${endpoint}authorization_server:
  issuer: https://mcp.example.com
  users: [{ username: a, password_env: A }]
`, {});
    assert.ok(r.ok);
    const w2 = collectWarnings(r.config);
    assert.ok(w2.some((w) => /should list the companion issuer exactly as "https:\/\/mcp\.example\.com"/.test(w)), w2.join('\n'));
    assert.ok(w2.some((w) => /user "a" has no scopes/.test(w)), w2.join('\n'));
    assert.ok(collectWarnings(load('authorization_server:\n  issuer: https://mcp.example.com\n')).some((w) => /no users/.test(w)));
  });

  it('check reports a missing password or client-secret variable', () => {
    withTempConfigFile('mcp-authz-check-', `${ENDPOINT}authorization_server:
  issuer: https://mcp.example.com
  users: [{ username: a, password_env: A_PASSWORD, scopes: [mcp:tools] }]
  clients: [{ client_id: b, redirect_uris: ["https://b.example/cb"], token_endpoint_auth_method: client_secret_basic, client_secret_env: B_SECRET }]
`, (file) => {
      const missing = runCheck(file, {});
      assert.equal(missing.exitCode, 1);
      assert.match(missing.stderr, /authorization_server\.users\[0\]\.password_env: environment variable A_PASSWORD is not set/);
      assert.match(missing.stderr, /authorization_server\.clients\[0\]\.client_secret_env: environment variable B_SECRET is not set/);
      const short = runCheck(file, { A_PASSWORD: 'x', B_SECRET: 'short' });
      assert.match(short.stderr, /must be at least 32 characters/);
      const ok = runCheck(file, { A_PASSWORD: 'x', B_SECRET: 's'.repeat(32) });
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.doesNotMatch(ok.stdout, /s{32}/);
    });
  });

  it('check reports a missing federation client_secret_env with the other missing secrets, all at once', () => {
    withTempConfigFile('mcp-authz-check-', `${ENDPOINT}authorization_server:
  issuer: https://mcp.example.com
  users: [{ username: a, password_env: A_PASSWORD, scopes: [mcp:tools] }]
  login:
    oidc: { issuer: https://idp.example.com, client_id: mcp-authz, client_secret_env: IDP_SECRET }
`, (file) => {
      for (const env of [{}, { IDP_SECRET: '' }]) {
        const missing = runCheck(file, env);
        assert.equal(missing.exitCode, 1);
        assert.match(missing.stderr, /authorization_server\.users\[0\]\.password_env: environment variable A_PASSWORD is not set/);
        assert.match(missing.stderr, /authorization_server\.login\.oidc\.client_secret_env: environment variable IDP_SECRET is not set/);
        assert.equal(missing.stdout, '');
      }
      const ok = runCheck(file, { A_PASSWORD: 'x', IDP_SECRET: 'idp-secret-value-42' });
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.doesNotMatch(ok.stdout, /idp-secret-value-42/);
      assert.match(ok.stdout, /client_secret_env: IDP_SECRET/);
      const resolved = resolveCompanionSecrets(load(`authorization_server:
  issuer: https://mcp.example.com
  login: { oidc: { issuer: https://idp.example.com, client_id: x, client_secret_env: IDP_SECRET } }
`).authorization_server!, { IDP_SECRET: 'idp-secret-value-42' });
      assert.ok(resolved.ok);
      assert.equal(resolved.secrets.oidcClientSecret, 'idp-secret-value-42');
      const publicClient = resolveCompanionSecrets(load(`authorization_server:
  issuer: https://mcp.example.com
  login: { oidc: { issuer: https://idp.example.com, client_id: x } }
`).authorization_server!, {});
      assert.ok(publicClient.ok);
      assert.equal(publicClient.secrets.oidcClientSecret, undefined);
    });
  });
});

/**
 * `upstream_auth` and `bypass` in the configuration: defaults, every error at once with its path,
 * and secrets masked wherever configuration is printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCheck } from '../../src/config/check.ts';
import { formatErrors } from '../../src/config/format-errors.ts';
import { parseConfig, type LoadResult } from '../../src/config/load.ts';
import { maskSecrets } from '../../src/config/mask.ts';
import { resolveTokenEndpoints } from '../../src/config/resolve-token-endpoints.ts';
import { collectWarnings } from '../../src/config/warnings.ts';

const SECRET = 'client-secret-0123456789';
const TOKEN = 'upstream-token-0123456789';
const KEY = 'upstream-key-0123456789';
const ENV = { SECRET, TOKEN, KEY };

function endpoint(path: string, extra: string, strategies = '[{ type: jwt, issuer: https://auth.example.com, jwks_uri: https://auth.example.com/jwks }]'): string {
  return `  - path: ${path}
    resource: https://mcp.example.com${path}
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://auth.example.com]
    strategies: ${strategies}
${extra}`;
}

const GOOD = `endpoints:
${endpoint('/a', '    upstream_auth: { type: static, token: "${TOKEN}" }\n    bypass: [/a/health, /a/public/*]')}
${endpoint('/b', '    upstream_auth: { type: api_key, key: "${KEY}" }')}
${endpoint('/c', '    upstream_auth: { type: api_key, key: "${KEY}", query: key }')}
${endpoint('/d', '    upstream_auth: { type: client_credentials, token_endpoint: https://idp.example.com/token, client_id: me, client_secret: "${SECRET}", scope: [read, write], resource: https://api.example.com }')}
${endpoint('/e', '    upstream_auth: { type: token_exchange, issuer: https://idp.example.com, client_id: me, client_secret: "${SECRET}", auth_method: client_secret_post, audience: api, expiry_margin: 10, retries: 0 }')}
${endpoint('/f', '    upstream_auth: { type: script, file: /etc/mcp-authz/upstream.js, env: [API_TOKEN] }')}
`;

function ok(r: LoadResult) {
  if (!r.ok) assert.fail(formatErrors(r.errors).join('\n'));
  return r.config;
}

describe('config: upstream_auth and bypass', () => {
  it('applies defaults for each kind', () => {
    const eps = ok(parseConfig(GOOD, ENV)).endpoints;
    assert.deepEqual(eps[0].upstream_auth, { type: 'static', token: TOKEN });
    assert.deepEqual(eps[0].bypass, ['/a/health', '/a/public/*']);
    assert.deepEqual(eps[1].upstream_auth, { type: 'api_key', key: KEY, header: 'X-API-Key', query: null });
    assert.deepEqual(eps[2].upstream_auth, { type: 'api_key', key: KEY, header: null, query: 'key' });
    assert.deepEqual(eps[3].upstream_auth, {
      type: 'client_credentials', token_endpoint: 'https://idp.example.com/token', issuer: null, client_id: 'me', client_secret: SECRET,
      auth_method: 'client_secret_basic', scope: 'read write', audience: null, resource: 'https://api.example.com',
      expiry_margin: 30, default_ttl: 300, retries: 2, retry_delay_ms: 200,
    });
    assert.deepEqual(eps[4].upstream_auth, {
      type: 'token_exchange', token_endpoint: '', issuer: 'https://idp.example.com', client_id: 'me', client_secret: SECRET,
      auth_method: 'client_secret_post', scope: null, audience: 'api', resource: null,
      expiry_margin: 10, default_ttl: 300, retries: 0, retry_delay_ms: 200,
    });
    assert.deepEqual(eps[5].upstream_auth, { type: 'script', file: '/etc/mcp-authz/upstream.js', env: ['API_TOKEN'] });
    // Absent means absent: an endpoint without them carries neither key.
    const plain = ok(parseConfig(`endpoints:\n${endpoint('/p', '')}`, {})).endpoints[0];
    assert.equal('upstream_auth' in plain, false);
    assert.equal('bypass' in plain, false);
  });

  it('reports every error at once, each at its path', () => {
    const r = parseConfig(`endpoints:
${endpoint('/a', '    upstream_auth: { type: api_key, key: k, header: X-K, query: k }\n    bypass: [/other/health, /a, /a/*/x, a/b]')}
${endpoint('/b', '    upstream_auth: { type: client_credentials, client_id: me, client_secret: s, token_endpoint: http://idp.example.com/token, retries: 11 }')}
${endpoint('/c', '    upstream_auth: { type: token_exchange, token_endpoint: https://idp.example.com/token, client_id: me, client_secret: s, auth_method: private_key_jwt }', '[{ type: none }]')}
${endpoint('/d', '    upstream_auth: { type: script, file: upstream.js, env: [BAD-NAME] }')}
${endpoint('/e', '    upstream_auth: { type: magic }')}
${endpoint('/f', '    upstream_auth: { type: static, token: "a\\nb", extra: 1 }')}
`, {});
    assert.equal(r.ok, false);
    assert.deepEqual(formatErrors(r.ok ? [] : r.errors), [
      'endpoints[0].upstream_auth.query: set either header or query, not both',
      'endpoints[0].bypass[2]: must be an absolute path without spaces, quotes, ";", "{", "}", "$", "?" or "#", optionally ending in "/*"',
      'endpoints[0].bypass[3]: must be an absolute path without spaces, quotes, ";", "{", "}", "$", "?" or "#", optionally ending in "/*"',
      'endpoints[0].bypass[0]: must be a path below the endpoint path /a/',
      'endpoints[0].bypass[1]: must be a path below the endpoint path /a/',
      'endpoints[1].upstream_auth.token_endpoint: must be an absolute https:// URL (http:// allowed only for localhost)',
      'endpoints[1].upstream_auth.retries: must be a whole number between 0 and 10',
      'endpoints[2].upstream_auth.auth_method: must be one of: "client_secret_basic", "client_secret_post"',
      'endpoints[2].upstream_auth.type: token_exchange needs a jwt strategy (it exchanges the validated access token)',
      'endpoints[3].upstream_auth.file: must be an absolute path to a .js, .mjs or .ts module',
      'endpoints[3].upstream_auth.env[0]: must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
      'endpoints[4].upstream_auth.type: must be one of: static, api_key, client_credentials, token_exchange, script',
      'endpoints[5].upstream_auth.token: must not contain control characters',
      'endpoints[5].upstream_auth.extra: unknown key (allowed: type, token)',
    ]);
  });

  it('requires a token endpoint or an issuer', () => {
    const r = parseConfig(`endpoints:\n${endpoint('/a', '    upstream_auth: { type: client_credentials, client_id: me, client_secret: s }')}`, {});
    assert.deepEqual(formatErrors(r.ok ? [] : r.errors), ['endpoints[0].upstream_auth.token_endpoint: set token_endpoint, or issuer to discover it']);
  });

  it('masks the static token, the API key and the client secret', () => {
    const masked = maskSecrets(ok(parseConfig(GOOD, ENV)));
    const text = JSON.stringify(masked);
    for (const s of [SECRET, TOKEN, KEY]) assert.equal(text.includes(s), false, s);
    assert.equal((masked.endpoints[0].upstream_auth as { token: string }).token, '***');
    assert.equal((masked.endpoints[1].upstream_auth as { key: string }).key, '***');
    assert.equal((masked.endpoints[3].upstream_auth as { client_secret: string }).client_secret, '***');
  });

  it('`mcp-authz check` prints them masked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-upstream-auth-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, GOOD);
    const result = runCheck(file, ENV);
    assert.equal(result.exitCode, 0, result.stderr);
    for (const s of [SECRET, TOKEN, KEY]) assert.equal(result.stdout.includes(s), false, s);
    const printed = parse(result.stdout);
    assert.equal(printed.endpoints[3].upstream_auth.client_secret, '***');
    assert.equal(printed.endpoints[3].upstream_auth.client_id, 'me');
  });

  it('warns about public sub-paths and pass_authorization overridden by upstream_auth', () => {
    const config = ok(parseConfig(`endpoints:
${endpoint('/a', '    upstream_auth: { type: static, token: "${TOKEN}" }\n    pass_authorization: true\n    bypass: [/a/health, /a/public/*]')}
`, ENV));
    assert.deepEqual(collectWarnings(config).filter((w) => w.includes('bypass') || w.includes('upstream_auth')), [
      'endpoint "a" lets /a/health, /a/public/* through without authentication (bypass)',
      'endpoint "a": upstream_auth replaces the client\'s Authorization, so pass_authorization has no effect on it',
    ]);
  });

  it('resolveTokenEndpoints: fills token_endpoint from discovery; a foreign issuer or no token_endpoint is an error at its path', async () => {
    const yaml = `endpoints:
${endpoint('/a', '    upstream_auth: { type: client_credentials, issuer: https://idp.example.com, client_id: me, client_secret: s }')}
${endpoint('/b', '    upstream_auth: { type: client_credentials, issuer: https://other.example.com, client_id: me, client_secret: s }')}
${endpoint('/c', '    upstream_auth: { type: client_credentials, issuer: https://bare.example.com, client_id: me, client_secret: s }')}
`;
    const docs: Record<string, unknown> = {
      'https://idp.example.com/.well-known/openid-configuration': { issuer: 'https://idp.example.com', token_endpoint: 'https://idp.example.com/token' },
      'https://other.example.com/.well-known/openid-configuration': { issuer: 'https://evil.example.com', token_endpoint: 'https://evil.example.com/token' },
      'https://bare.example.com/.well-known/openid-configuration': { issuer: 'https://bare.example.com' },
    };
    const r = await resolveTokenEndpoints(ok(parseConfig(yaml, {})), async (url) => docs[url]);
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : formatErrors(r.errors), [
      'endpoints[1].upstream_auth.issuer: discovery document at https://other.example.com/.well-known/openid-configuration names another issuer',
      'endpoints[2].upstream_auth.token_endpoint: discovery document at https://bare.example.com/.well-known/openid-configuration has no usable token_endpoint',
    ]);
    const good = await resolveTokenEndpoints(ok(parseConfig(`endpoints:\n${endpoint('/a', '    upstream_auth: { type: client_credentials, issuer: https://idp.example.com, client_id: me, client_secret: s }')}`, {})), async (url) => docs[url]);
    assert.ok(good.ok);
    assert.equal((good.config.endpoints[0].upstream_auth as { token_endpoint: string }).token_endpoint, 'https://idp.example.com/token');
  });
});

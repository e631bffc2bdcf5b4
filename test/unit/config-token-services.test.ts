/**
 * Config of the introspection and remote strategies: defaults, every error with its path at once,
 * discovery of the introspection endpoint, and secrets masked in `mcp-authz check` output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { toCoreConfig, type AppConfig } from '../../src/config/app-config.ts';
import { runCheck } from '../../src/config/check.ts';
import { formatErrors } from '../../src/config/format-errors.ts';
import { parseConfig, type LoadResult } from '../../src/config/load.ts';
import { maskSecrets, secretValues } from '../../src/config/mask.ts';
import { resolveDiscovery } from '../../src/config/resolve-discovery.ts';
import { collectWarnings } from '../../src/config/warnings.ts';

const SECRET = 'intro-secret-0123456789';
const KEY = 'validator-key-abcdef';

function yaml(strategies: string): string {
  return `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp/
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://auth.example.com]
    strategies:${strategies}
`;
}

const BOTH = `
      - type: introspection
        endpoint: https://auth.example.com/introspect
        client_id: mcp-rs
        client_secret: "\${INTRO_SECRET}"
      - type: remote
        url: https://validator.example.com/check
        headers: { X-Api-Key: "\${VALIDATOR_KEY}" }`;

function ok(result: LoadResult): AppConfig {
  if (!result.ok) assert.fail(formatErrors(result.errors).join('\n'));
  return result.config;
}

function errors(result: LoadResult): string[] {
  if (result.ok) assert.fail('expected errors');
  return formatErrors(result.errors);
}

describe('introspection and remote strategies: defaults', () => {
  it('fills every default; audience is the canonical resource; header names lower-cased', () => {
    const config = ok(parseConfig(yaml(BOTH), { INTRO_SECRET: SECRET, VALIDATOR_KEY: KEY }));
    assert.deepEqual(config.endpoints[0]!.strategies, [
      {
        type: 'introspection',
        endpoint: 'https://auth.example.com/introspect',
        discovery_url: null,
        client_id: 'mcp-rs',
        client_secret: SECRET,
        client_auth: 'client_secret_basic',
        issuer: null,
        audience: ['https://mcp.example.com/mcp'],
        require_audience: false,
        token_type: null,
        tokens: 'all',
        clock_skew: 60,
        cache_ttl: 300,
        negative_cache_ttl: 5,
        timeout: 5,
      },
      { type: 'remote', url: 'https://validator.example.com/check', headers: { 'x-api-key': KEY }, timeout: 5, cache_ttl: 60, negative_cache_ttl: 5 },
    ]);
  });

  it('without an endpoint, the issuer\'s discovery document is named', () => {
    const config = ok(parseConfig(yaml(`
      - { type: introspection, issuer: "https://auth.example.com/", client_id: a, client_secret: b, client_auth: client_secret_post, tokens: opaque }`), {}));
    const s = config.endpoints[0]!.strategies[0]!;
    assert.equal(s.type, 'introspection');
    if (s.type !== 'introspection') return;
    assert.deepEqual([s.endpoint, s.discovery_url, s.issuer, s.client_auth, s.tokens], ['', 'https://auth.example.com/.well-known/openid-configuration', 'https://auth.example.com/', 'client_secret_post', 'opaque']);
  });
});

describe('introspection and remote strategies: warnings', () => {
  it('warns when the introspection issuer is not an advertised authorization server', () => {
    const warned = (issuer: string) => collectWarnings(ok(parseConfig(yaml(`
      - { type: introspection, issuer: "${issuer}", endpoint: "https://x.example.com/i", client_id: a, client_secret: b }`), {})));
    assert.deepEqual(warned('https://auth.example.com/'), []);
    assert.deepEqual(warned('https://other.example.com'), ['endpoint "mcp": introspection issuer https://other.example.com is not listed in authorization_servers, so clients will not discover it']);
  });
});

describe('introspection and remote strategies: errors, all at once, with paths', () => {
  it('reports each bad field', () => {
    const lines = errors(parseConfig(yaml(`
      - type: introspection
        client_id: ""
        client_secret: x
        client_auth: private_key_jwt
        tokens: some
        cache_ttl: 1.5
        negative_cache_ttl: 301
        timeout: 0
        audiences: [x]
      - type: remote
        url: http://validator.example.com/check
        headers: { Content-Type: text/plain, "x_y": v, X-Ok: 1 }
      - type: remote
        url: "https://validator.example.com/a$b"
        headers: { X-Key: "a\\nb" }`), {}));
    const at = 'endpoints[0].strategies';
    for (const expected of [
      `${at}[0].client_id: must not be empty`,
      `${at}[0].client_auth: must be one of: "client_secret_basic", "client_secret_post"`,
      `${at}[0].tokens: must be one of: "opaque", "all"`,
      `${at}[0].cache_ttl: must be a whole number between 0 and 86400`,
      `${at}[0].negative_cache_ttl: must be a whole number between 0 and 300`,
      `${at}[0].timeout: must be a whole number between 1 and 60`,
      `${at}[0].endpoint: is required unless issuer is set (then it is discovered)`,
      `${at}[1].url: must be an absolute https:// URL (http:// allowed only for localhost)`,
      `${at}[1].headers.Content-Type: is set by mcp-authz itself and cannot be configured`,
      `${at}[1].headers.x_y: must be a header name made of letters, digits and "-"`,
      `${at}[1].headers.X-Ok: must be a string, got a number`,
      `${at}[2].url: must not contain spaces, quotes, "\\", "$", ";", "{" or "}"`,
      `${at}[2].headers.X-Key: must not contain line breaks`,
    ]) {
      assert.ok(lines.some((l) => l === expected), `missing: ${expected}\ngot:\n${lines.join('\n')}`);
    }
    assert.ok(lines.some((l) => l.startsWith(`${at}[0].audiences: unknown key`)), lines.join('\n'));
  });

  it('names a header configured twice in different case', () => {
    const lines = errors(parseConfig(yaml(`
      - { type: remote, url: "https://v.example.com/", headers: { X-Key: a, x-key: b } }`), {}));
    assert.deepEqual(lines, ['endpoints[0].strategies[0].headers.x-key: duplicates another header (names are case-insensitive)']);
  });
});

describe('introspection endpoint discovery', () => {
  const config = () => ok(parseConfig(yaml(`
      - { type: introspection, issuer: "https://auth.example.com", client_id: a, client_secret: b }`), {}));
  const DOC = 'https://auth.example.com/.well-known/openid-configuration';

  it('takes introspection_endpoint from the issuer\'s document; core never sees discovery_url', async () => {
    const result = await resolveDiscovery(config(), async (url) => {
      assert.equal(url, DOC);
      return { issuer: 'https://auth.example.com', introspection_endpoint: 'https://auth.example.com/token/introspection' };
    });
    if (!result.ok) assert.fail(JSON.stringify(result.errors));
    const core = toCoreConfig(result.config);
    const s = core.endpoints[0]!.strategies[0]!;
    assert.equal(s.type === 'introspection' && s.endpoint, 'https://auth.example.com/token/introspection');
    assert.equal(JSON.stringify(core).includes('discovery_url'), false);
  });

  it('refuses a document of another issuer, or without a usable endpoint, at the right path', async () => {
    const other = await resolveDiscovery(config(), async () => ({ issuer: 'https://evil.example.com', introspection_endpoint: 'https://evil.example.com/i' }));
    assert.deepEqual(other.ok ? [] : other.errors.map((e) => e.path), ['endpoints[0].strategies[0].issuer']);
    const none = await resolveDiscovery(config(), async () => ({ issuer: 'https://auth.example.com', introspection_endpoint: 'http://plain.example.com/i' }));
    assert.deepEqual(none.ok ? [] : none.errors.map((e) => e.path), ['endpoints[0].strategies[0].endpoint']);
    const down = await resolveDiscovery(config(), async () => {
      throw new Error('HTTP 503');
    });
    assert.deepEqual(down.ok ? [] : down.errors.map((e) => [e.path, e.message]), [['endpoints[0].strategies[0].endpoint', `OpenID Connect discovery at ${DOC} failed: HTTP 503`]]);
  });
});

describe('secrets of the new strategies', () => {
  it('the client secret and static headers are masked and listed for redaction', () => {
    const config = ok(parseConfig(yaml(BOTH), { INTRO_SECRET: SECRET, VALIDATOR_KEY: KEY }));
    const masked = JSON.stringify(maskSecrets(config));
    assert.equal(masked.includes(SECRET), false);
    assert.equal(masked.includes(KEY), false);
    assert.match(masked, /"client_secret":"\*\*\*"/);
    assert.match(masked, /"x-api-key":"\*\*\*"/);
    assert.deepEqual(secretValues(config).sort(), [KEY, SECRET].sort());
  });

  it('mcp-authz check prints neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-check-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, yaml(BOTH));
    const result = runCheck(file, { INTRO_SECRET: SECRET, VALIDATOR_KEY: KEY });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /client_secret: "\*\*\*"/);
    assert.equal(result.stdout.includes(SECRET) || result.stdout.includes(KEY) || result.stderr.includes(SECRET), false);
  });
});

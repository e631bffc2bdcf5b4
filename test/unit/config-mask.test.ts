import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { maskSecrets, redact, secretValues } from '../../src/config/mask.ts';

const API_KEY = 'apikey-0123456789abcdef';
const TOKEN = 'static-token-fedcba9876543210';

function load(): AppConfig {
  const result = parseConfig(
    `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://auth.example.com]
    strategies:
      - { type: jwt, issuer: https://auth.example.com, jwks_uri: https://auth.example.com/jwks }
      - type: apikey
        keys: [{ key: "\${API_KEY}", subject: ci-bot }]
      - type: bearer
        tokens: [{ token: "\${STATIC_TOKEN}", subject: svc }]
      - { type: trusted_header, trusted_peers: [127.0.0.1] }
`,
    { API_KEY, STATIC_TOKEN: TOKEN },
  );
  if (!result.ok) assert.fail(JSON.stringify(result.errors));
  return result.config;
}

/** Paths of string leaves whose key looks like a credential, e.g. `...keys[0].key`. */
function credentialLikeLeaves(node: unknown, path = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => credentialLikeLeaves(item, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    typeof value === 'string' && /(^|_)(key|token|secret|password)s?$/i.test(key)
      ? [`${path}.${key}`]
      : credentialLikeLeaves(value, `${path}.${key}`),
  );
}

describe('maskSecrets', () => {
  it('replaces every API key and static token with *** in a copy', () => {
    const config = load();
    const masked = maskSecrets(config);
    const [, apikey, bearer] = masked.endpoints[0]!.strategies;
    assert.deepEqual(apikey, { type: 'apikey', header: 'x-api-key', keys: [{ key: '***', subject: 'ci-bot', scopes: [], groups: [] }] });
    assert.deepEqual(bearer, { type: 'bearer', tokens: [{ token: '***', subject: 'svc', scopes: [], groups: [] }] });
    // The original is untouched and everything else is carried over.
    assert.equal(JSON.stringify(config).includes(API_KEY), true);
    assert.equal(JSON.stringify(masked).includes(API_KEY), false);
    assert.equal(JSON.stringify(masked).includes(TOKEN), false);
    assert.deepEqual(masked.endpoints[0]!.strategies[0], config.endpoints[0]!.strategies[0]);
  });

  it('leaves no credential-looking string unmasked (SECRET_PATHS is complete)', () => {
    const masked = maskSecrets(load());
    const leaves = credentialLikeLeaves(masked);
    assert.deepEqual(leaves, ['.endpoints[0].strategies[1].keys[0].key', '.endpoints[0].strategies[2].tokens[0].token']);
    for (const leaf of leaves) {
      const value = leaf
        .slice(1)
        .split(/[.[\]]+/)
        .filter(Boolean)
        .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], masked);
      assert.equal(value, '***', leaf);
    }
  });
});

describe('secretValues and redact', () => {
  it('lists every secret', () => {
    assert.deepEqual(secretValues(load()).sort(), [API_KEY, TOKEN].sort());
  });

  it('redacts every occurrence of any secret in a log line', () => {
    const secrets = secretValues(load());
    const line = `auth ok key=${API_KEY} again=${API_KEY} bearer ${TOKEN} user=ci-bot`;
    assert.equal(redact(line, secrets), 'auth ok key=*** again=*** bearer *** user=ci-bot');
  });

  it('redacts the longer secret first when one contains another', () => {
    assert.equal(redact('x=abcdefghXYZ y=abcdefgh', ['abcdefgh', 'abcdefghXYZ']), 'x=*** y=***');
  });

  it('ignores empty secrets', () => {
    assert.equal(redact('unchanged', ['']), 'unchanged');
  });
});

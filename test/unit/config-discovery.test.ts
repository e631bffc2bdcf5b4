import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCoreConfig, type AppConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { resolveDiscovery, type FetchJson } from '../../src/config/resolve-discovery.ts';

function load(yaml: string): AppConfig {
  const result = parseConfig(yaml, {});
  if (!result.ok) assert.fail(JSON.stringify(result.errors));
  return result.config;
}

const TWO_ENDPOINTS = `endpoints:
  - path: /a
    resource: https://mcp.example.com/a
    upstream: http://u
    authorization_servers: [https://auth.example.com]
    strategies:
      - { type: jwt, issuer: https://auth.example.com/ }
      - { type: jwt, issuer: https://static.example.com, jwks_uri: https://static.example.com/keys }
  - path: /b
    resource: https://mcp.example.com/b
    upstream: http://u
    authorization_servers: [https://auth.example.com]
    strategies: [{ type: jwt, issuer: https://auth.example.com/ }]
`;

/** A fetchJson serving fixed documents and recording which URLs were requested. */
function fakeFetch(documents: Record<string, unknown>): FetchJson & { calls: string[] } {
  const calls: string[] = [];
  const fetchJson = async (url: string): Promise<unknown> => {
    calls.push(url);
    if (!(url in documents)) throw new Error('HTTP 404');
    return documents[url];
  };
  return Object.assign(fetchJson, { calls });
}

const DISCOVERY = 'https://auth.example.com/.well-known/openid-configuration';

describe('resolveDiscovery', () => {
  it('fills every empty jwks_uri from one fetch per discovery URL', async () => {
    const config = load(TWO_ENDPOINTS);
    assert.equal(config.endpoints[0]!.strategies[0]!.type === 'jwt' && config.endpoints[0]!.strategies[0]!.discovery_url, DISCOVERY);
    const fetchJson = fakeFetch({ [DISCOVERY]: { issuer: 'https://auth.example.com/', jwks_uri: 'https://auth.example.com/.well-known/jwks.json' } });
    const result = await resolveDiscovery(config, fetchJson);
    if (!result.ok) assert.fail(JSON.stringify(result.errors));
    const uris = result.config.endpoints.flatMap((e) => e.strategies.map((s) => (s.type === 'jwt' ? s.jwks_uri : '')));
    assert.deepEqual(uris, [
      'https://auth.example.com/.well-known/jwks.json',
      'https://static.example.com/keys',
      'https://auth.example.com/.well-known/jwks.json',
    ]);
    assert.deepEqual(fetchJson.calls, [DISCOVERY]);
    // The input config is not modified.
    assert.equal(config.endpoints[0]!.strategies[0]!.type === 'jwt' && config.endpoints[0]!.strategies[0]!.jwks_uri, '');
    // What core gets carries no discovery_url and no nginx settings.
    const core = toCoreConfig(result.config);
    assert.equal(JSON.stringify(core).includes('discovery_url'), false);
    assert.equal('nginx' in core, false);
  });

  it('rejects a document whose issuer differs even by a trailing slash', async () => {
    const fetchJson = fakeFetch({ [DISCOVERY]: { issuer: 'https://auth.example.com', jwks_uri: 'https://evil.example.com/jwks' } });
    const result = await resolveDiscovery(load(TWO_ENDPOINTS), fetchJson);
    assert.deepEqual(result, {
      ok: false,
      errors: [
        {
          path: 'endpoints[0].strategies[0].issuer',
          message: `discovery document at ${DISCOVERY} names issuer "https://auth.example.com", expected exactly "https://auth.example.com/"`,
        },
        {
          path: 'endpoints[1].strategies[0].issuer',
          message: `discovery document at ${DISCOVERY} names issuer "https://auth.example.com", expected exactly "https://auth.example.com/"`,
        },
      ],
    });
  });

  it('reports fetch failures and unusable jwks_uri at the strategy path', async () => {
    const failing = await resolveDiscovery(load(TWO_ENDPOINTS), fakeFetch({}));
    assert.equal(failing.ok, false);
    if (failing.ok) return;
    assert.deepEqual(failing.errors[0], {
      path: 'endpoints[0].strategies[0].jwks_uri',
      message: `OpenID Connect discovery at ${DISCOVERY} failed: HTTP 404`,
    });

    const insecure = await resolveDiscovery(
      load(TWO_ENDPOINTS),
      fakeFetch({ [DISCOVERY]: { issuer: 'https://auth.example.com/', jwks_uri: 'http://auth.example.com/jwks' } }),
    );
    assert.equal(insecure.ok, false);
    if (insecure.ok) return;
    assert.equal(insecure.errors[0]!.path, 'endpoints[0].strategies[0].jwks_uri');
    assert.match(insecure.errors[0]!.message, /no usable jwks_uri/);
  });

  it('does not fetch anything when every jwks_uri is configured', async () => {
    const config = load(`endpoints:
  - path: /a
    resource: https://mcp.example.com/a
    upstream: http://u
    authorization_servers: [https://auth.example.com]
    strategies: [{ type: jwt, issuer: https://auth.example.com, jwks_uri: https://auth.example.com/jwks }]
`);
    const fetchJson = fakeFetch({});
    const result = await resolveDiscovery(config, fetchJson);
    assert.deepEqual(result, { ok: true, config });
    assert.deepEqual(fetchJson.calls, []);
  });
});

/**
 * The configuration the introspection / remote scenario table runs with: endpoints for each
 * client authentication method (one with its endpoint discovered), short cache lifetimes, a jwt →
 * introspection fallback with `tokens: all` and `tokens: opaque`, an introspection endpoint that is
 * down and one that hangs, and a remote validator. Secrets come through ${ENV}.
 */
import { parseConfig } from '../../src/config/load.ts';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { resolveDiscovery } from '../../src/config/resolve-discovery.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { fetchJson } from '../../src/node/node-ports.ts';
import type { IntrospectionIdp } from '../support/introspection-idp.ts';
import { VALIDATOR_KEY } from '../support/validation-server.ts';

export const PUBLIC = 'https://mcp.example.test';
export const ORIGIN_A = 'https://a.example';
export const ORIGIN_B = 'https://b.example';

export interface IntrospectionFixtureDeps {
  idp: IntrospectionIdp;
  /** The JWT issuer of the fallback endpoints (test/support/issuer.ts). */
  jwtIssuer: string;
  jwksUri: string;
  validatorUrl: string;
  /** A loopback port nothing listens on. */
  deadPort: number;
  upstreamUrl: string;
}

export function introspectionFixtureYaml(d: IntrospectionFixtureDeps): string {
  const basic = (extra: string) => `
      - type: introspection
        endpoint: ${d.idp.introspectionUrl}
        issuer: ${d.idp.issuer}
        client_id: ${d.idp.basicClient.id}
        client_secret: "\${INTROSPECTION_SECRET}"${extra}`;
  const jwt = `
      - type: jwt
        issuer: ${d.jwtIssuer}
        jwks_uri: ${d.jwksUri}`;
  const endpoint = (path: string, strategies: string, servers = d.idp.issuer) => `
  - path: ${path}
    resource: ${PUBLIC}${path}
    upstream: ${d.upstreamUrl}
    authorization_servers: [${servers}]
    policy: { required_scopes: [mcp:tools] }
    strategies:${strategies}`;
  return `
cors:
  allowed_origins: [${ORIGIN_A}, ${ORIGIN_B}]
endpoints:${endpoint('/intro/mcp', basic(''))}${endpoint('/intro-post/mcp', `
      - type: introspection
        issuer: ${d.idp.issuer}
        client_auth: client_secret_post
        client_id: ${d.idp.postClient.id}
        client_secret: "\${INTROSPECTION_POST_SECRET}"`)}${endpoint('/intro-short/mcp', basic(`
        cache_ttl: 1
        negative_cache_ttl: 1`))}${endpoint('/fallback/mcp', jwt + basic(''), `${d.jwtIssuer}, ${d.idp.issuer}`)}${endpoint('/fallback-opaque/mcp', jwt + basic(`
        tokens: opaque`), `${d.jwtIssuer}, ${d.idp.issuer}`)}${endpoint('/intro-down/mcp', `
      - type: introspection
        endpoint: http://127.0.0.1:${d.deadPort}/introspect
        client_id: rs-basic
        client_secret: "\${INTROSPECTION_SECRET}"`)}${endpoint('/intro-slow/mcp', `
      - type: introspection
        endpoint: ${d.validatorUrl}/hang
        client_id: rs-basic
        client_secret: "\${INTROSPECTION_SECRET}"
        timeout: 1`)}${endpoint('/remote/mcp', `
      - type: remote
        url: ${d.validatorUrl}/validate
        headers: { X-Validator-Key: "\${VALIDATOR_KEY}" }`)}
`;
}

/** Parse the fixture with the real loader, then resolve the discovered introspection endpoint. */
export async function introspectionFixtureConfig(d: IntrospectionFixtureDeps): Promise<CoreConfig> {
  const env = { INTROSPECTION_SECRET: d.idp.basicClient.secret, INTROSPECTION_POST_SECRET: d.idp.postClient.secret, VALIDATOR_KEY };
  const r = parseConfig(introspectionFixtureYaml(d), env, 'introspection fixture');
  if (!r.ok) throw new Error('introspection fixture invalid: ' + JSON.stringify(r.errors));
  const resolved = await resolveDiscovery(r.config, fetchJson);
  if (!resolved.ok) throw new Error('introspection fixture discovery failed: ' + JSON.stringify(resolved.errors));
  return toCoreConfig(resolved.config);
}

/**
 * The configuration every adapter is tested with: several endpoints, one per strategy family, at a
 * fixed public URL (the `resource`; it need not be where the test reaches the proxy).
 */
import { parseConfig } from '../../src/config/load.ts';
import { toCoreConfig } from '../../src/config/app-config.ts';
import type { CoreConfig } from '../../src/core/types.ts';

export const PUBLIC = 'https://mcp.example.test';
export const API_KEY = 'ak_live_0123456789abcdef';
export const STATIC_TOKEN = 'st_0123456789abcdefghij';

export interface FixtureDeps {
  issuerUrl: string;
  jwksUri: string;
  upstreamUrl: string;
}

/** The fixture as YAML, secrets through ${ENV} like a real deployment. */
export function fixtureYaml(d: FixtureDeps): string {
  return `
max_token_length: 4096
cors:
  allowed_origins: ["*"]
endpoints:
  - path: /mcp
    resource: ${PUBLIC}/mcp
    upstream: ${d.upstreamUrl}
    authorization_servers: [${d.issuerUrl}]
    resource_name: Contract MCP
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}
        algorithms: [RS256, ES256, PS256, EdDSA]
    policy:
      required_scopes: [mcp:tools]
  - path: /admin/mcp
    resource: ${PUBLIC}/admin/mcp
    upstream: ${d.upstreamUrl}
    authorization_servers: [${d.issuerUrl}]
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}
    policy:
      allowed_emails: ["*@example.com"]
      require_email_verified: true
  - path: /keys/mcp
    resource: ${PUBLIC}/keys/mcp
    upstream: ${d.upstreamUrl}
    authorization_servers: [${d.issuerUrl}]
    strategies:
      - type: apikey
        header: X-API-Key
        keys:
          - { key: "\${CONTRACT_API_KEY}", subject: ci-bot, scopes: [mcp:tools] }
      - type: bearer
        tokens:
          - { token: "\${CONTRACT_STATIC_TOKEN}", subject: svc-account, groups: [robots] }
  - path: /sso/mcp
    resource: ${PUBLIC}/sso/mcp
    upstream: ${d.upstreamUrl}
    authorization_servers: [${d.issuerUrl}]
    strategies:
      - type: trusted_header
        subject_header: Remote-User
        email_header: Remote-Email
        groups_header: Remote-Groups
        trusted_peers: [127.0.0.1/32]
`;
}

/** Parse the fixture through the real config loader. */
export function fixtureConfig(d: FixtureDeps): CoreConfig {
  const r = parseConfig(fixtureYaml(d), { CONTRACT_API_KEY: API_KEY, CONTRACT_STATIC_TOKEN: STATIC_TOKEN }, 'contract fixture');
  if (!r.ok) throw new Error('contract fixture invalid: ' + JSON.stringify(r.errors));
  return toCoreConfig(r.config);
}

/**
 * The fixture of the per-request rules table (tool-scenarios.ts): one endpoint with per-tool rules
 * and a small body limit, one with a header allow-list, one with neither (bodies never read).
 */
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { PUBLIC, type FixtureDeps } from './fixture-config.ts';

/** The tools endpoint's body limit: small, so the 413 case stays small. */
export const TOOL_BODY_LIMIT = 4096;

function jwt(d: FixtureDeps): string {
  return `    authorization_servers: [${d.issuerUrl}]
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}`;
}

/** The fixture as YAML. */
export function toolFixtureYaml(d: FixtureDeps): string {
  return `
cors:
  allowed_origins: ["*"]
endpoints:
  - path: /tools/mcp
    resource: ${PUBLIC}/tools/mcp
    upstream: ${d.upstreamUrl}
${jwt(d)}
    policy:
      required_scopes: [mcp:tools]
    tools:
      - { match: "delete_*", scopes: [admin] }
      - { match: "deploy", groups: [ops, sre] }
      - { match: "*_secret", scopes: [secrets:read] }
    max_body_bytes: ${TOOL_BODY_LIMIT}
  - path: /headers/mcp
    resource: ${PUBLIC}/headers/mcp
    upstream: ${d.upstreamUrl}
${jwt(d)}
    pass_headers: [X-Trace-Id]
  - path: /plain/mcp
    resource: ${PUBLIC}/plain/mcp
    upstream: ${d.upstreamUrl}
${jwt(d)}
`;
}

/** Parse the fixture through the real config loader. */
export function toolFixtureConfig(d: FixtureDeps): CoreConfig {
  const r = parseConfig(toolFixtureYaml(d), {}, 'tool fixture');
  if (!r.ok) throw new Error('tool fixture invalid: ' + JSON.stringify(r.errors));
  return toCoreConfig(r.config);
}

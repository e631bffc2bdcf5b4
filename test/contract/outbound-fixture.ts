/**
 * The configuration the outbound-credential scenario table (outbound-scenarios.ts) runs with: one
 * endpoint per upstream_auth kind, all with jwt inbound auth from the test issuer, plus public
 * sub-paths. Secrets and the script's variables come through ${ENV} / the process environment.
 */
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.ts';
import type { AppConfig } from '../../src/config/app-config.ts';
import { PUBLIC } from './fixture-config.ts';

export const OUT_STATIC = 'upstream-static-0123456789';
export const OUT_KEY = 'upstream-key-0123456789abc';
export const SCRIPT_PREFIX = 'scripted';
export const CC_CLIENT = { client_id: 'mcp-authz-cc', client_secret: 'cc-secret-0123456789abcdef' };
export const POST_CLIENT = { client_id: 'mcp-authz-post', client_secret: 'post-secret-0123456789abcd' };
export const XCHG_CLIENT = { client_id: 'mcp-authz-xchg', client_secret: 'xchg-secret-0123456789abcd' };
export const SCRIPT_FILE = fileURLToPath(new URL('../fixtures/upstream-auth-script.mjs', import.meta.url));

export interface OutboundDeps {
  issuerUrl: string;
  jwksUri: string;
  upstreamUrl: string;
  /** The token IdP (oidc-provider). */
  idpUrl: string;
  /** Token lifetime margin for the fetched kinds. */
  expiryMargin?: number;
}

function jwt(d: OutboundDeps, path: string): string {
  return `  - path: ${path}
    resource: ${PUBLIC}${path}
    upstream: ${d.upstreamUrl}
    authorization_servers: [${d.issuerUrl}]
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}`;
}

/** The fixture as YAML. */
export function outboundYaml(d: OutboundDeps): string {
  const margin = d.expiryMargin ?? 30;
  return `
endpoints:
${jwt(d, '/static/mcp')}
    upstream_auth: { type: static, token: "\${OUT_STATIC}" }
    bypass: [/static/mcp/health, /static/mcp/public/*]
${jwt(d, '/hkey/mcp')}
    upstream_auth: { type: api_key, key: "\${OUT_KEY}", header: X-Upstream-Key }
${jwt(d, '/qkey/mcp')}
    upstream_auth: { type: api_key, key: "\${OUT_KEY}", query: api_key }
${jwt(d, '/cc/mcp')}
    upstream_auth:
      type: client_credentials
      token_endpoint: ${d.idpUrl}/token
      client_id: ${CC_CLIENT.client_id}
      client_secret: "\${OUT_CC_SECRET}"
      scope: [upstream:read]
      expiry_margin: ${margin}
      retry_delay_ms: 100
${jwt(d, '/ccpost/mcp')}
    upstream_auth:
      type: client_credentials
      issuer: ${d.idpUrl}
      client_id: ${POST_CLIENT.client_id}
      client_secret: "\${OUT_POST_SECRET}"
      auth_method: client_secret_post
      expiry_margin: ${margin}
      retry_delay_ms: 100
${jwt(d, '/xchg/mcp')}
    upstream_auth:
      type: token_exchange
      token_endpoint: ${d.idpUrl}/token
      client_id: ${XCHG_CLIENT.client_id}
      client_secret: "\${OUT_XCHG_SECRET}"
      audience: https://upstream.example.test
      scope: [upstream:read]
      expiry_margin: ${margin}
      retry_delay_ms: 100
${jwt(d, '/script/mcp')}
    upstream_auth: { type: script, file: ${SCRIPT_FILE}, env: [OUT_SCRIPT_PREFIX, OUT_SCRIPT_PROBE] }
${jwt(d, '/pass/mcp')}
    pass_authorization: true
    bypass: [/pass/mcp/health]
`;
}

/** The secrets, as the environment would hold them. */
export const OUTBOUND_ENV = {
  OUT_STATIC,
  OUT_KEY,
  OUT_CC_SECRET: CC_CLIENT.client_secret,
  OUT_POST_SECRET: POST_CLIENT.client_secret,
  OUT_XCHG_SECRET: XCHG_CLIENT.client_secret,
};

/** Parse through the real loader. */
export function outboundConfig(d: OutboundDeps): AppConfig {
  const r = parseConfig(outboundYaml(d), OUTBOUND_ENV, 'outbound fixture');
  if (!r.ok) throw new Error('outbound fixture invalid: ' + JSON.stringify(r.errors));
  return r.config;
}

/** The script's variables (nginx passes them to njs through the generated `env NAME;`). */
export function setScriptEnv(probeUrl: string): void {
  process.env.OUT_SCRIPT_PREFIX = SCRIPT_PREFIX;
  process.env.OUT_SCRIPT_PROBE = probeUrl;
}

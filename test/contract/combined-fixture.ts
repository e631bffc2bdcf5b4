/**
 * Several protected MCP endpoints in one configuration (issue 5 item 4), each with its own
 * upstream, strategies, policy, resource metadata, outbound credential and request rules:
 *  - /a/mcp: jwt, per-tool rule (delete_* needs mcp:admin), rate limit, static upstream token,
 *    header allow-list;
 *  - /b/mcp: API key, upstream API key in a header, rate limit, a public health path;
 *  - /c/mcp: jwt with another scope, client_credentials from a real token IdP, per-tool rule,
 *    no rate limit, an upstream URL with a path (/base/);
 *  - /d/mcp: a script validator (test/fixtures/scripts/validator.js), per-tool group rule,
 *    upstream API key in the query, rate limit;
 *  - /e/mcp: jwt, RFC 8693 token exchange at the same IdP (per user), per-tool rule, rate limit,
 *    `pass_headers: []`;
 *  - /f/mcp: a static bearer token, `pass_authorization` (the client's token goes upstream) with a
 *    header allow-list and a public path (where it must not).
 *  - /g/mcp: RFC 7662 introspection at a real oidc-provider, per-tool rule, rate limit, upstream
 *    API key in a header, an upstream URL with a path (/g-base).
 * A, B and F have public sub-paths.
 */
import { parseConfig } from '../../src/config/load.ts';
import type { AppConfig } from '../../src/config/app-config.ts';
import { PUBLIC } from './fixture-config.ts';
import { SCRIPTS_DIR } from './script-fixture.ts';

export const COMBO_STATIC = 'combo-upstream-static-0123456789';
export const COMBO_UPSTREAM_KEY = 'combo-upstream-key-0123456789ab';
export const COMBO_CC_CLIENT = { client_id: 'combo-cc', client_secret: 'combo-cc-secret-0123456789abcdef' };
export const COMBO_XCHG_CLIENT = { client_id: 'combo-xchg', client_secret: 'combo-xchg-secret-0123456789abcd' };
/** Client API keys of endpoint B, by subject. `alice` and `carol` are also jwt subjects on A and C. */
export const B_KEYS = { alice: 'b-key-alice-0123456789abcdef', bot: 'b-key-bot-0123456789abcdefgh', carol: 'b-key-carol-0123456789abcdef' };
/** A: 1 per minute, 3 at once (nginx: Retry-After 63). */
export const A_LIMIT = { burst: 3, retryAfter: '63' };
export const B_LIMIT = { burst: 2, retryAfter: '63' };
/** D: 1 per minute, 4 at once. */
export const D_LIMIT = { burst: 4, retryAfter: '63' };
/** E: 1 per second, 2 at once. */
export const E_LIMIT = { burst: 2, retryAfter: '1' };
/** G: 1 per minute, 2 at once. */
export const G_LIMIT = { burst: 2, retryAfter: '63' };
/** F's client bearer token (subject svc). */
export const F_TOKEN = 'f-static-token-0123456789abcdef';

export interface ComboDeps {
  issuerUrl: string;
  jwksUri: string;
  upstreamA: string;
  upstreamB: string;
  upstreamC: string;
  upstreamD: string;
  upstreamE: string;
  upstreamF: string;
  upstreamG: string;
  /** The introspection AS of /g/mcp (test/support/introspection-idp.ts). */
  introspection: { issuer: string; endpoint: string; clientId: string };
  /** The token IdP (oidc-provider) for C's client_credentials. */
  idpUrl: string;
}

/** The fixture as YAML; secrets through ${ENV}; `extra` is prepended at the top level (e.g. `serve:`). */
export function comboYaml(d: ComboDeps, extra = ''): string {
  return `${extra}
cors:
  allowed_origins: ["*"]
endpoints:
  - path: /a/mcp
    resource: ${PUBLIC}/a/mcp
    upstream: ${d.upstreamA}
    authorization_servers: [${d.issuerUrl}]
    resource_name: Endpoint A
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}
    policy:
      required_scopes: [mcp:tools]
    tools:
      - { match: "delete_*", scopes: [mcp:admin] }
    rate_limit: { requests_per_minute: 1, burst: ${A_LIMIT.burst} }
    upstream_auth: { type: static, token: "\${COMBO_STATIC}" }
    pass_headers: [X-Trace-Id]
    bypass: [/a/mcp/health]
  - path: /b/mcp
    resource: ${PUBLIC}/b/mcp
    upstream: ${d.upstreamB}
    authorization_servers: [${d.issuerUrl}]
    scopes_supported: [b:use]
    strategies:
      - type: apikey
        header: X-API-Key
        keys:
          - { key: "${B_KEYS.alice}", subject: alice, scopes: [b:use] }
          - { key: "${B_KEYS.bot}", subject: bot, scopes: [b:use] }
          - { key: "${B_KEYS.carol}", subject: carol, scopes: [b:use] }
    policy:
      required_scopes: [b:use]
    rate_limit: { requests_per_minute: 1, burst: ${B_LIMIT.burst} }
    upstream_auth: { type: api_key, key: "\${COMBO_UPSTREAM_KEY}", header: X-Upstream-Key }
    bypass: [/b/mcp/health]
  - path: /c/mcp
    resource: ${PUBLIC}/c/mcp
    upstream: ${d.upstreamC}/base/
    authorization_servers: [${d.issuerUrl}]
    scopes_supported: [c:read, c:write]
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}
    policy:
      required_scopes: [c:read]
    tools:
      - { match: "write_*", scopes: [c:write] }
    upstream_auth:
      type: client_credentials
      token_endpoint: ${d.idpUrl}/token
      client_id: ${COMBO_CC_CLIENT.client_id}
      client_secret: "\${COMBO_CC_SECRET}"
      scope: [upstream:read]
      retry_delay_ms: 100
  - path: /d/mcp
    resource: ${PUBLIC}/d/mcp
    upstream: ${d.upstreamD}
    strategies:
      - type: script
        file: ${SCRIPTS_DIR}validator.js
        strip_headers: [X-Session]
    tools:
      - { match: deploy, groups: [ops] }
    rate_limit: { requests_per_minute: 1, burst: ${D_LIMIT.burst} }
    upstream_auth: { type: api_key, key: "\${COMBO_UPSTREAM_KEY}", query: api_key }
  - path: /e/mcp
    resource: ${PUBLIC}/e/mcp
    upstream: ${d.upstreamE}
    authorization_servers: [${d.issuerUrl}]
    strategies:
      - type: jwt
        issuer: ${d.issuerUrl}
        jwks_uri: ${d.jwksUri}
    policy:
      required_scopes: [e:use]
    tools:
      - { match: "admin_*", scopes: [e:admin] }
    rate_limit: { requests_per_second: 1, burst: ${E_LIMIT.burst} }
    pass_headers: []
    upstream_auth:
      type: token_exchange
      token_endpoint: ${d.idpUrl}/token
      client_id: ${COMBO_XCHG_CLIENT.client_id}
      client_secret: "\${COMBO_XCHG_SECRET}"
      audience: https://upstream-e.example.test
      scope: [upstream:read]
      retry_delay_ms: 100
  - path: /f/mcp
    resource: ${PUBLIC}/f/mcp
    upstream: ${d.upstreamF}
    strategies:
      - type: bearer
        tokens:
          - { token: "${F_TOKEN}", subject: svc, scopes: [f:use] }
    pass_authorization: true
    pass_headers: [X-Trace-Id]
    bypass: [/f/mcp/health]
  - path: /g/mcp
    resource: ${PUBLIC}/g/mcp
    upstream: ${d.upstreamG}/g-base
    authorization_servers: [${d.introspection.issuer}]
    strategies:
      - type: introspection
        endpoint: ${d.introspection.endpoint}
        issuer: ${d.introspection.issuer}
        client_id: ${d.introspection.clientId}
        client_secret: "\${COMBO_INTROSPECTION_SECRET}"
    policy:
      required_scopes: [mcp:tools]
    tools:
      - { match: "secret_*", scopes: [mcp:admin] }
    rate_limit: { requests_per_minute: 1, burst: ${G_LIMIT.burst} }
    upstream_auth: { type: api_key, key: "\${COMBO_UPSTREAM_KEY}", header: X-G-Key }
`;
}

/** The secrets, as the environment would hold them. */
export const COMBO_ENV = {
  COMBO_STATIC,
  COMBO_UPSTREAM_KEY,
  COMBO_CC_SECRET: COMBO_CC_CLIENT.client_secret,
  COMBO_XCHG_SECRET: COMBO_XCHG_CLIENT.client_secret,
};

/** Parse through the real loader; the introspection client's secret is the IdP's (random per run). */
export function comboConfig(d: ComboDeps, introspectionSecret: string, extra = ''): AppConfig {
  const r = parseConfig(comboYaml(d, extra), Object.assign({ COMBO_INTROSPECTION_SECRET: introspectionSecret }, COMBO_ENV), 'combined fixture');
  if (!r.ok) throw new Error('combined fixture invalid: ' + JSON.stringify(r.errors));
  return r.config;
}

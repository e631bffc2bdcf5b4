/**
 * The scenario table: one list of requests and expected outcomes that every adapter (njs in nginx,
 * the Node core, and later ext_authz and forward-auth) must satisfy identically. A scenario says
 * what the client sends and what the client and the upstream must see; nothing adapter-specific.
 * Order matters only where noted (key rotation before the unknown-kid case).
 */
import type { MintOptions, RunningIssuer } from '../support/issuer.ts';
import { algNone, hs256WithKey, tamper } from '../support/issuer.ts';
import { API_KEY, PUBLIC, STATIC_TOKEN } from './fixture-config.ts';

export interface ScenarioRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Connect from this loopback address (a different peer). */
  localAddress?: string;
  /** Request body; when absent a POST sends `{}`. */
  body?: string;
}

export interface Expectation {
  status: number;
  /** Exact WWW-Authenticate value; null = must be absent; undefined = not checked. */
  challenge?: string | null;
  /** `error` member of the JSON body. */
  error?: string;
  /** Exact JSON body. */
  json?: unknown;
  /** Response headers that must have these values. */
  responseHeaders?: Record<string, string>;
  /** For allowed requests: headers the upstream must receive with these values… */
  upstream?: Record<string, string>;
  /** …and lower-cased headers it must not receive. */
  upstreamAbsent?: string[];
  /** For allowed requests: headers whose upstream value must match (values not known beforehand). */
  upstreamMatch?: Record<string, RegExp>;
  /** For allowed requests: the decoded query parameters of the upstream request, exactly. */
  upstreamQuery?: Record<string, string[]>;
}

/** The adapters the table runs against. */
export type AdapterName = 'core' | 'njs' | 'ext_authz' | 'forward_auth_caddy' | 'forward_auth_nginx' | 'forward_auth_traefik';

export interface Scenario {
  name: string;
  request: (ctx: ScenarioContext) => Promise<ScenarioRequest> | ScenarioRequest;
  expect: Expectation;
  /**
   * Where a proxy's contract cannot express the shared outcome, the replacement expectation for
   * that adapter, with the reason. Keep this rare: every entry is a documented difference.
   */
  differs?: Partial<Record<AdapterName, { expect: Expectation; why: string }>>;
}

export interface ScenarioContext {
  issuer: RunningIssuer;
}

const RESOURCE = PUBLIC + '/mcp';
const PRM_URL = PUBLIC + '/.well-known/oauth-protected-resource/mcp';
const CHALLENGE_401 = `Bearer resource_metadata="${PRM_URL}", scope="mcp:tools"`;

function invalid(description: string): string {
  return `${CHALLENGE_401}, error="invalid_token", error_description="${description}"`;
}

const now = (): number => Math.floor(Date.now() / 1000);

function post(path: string, headers: Record<string, string> = {}): ScenarioRequest {
  return { method: 'POST', path, headers: Object.assign({ 'content-type': 'application/json' }, headers) };
}

function bearer(token: string): Record<string, string> {
  return { authorization: 'Bearer ' + token };
}

async function token(ctx: ScenarioContext, claims: Record<string, unknown>, opts: MintOptions = {}): Promise<string> {
  return ctx.issuer.mint(Object.assign({ sub: 'alice', aud: RESOURCE, scope: 'mcp:tools' }, claims), opts);
}

const NO_CREDENTIALS_UPSTREAM = ['authorization', 'x-api-key', 'remote-user', 'remote-email', 'remote-groups'];

/**
 * Forward-auth (Caddy forward_auth, nginx auth_request, Traefik forwardAuth): any 2xx from the auth
 * endpoint means "continue", so it cannot answer a preflight itself. It says continue without
 * identity, and the preflight reaches the proxy's own CORS handling or (here) the upstream.
 */
const FORWARD_AUTH_PREFLIGHT = {
  expect: { status: 200, challenge: null, upstream: {} },
  why: 'a forward-auth 2xx only means continue: the preflight passes on to the upstream',
};

/**
 * nginx drops header names outside letters, digits and '-' before anything sees them
 * (ignore_invalid_headers, on by default), so an alias never reaches the check or the upstream.
 */
const NGINX_DROPS_ALIAS = {
  expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamAbsent: ['x.mcp.subject'] },
  why: 'nginx drops the invalid header name itself; the upstream never sees it',
};
const NGINX_DROPS_UNDERSCORE = {
  expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamAbsent: ['x_mcp_email', 'x-mcp-email'] },
  why: 'nginx drops names with underscores itself (underscores_in_headers off); the upstream never sees it',
};

export const SCENARIOS: Scenario[] = [
  {
    name: 'valid RS256 token → 200, identity upstream, no Authorization upstream',
    request: async (c) => post('/mcp', bearer(await token(c, { email: 'alice@example.com', groups: ['eng'] }, { alg: 'RS256' }))),
    expect: {
      status: 200,
      upstream: { 'x-mcp-subject': 'alice', 'x-mcp-email': 'alice@example.com', 'x-mcp-groups': 'eng', 'x-mcp-scopes': 'mcp:tools' },
      upstreamAbsent: NO_CREDENTIALS_UPSTREAM,
    },
  },
  {
    name: 'valid ES256 token → 200',
    request: async (c) => post('/mcp', bearer(await token(c, {}, { alg: 'ES256' }))),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamAbsent: ['authorization', 'x-mcp-email'] },
  },
  {
    name: 'valid PS256 token → 200',
    request: async (c) => post('/mcp', bearer(await token(c, {}, { alg: 'PS256' }))),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' } },
  },
  {
    name: 'lower-case bearer scheme → 200',
    request: async (c) => post('/mcp', { authorization: 'bearer ' + (await token(c, {})) }),
    expect: { status: 200 },
  },
  {
    name: 'no token → 401 with resource_metadata and scope, no error',
    request: () => post('/mcp'),
    expect: { status: 401, challenge: CHALLENGE_401, json: { error: 'unauthorized', error_description: 'Authorization required' } },
  },
  {
    name: 'Basic credentials are not a bearer token → 401 without error',
    request: () => post('/mcp', { authorization: 'Basic YWxpY2U6c2VjcmV0' }),
    expect: { status: 401, challenge: CHALLENGE_401 },
  },
  {
    name: 'expired token → 401 invalid_token',
    request: async (c) => post('/mcp', bearer(await token(c, { iat: now() - 600, exp: now() - 300 }))),
    expect: { status: 401, challenge: invalid('The access token expired'), error: 'invalid_token' },
  },
  {
    name: 'not yet valid token → 401',
    request: async (c) => post('/mcp', bearer(await token(c, { nbf: now() + 600 }))),
    expect: { status: 401, challenge: invalid('The access token is not valid yet') },
  },
  {
    name: 'wrong issuer → 401',
    request: async (c) => post('/mcp', bearer(await token(c, { iss: 'https://evil.example' }))),
    expect: { status: 401, challenge: invalid('The access token was issued by an untrusted issuer') },
  },
  {
    name: 'token for another resource → 401 (RFC 8707 audience)',
    request: async (c) => post('/mcp', bearer(await token(c, { aud: PUBLIC + '/other/mcp' }))),
    expect: { status: 401, challenge: invalid('The access token was not issued for this resource') },
  },
  {
    name: 'rotated key: a new kid is fetched once and accepted',
    request: async (c) => {
      const kid = await c.issuer.rotate('ES256', { keepOld: true });
      return post('/mcp', bearer(await token(c, {}, { alg: 'ES256', kid })));
    },
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' } },
  },
  {
    name: 'unknown kid → 401',
    request: async (c) => post('/mcp', bearer(await token(c, {}, { alg: 'ES256', kid: 'never-published' }))),
    expect: { status: 401, challenge: invalid('The access token is signed with an unknown key') },
  },
  {
    name: 'alg none → 401',
    request: () => post('/mcp', bearer(algNone({ iss: 'x', sub: 'alice', aud: RESOURCE, exp: now() + 300 }))),
    expect: { status: 401, error: 'invalid_token' },
  },
  {
    name: 'HS256 signed with the RSA public key → 401',
    request: (c) => {
      const rsa = c.issuer.keys.RS256;
      const claims = { iss: c.issuer.url, sub: 'alice', aud: RESOURCE, scope: 'mcp:tools', exp: now() + 300 };
      return post('/mcp', bearer(hs256WithKey(claims, rsa.publicPem, { header: { kid: rsa.kid } })));
    },
    expect: { status: 401, challenge: invalid('The access token is signed with an algorithm that is not accepted') },
  },
  {
    name: 'tampered payload → 401 bad signature',
    request: async (c) => post('/mcp', bearer(tamper(await token(c, {}), { sub: 'mallory' }))),
    expect: { status: 401, challenge: invalid('The access token signature is invalid') },
  },
  {
    name: 'malformed token → 401',
    request: () => post('/mcp', bearer('not.a.jwt')),
    expect: { status: 401, challenge: invalid('The access token is malformed') },
  },
  {
    name: 'oversized token → 401 before parsing',
    request: () => post('/mcp', bearer('a'.repeat(5000))),
    expect: { status: 401, challenge: invalid('The access token is malformed') },
  },
  {
    name: 'missing scope → 403 insufficient_scope naming the scope',
    request: async (c) => post('/mcp', bearer(await token(c, { scope: 'profile' }))),
    expect: {
      status: 403,
      challenge: `Bearer resource_metadata="${PRM_URL}", scope="mcp:tools", error="insufficient_scope", error_description="The access token lacks a required scope"`,
      error: 'insufficient_scope',
    },
  },
  {
    name: 'allow-list miss (email domain) → 403 access_denied',
    request: async (c) => post('/admin/mcp', bearer(await token(c, { aud: PUBLIC + '/admin/mcp', email: 'bob@other.org', email_verified: true }))),
    expect: { status: 403, error: 'access_denied', challenge: null },
  },
  {
    name: 'allow-list hit but email not verified → 403',
    request: async (c) => post('/admin/mcp', bearer(await token(c, { aud: PUBLIC + '/admin/mcp', email: 'carol@example.com', email_verified: false }))),
    expect: { status: 403, error: 'access_denied' },
  },
  {
    name: 'allow-list hit with verified email → 200',
    request: async (c) => post('/admin/mcp', bearer(await token(c, { aud: PUBLIC + '/admin/mcp', email: 'carol@example.com', email_verified: true }))),
    expect: { status: 200, upstream: { 'x-mcp-email': 'carol@example.com' } },
  },
  {
    name: 'API key → 200 as its subject, key not forwarded',
    request: () => post('/keys/mcp', { 'x-api-key': API_KEY }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'ci-bot', 'x-mcp-scopes': 'mcp:tools' }, upstreamAbsent: ['x-api-key'] },
  },
  {
    name: 'wrong API key → 401',
    request: () => post('/keys/mcp', { 'x-api-key': 'ak_live_wrong_wrong_wrong' }),
    expect: { status: 401, error: 'invalid_token' },
  },
  {
    name: 'static bearer token → 200',
    request: () => post('/keys/mcp', bearer(STATIC_TOKEN)),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'svc-account', 'x-mcp-groups': 'robots' }, upstreamAbsent: ['authorization'] },
  },
  {
    name: 'unknown static bearer token → 401',
    request: () => post('/keys/mcp', bearer('st_wrong_wrong_wrong_wrong')),
    expect: { status: 401, error: 'invalid_token' },
  },
  {
    name: 'trusted header from an allowed peer → 200, source headers not forwarded',
    request: () => post('/sso/mcp', { 'remote-user': 'dave', 'remote-email': 'dave@example.com', 'remote-groups': 'ops,eng' }),
    expect: {
      status: 200,
      upstream: { 'x-mcp-subject': 'dave', 'x-mcp-email': 'dave@example.com', 'x-mcp-groups': 'ops,eng' },
      upstreamAbsent: ['remote-user', 'remote-email', 'remote-groups'],
    },
  },
  {
    name: 'trusted header from a disallowed peer → 401',
    request: () => Object.assign(post('/sso/mcp', { 'remote-user': 'dave' }), { localAddress: '127.0.0.2' }),
    expect: { status: 401, challenge: `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/sso/mcp"` },
  },
  {
    name: 'spoofed identity headers are replaced or dropped',
    request: async (c) => post('/mcp', Object.assign(bearer(await token(c, {})), {
      'x-mcp-subject': 'mallory', 'X-MCP-Email': 'mallory@evil.example', 'x-mcp-groups': 'admins', 'X-Mcp-Scopes': 'everything',
    })),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice', 'x-mcp-scopes': 'mcp:tools' }, upstreamAbsent: ['x-mcp-email', 'x-mcp-groups'] },
  },
  {
    name: 'a header name aliasing an identity header (X.MCP.Subject) → 400',
    request: async (c) => post('/mcp', Object.assign(bearer(await token(c, {})), { 'X.MCP.Subject': 'admin' })),
    expect: { status: 400, error: 'invalid_request' },
    differs: { njs: NGINX_DROPS_ALIAS, forward_auth_nginx: NGINX_DROPS_ALIAS },
  },
  {
    name: 'the underscore form (X_MCP_Email) is an alias too → 400',
    request: async (c) => post('/mcp', Object.assign(bearer(await token(c, {})), { 'X_MCP_Email': 'admin@example.com' })),
    expect: { status: 400, error: 'invalid_request' },
    differs: { njs: NGINX_DROPS_UNDERSCORE, forward_auth_nginx: NGINX_DROPS_UNDERSCORE },
  },
  {
    name: 'token in the query string → 400 invalid_request',
    request: async (c) => post('/mcp?access_token=' + (await token(c, {}))),
    expect: {
      status: 400,
      challenge: `${CHALLENGE_401}, error="invalid_request", error_description="Access tokens are not accepted in the query string"`,
      error: 'invalid_request',
    },
  },
  {
    name: 'CORS preflight → 204, never challenged',
    request: () => ({ method: 'OPTIONS', path: '/mcp', headers: { origin: 'https://inspector.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } }),
    expect: {
      status: 204,
      challenge: null,
      responseHeaders: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID',
      },
    },
    differs: { forward_auth_caddy: FORWARD_AUTH_PREFLIGHT, forward_auth_nginx: FORWARD_AUTH_PREFLIGHT },
  },
  {
    name: '401 exposes WWW-Authenticate to browser clients',
    request: () => post('/mcp', { origin: 'https://inspector.example' }),
    expect: { status: 401, responseHeaders: { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, Retry-After' } },
  },
  {
    name: 'protected resource metadata for /mcp (RFC 9728)',
    request: () => ({ method: 'GET', path: '/.well-known/oauth-protected-resource/mcp', headers: {} }),
    expect: { status: 200, json: 'PRM_MCP' },
  },
  {
    name: 'protected resource metadata at the root names the first endpoint',
    request: () => ({ method: 'GET', path: '/.well-known/oauth-protected-resource', headers: {} }),
    expect: { status: 200, json: 'PRM_MCP' },
  },
  {
    name: 'protected resource metadata for a nested endpoint',
    request: () => ({ method: 'GET', path: '/.well-known/oauth-protected-resource/keys/mcp', headers: {} }),
    expect: { status: 200, json: 'PRM_KEYS' },
  },
  {
    name: 'metadata for an unknown resource → 404',
    request: () => ({ method: 'GET', path: '/.well-known/oauth-protected-resource/nope', headers: {} }),
    expect: { status: 404 },
  },
];

/** The exact metadata documents the table expects (placeholders resolved with the issuer URL). */
export function expectedJson(json: unknown, issuerUrl: string): unknown {
  if (json === 'PRM_MCP') {
    return { resource: RESOURCE, authorization_servers: [issuerUrl], scopes_supported: ['mcp:tools'], bearer_methods_supported: ['header'], resource_name: 'Contract MCP' };
  }
  if (json === 'PRM_KEYS') {
    return { resource: PUBLIC + '/keys/mcp', authorization_servers: [issuerUrl], scopes_supported: [], bearer_methods_supported: ['header'] };
  }
  return json;
}

/**
 * The outbound-credential scenario table (fixture: outbound-fixture.ts), run against core in Node,
 * njs in nginx, ext_authz and forward-auth. What the upstream receives is the point: our credential
 * of each kind, never the client's token, and nothing at all on public sub-paths.
 */
import { PUBLIC } from './fixture-config.ts';
import { OUT_KEY, OUT_STATIC, SCRIPT_PREFIX } from './outbound-fixture.ts';
import type { Scenario, ScenarioContext, ScenarioRequest } from './scenarios.ts';

function req(method: string, path: string, headers: Record<string, string> = {}): ScenarioRequest {
  return { method, path, headers: method === 'POST' ? Object.assign({ 'content-type': 'application/json' }, headers) : headers };
}

async function userToken(c: ScenarioContext, path: string): Promise<string> {
  return c.issuer.mint({ sub: 'alice', aud: PUBLIC + path, scope: 'mcp:tools' });
}

async function asAlice(c: ScenarioContext, method: string, path: string, endpoint: string, extra: Record<string, string> = {}): Promise<ScenarioRequest> {
  return req(method, path, Object.assign({ authorization: 'Bearer ' + (await userToken(c, endpoint)) }, extra));
}

/** Any opaque or JWT bearer token that is not a JWT of the test issuer (those start with eyJ). */
const FETCHED = /^Bearer (?!eyJ)[A-Za-z0-9._~+/-]{16,}=*$/;

/** The user's identity headers a public sub-path must not carry. */
const NO_IDENTITY = ['authorization', 'x-mcp-subject', 'x-mcp-scopes', 'x-upstream-key'];

const FORWARD_AUTH_NO_QUERY = {
  expect: { status: 500, error: 'server_error' },
  why: 'Traefik/Caddy forward-auth can only copy headers from the auth answer, not add query parameters: the check refuses rather than let the request through without the key',
};

export const OUTBOUND_SCENARIOS: Scenario[] = [
  {
    name: 'static: the upstream gets our bearer token, not the client\'s',
    request: (c) => asAlice(c, 'POST', '/static/mcp', '/static/mcp'),
    expect: { status: 200, upstream: { authorization: 'Bearer ' + OUT_STATIC, 'x-mcp-subject': 'alice' } },
  },
  {
    name: 'static: no client token → 401, nothing upstream',
    request: () => req('POST', '/static/mcp'),
    expect: { status: 401 },
  },
  {
    name: 'bypass (exact): a public sub-path reaches the upstream without any token',
    request: () => req('GET', '/static/mcp/health'),
    expect: { status: 200, upstreamAbsent: NO_IDENTITY },
  },
  {
    name: 'bypass (exact): the user\'s token is stripped, no identity and no credential of ours added',
    request: (c) => asAlice(c, 'GET', '/static/mcp/health', '/static/mcp', { 'x-mcp-subject': 'mallory' }),
    expect: { status: 200, upstreamAbsent: NO_IDENTITY },
  },
  {
    name: 'bypass (/*): any depth below the prefix is public',
    request: (c) => asAlice(c, 'GET', '/static/mcp/public/a/b', '/static/mcp'),
    expect: { status: 200, upstreamAbsent: NO_IDENTITY },
  },
  {
    name: 'bypass (/*): the directory itself is not public',
    request: () => req('GET', '/static/mcp/public'),
    expect: { status: 401 },
  },
  {
    name: 'bypass (exact): a longer path is not public',
    request: () => req('GET', '/static/mcp/healthz'),
    expect: { status: 401 },
  },
  {
    name: 'bypass on a pass_authorization endpoint: the client\'s Authorization still never reaches upstream',
    request: (c) => asAlice(c, 'GET', '/pass/mcp/health', '/pass/mcp'),
    expect: { status: 200, upstreamAbsent: NO_IDENTITY },
  },
  {
    name: 'pass_authorization endpoint outside bypass: the client\'s token passes (as configured)',
    request: (c) => asAlice(c, 'POST', '/pass/mcp', '/pass/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamMatch: { authorization: /^Bearer eyJ/ } },
  },
  {
    name: 'api_key header: the upstream gets our key in its header and no Authorization',
    request: (c) => asAlice(c, 'POST', '/hkey/mcp', '/hkey/mcp'),
    expect: { status: 200, upstream: { 'x-upstream-key': OUT_KEY, 'x-mcp-subject': 'alice' }, upstreamAbsent: ['authorization'] },
  },
  {
    name: 'api_key header: a client-sent copy of the key header is replaced by ours',
    request: (c) => asAlice(c, 'POST', '/hkey/mcp', '/hkey/mcp', { 'x-upstream-key': 'client-guess' }),
    expect: { status: 200, upstream: { 'x-upstream-key': OUT_KEY } },
  },
  {
    name: 'api_key query: our key is set in the query, replacing a client copy, other args kept',
    request: (c) => asAlice(c, 'POST', '/qkey/mcp?x=1&api_key=client-guess', '/qkey/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamAbsent: ['authorization'], upstreamQuery: { x: ['1'], api_key: [OUT_KEY] } },
    differs: { forward_auth_caddy: FORWARD_AUTH_NO_QUERY, forward_auth_nginx: FORWARD_AUTH_NO_QUERY },
  },
  {
    name: 'client_credentials (Basic, token_endpoint): the upstream gets a token from the IdP',
    request: (c) => asAlice(c, 'POST', '/cc/mcp', '/cc/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamMatch: { authorization: FETCHED } },
  },
  {
    name: 'client_credentials (client_secret_post, issuer discovery): the upstream gets a token from the IdP',
    request: (c) => asAlice(c, 'POST', '/ccpost/mcp', '/ccpost/mcp'),
    expect: { status: 200, upstreamMatch: { authorization: FETCHED } },
  },
  {
    name: 'token_exchange: the upstream gets the exchanged token, not the user\'s',
    request: (c) => asAlice(c, 'POST', '/xchg/mcp', '/xchg/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' }, upstreamMatch: { authorization: /^Bearer xchg-/ } },
  },
  {
    name: 'script: the upstream gets what the script built with fetch and the environment',
    request: (c) => asAlice(c, 'POST', '/script/mcp', '/script/mcp'),
    expect: { status: 200, upstream: { authorization: 'Bearer ' + SCRIPT_PREFIX + '.alice.probed' } },
  },
];

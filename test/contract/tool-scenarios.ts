/**
 * The per-request rules table (fixture: tool-fixture.ts): per-tool authorization on JSON-RPC
 * tools/call bodies and the upstream header allow-list, the same outcome in every adapter that
 * can see the body, with `differs` where a proxy's contract cannot.
 */
import { PUBLIC } from './fixture-config.ts';
import type { Scenario, ScenarioContext, ScenarioRequest } from './scenarios.ts';
import { TOOL_BODY_LIMIT } from './tool-fixture.ts';

const TOOLS = '/tools/mcp';
const PRM = PUBLIC + '/.well-known/oauth-protected-resource/tools/mcp';

/** The RFC 6750 §3.1 step-up challenge naming every scope the call needs. */
function stepUp(scope: string): string {
  return `Bearer resource_metadata="${PRM}", scope="${scope}", error="insufficient_scope", error_description="The access token lacks a required scope"`;
}

function call(name: unknown, id = 1): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { path: '/etc/motd' } } };
}

async function token(ctx: ScenarioContext, path: string, scope: string, groups?: string[]): Promise<string> {
  const claims: Record<string, unknown> = { sub: 'alice', aud: PUBLIC + path, scope };
  if (groups) claims.groups = groups;
  return ctx.issuer.mint(claims);
}

async function post(ctx: ScenarioContext, body: string, scope = 'mcp:tools', groups?: string[], extra: Record<string, string> = {}): Promise<ScenarioRequest> {
  const headers = Object.assign({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer ' + (await token(ctx, TOOLS, scope, groups)) }, extra);
  return { method: 'POST', path: TOOLS, headers, body };
}

const BODY_UNAVAILABLE = { status: 500, challenge: null, error: 'server_error' };

/**
 * Caddy's forward_auth and nginx auth_request ask without the body: every POST to a tool-ruled
 * endpoint fails closed there.
 */
const NO_BODY = {
  forward_auth_caddy: { expect: BODY_UNAVAILABLE, why: 'Caddy forward_auth never sends the body, so tool rules cannot be checked and POSTs fail closed' },
  forward_auth_nginx: { expect: BODY_UNAVAILABLE, why: 'nginx auth_request never sends the body, so tool rules cannot be checked and POSTs fail closed' },
};

/**
 * Traefik and Caddy copy to the upstream only the headers named in authResponseHeaders /
 * copy_headers (nginx auth_request: the auth_request_set/proxy_set_header pairs the user wrote);
 * any other client header passes untouched, so an allow-list cannot remove it.
 */
const FORWARD_AUTH_ALLOW_LIST = {
  expect: { status: 200, upstream: { 'x-trace-id': 't-1', 'mcp-session-id': 's-1', 'x-mcp-subject': 'alice' }, upstreamAbsent: ['authorization'] },
  why: 'forward-auth proxies only overwrite the headers they copy from the auth answer; other client headers cannot be removed',
};

/** A forward-auth 2xx only means "continue": the preflight goes on to the proxy's CORS or the upstream. */
const FORWARD_AUTH_PREFLIGHT = { expect: { status: 200, challenge: null }, why: 'a forward-auth 2xx only means continue: the preflight passes on' };

export const TOOL_SCENARIOS: Scenario[] = [
  {
    name: 'tools/call of a tool no rule matches → 200, body passed on',
    request: (c) => post(c, JSON.stringify(call('read_file'))),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice', 'x-mcp-scopes': 'mcp:tools' }, upstreamAbsent: ['authorization'] },
    differs: NO_BODY,
  },
  {
    name: 'tools/call delete_* without the admin scope → 403 insufficient_scope naming all needed scopes',
    request: (c) => post(c, JSON.stringify(call('delete_repo'))),
    expect: { status: 403, challenge: stepUp('mcp:tools admin'), json: { error: 'insufficient_scope', error_description: 'The access token lacks a required scope' } },
    differs: NO_BODY,
  },
  {
    name: 'tools/call delete_* with the admin scope → 200',
    request: (c) => post(c, JSON.stringify(call('delete_repo')), 'mcp:tools admin'),
    expect: { status: 200, upstream: { 'x-mcp-scopes': 'mcp:tools admin' } },
    differs: NO_BODY,
  },
  {
    name: 'a tool two rules match needs both: delete_secret needs admin and secrets:read',
    request: (c) => post(c, JSON.stringify(call('delete_secret')), 'mcp:tools admin'),
    expect: { status: 403, challenge: stepUp('mcp:tools admin secrets:read'), error: 'insufficient_scope' },
    differs: NO_BODY,
  },
  {
    name: 'tools/call deploy outside the ops/sre groups → 403 access_denied, no step-up challenge',
    request: (c) => post(c, JSON.stringify(call('deploy')), 'mcp:tools admin', ['eng']),
    expect: { status: 403, challenge: null, json: { error: 'access_denied', error_description: 'Access to this tool is denied' } },
    differs: NO_BODY,
  },
  {
    name: 'tools/call deploy in one of the groups (any-of) → 200',
    request: (c) => post(c, JSON.stringify(call('deploy')), 'mcp:tools', ['eng', 'sre']),
    expect: { status: 200, upstream: { 'x-mcp-groups': 'eng,sre' } },
    differs: NO_BODY,
  },
  {
    name: 'a group named "ops,admin" is not the group "ops" (lists never split on commas)',
    request: (c) => post(c, JSON.stringify(call('deploy')), 'mcp:tools', ['ops,admin']),
    expect: { status: 403, challenge: null, error: 'access_denied' },
    differs: NO_BODY,
  },
  {
    name: 'glob is exact elsewhere: "deploy_all" is not "deploy" → 200 without the group',
    request: (c) => post(c, JSON.stringify(call('deploy_all'))),
    expect: { status: 200 },
    differs: NO_BODY,
  },
  {
    name: 'JSON-RPC batch: every element is checked, one forbidden call denies the batch',
    request: (c) => post(c, JSON.stringify([call('read_file', 1), { jsonrpc: '2.0', method: 'notifications/initialized' }, call('delete_repo', 2)])),
    expect: { status: 403, challenge: stepUp('mcp:tools admin'), error: 'insufficient_scope' },
    differs: NO_BODY,
  },
  {
    name: 'JSON-RPC batch of allowed calls → 200',
    request: (c) => post(c, JSON.stringify([call('read_file', 1), call('list_dir', 2)])),
    expect: { status: 200 },
    differs: NO_BODY,
  },
  {
    name: 'other methods (tools/list) are not tool calls → 200',
    request: (c) => post(c, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' })),
    expect: { status: 200 },
    differs: NO_BODY,
  },
  {
    name: 'malformed JSON on an endpoint with tool rules → 400 invalid_request (fail closed)',
    request: (c) => post(c, '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"delete_repo"'),
    expect: { status: 400, json: { error: 'invalid_request', error_description: 'The request body is not valid JSON' } },
    differs: NO_BODY,
  },
  {
    name: 'tools/call without a string tool name → 400 invalid_request',
    request: (c) => post(c, JSON.stringify(call(42))),
    expect: { status: 400, json: { error: 'invalid_request', error_description: 'A tools/call request must name its tool' } },
    differs: NO_BODY,
  },
  {
    name: 'a batch nested in a batch → 400 invalid_request (could hide a call)',
    request: (c) => post(c, JSON.stringify([[call('delete_repo')]])),
    expect: { status: 400, json: { error: 'invalid_request', error_description: 'A JSON-RPC batch cannot contain another batch' } },
    differs: NO_BODY,
  },
  {
    name: 'a compressed body cannot be judged → 415',
    request: (c) => post(c, JSON.stringify(call('read_file')), 'mcp:tools', undefined, { 'content-encoding': 'gzip' }),
    // Refused on the header alone, so the same behind Caddy (which sends no body).
    expect: { status: 415, challenge: null, error: 'invalid_request' },
  },
  {
    name: `a body over max_body_bytes (${TOOL_BODY_LIMIT}) → 413, nothing upstream`,
    request: (c) => post(c, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'read_file', arguments: { pad: 'x'.repeat(TOOL_BODY_LIMIT) } } })),
    expect: { status: 413, json: { error: 'invalid_request', error_description: 'The request body is too large' } },
    differs: NO_BODY,
  },
  {
    name: 'GET (the SSE stream) carries no body → 200',
    request: async (c) => ({ method: 'GET', path: TOOLS, headers: { accept: 'application/json', authorization: 'Bearer ' + (await token(c, TOOLS, 'mcp:tools')) } }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' } },
  },
  {
    name: 'an empty POST body is not JSON → 400 invalid_request',
    request: (c) => post(c, ''),
    expect: { status: 400, error: 'invalid_request' },
    differs: {
      ...NO_BODY,
      // Go's client sends no body at all for an empty one, so it looks like a body never passed on.
      forward_auth_traefik: { expect: BODY_UNAVAILABLE, why: 'Traefik forwards an empty body as no body, which fails closed as one not passed on' },
    },
  },
  {
    name: 'a CORS preflight is answered, never challenged, and reads no body',
    request: () => ({ method: 'OPTIONS', path: TOOLS, headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } }),
    expect: { status: 204, challenge: null, responseHeaders: { 'access-control-allow-origin': '*' } },
    differs: {
      forward_auth_caddy: FORWARD_AUTH_PREFLIGHT,
      forward_auth_nginx: FORWARD_AUTH_PREFLIGHT,
      forward_auth_traefik: FORWARD_AUTH_PREFLIGHT,
    },
  },
  {
    name: 'no token → 401 before any body rule',
    request: () => ({ method: 'POST', path: TOOLS, headers: { 'content-type': 'application/json' }, body: JSON.stringify(call('delete_repo')) }),
    expect: { status: 401, challenge: `Bearer resource_metadata="${PRM}", scope="mcp:tools"` },
  },
  {
    name: 'an endpoint without tool rules never reads the body: malformed JSON passes on',
    request: async (c) => ({ method: 'POST', path: '/plain/mcp', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + (await token(c, '/plain/mcp', 'mcp:tools')) }, body: '{not json' }),
    expect: { status: 200 },
  },
  {
    name: 'header allow-list: only listed and MCP headers reach the upstream',
    request: async (c) => ({
      method: 'POST',
      path: '/headers/mcp',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer ' + (await token(c, '/headers/mcp', 'mcp:tools')),
        'x-trace-id': 't-1',
        'mcp-session-id': 's-1',
        'x-internal-secret': 'nope',
        cookie: 'session=abc',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    }),
    expect: {
      status: 200,
      upstream: { 'x-trace-id': 't-1', 'mcp-session-id': 's-1', 'content-type': 'application/json', 'x-mcp-subject': 'alice' },
      upstreamAbsent: ['x-internal-secret', 'cookie', 'authorization'],
    },
    differs: { forward_auth_caddy: FORWARD_AUTH_ALLOW_LIST, forward_auth_traefik: FORWARD_AUTH_ALLOW_LIST, forward_auth_nginx: FORWARD_AUTH_ALLOW_LIST },
  },
  {
    name: 'without an allow-list every client header passes (but never Authorization)',
    request: async (c) => ({
      method: 'POST',
      path: '/plain/mcp',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + (await token(c, '/plain/mcp', 'mcp:tools')), 'x-internal-secret': 'yes' },
      body: '{}',
    }),
    expect: { status: 200, upstream: { 'x-internal-secret': 'yes' }, upstreamAbsent: ['authorization'] },
  },
];

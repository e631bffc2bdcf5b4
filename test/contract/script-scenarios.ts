/**
 * Scenario table of the `script` strategy (fixture: script-fixture.ts). SCRIPT_SCENARIOS hold for
 * every adapter, njs included; NODE_SCRIPT_SCENARIOS need the Node sandbox (Lua, loops, memory,
 * escapes) and run against ext_authz and forward-auth only.
 */
import { PUBLIC } from './fixture-config.ts';
import type { Scenario, ScenarioRequest } from './scenarios.ts';

function prm(path: string): string {
  return `${PUBLIC}/.well-known/oauth-protected-resource${path}`;
}

function post(path: string, headers: Record<string, string> = {}): ScenarioRequest {
  return { method: 'POST', path, headers: Object.assign({ 'content-type': 'application/json' }, headers) };
}

const UNAVAILABLE = (description: string) => ({
  status: 503,
  challenge: null,
  json: { error: 'temporarily_unavailable', error_description: description },
  responseHeaders: { 'retry-after': '5' },
});
const FAILED = UNAVAILABLE('The request validator failed; try again later');
const TIMED_OUT = UNAVAILABLE('The request validator timed out; try again later');
const NO_CREDENTIALS_UPSTREAM = ['authorization', 'x-test-mode'];

export const SCRIPT_SCENARIOS: Scenario[] = [
  {
    name: 'script allows with identity → 200, identity headers upstream, no Authorization upstream',
    request: () => post('/js/mcp', { authorization: 'Bearer alice-token' }),
    expect: {
      status: 200,
      upstream: { 'x-mcp-subject': 'alice', 'x-mcp-email': 'alice@example.com', 'x-mcp-groups': 'eng,ops', 'x-mcp-scopes': 'mcp:tools' },
      upstreamAbsent: ['authorization'],
    },
  },
  {
    name: 'a credential header the script reads (strip_headers) never reaches the upstream',
    request: () => post('/js/mcp', { 'x-session': 'sess-alice' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice-session' }, upstreamAbsent: ['x-session'] },
    differs: {
      forward_auth_nginx: {
        expect: { status: 200, upstream: { 'x-mcp-subject': 'alice-session', 'x-session': 'sess-alice' } },
        why: 'the auth_request recipe strips only the names it lists; add auth_request_set/proxy_set_header for each strip_headers name (serve prints them)',
      },
    },
  },
  {
    name: 'client-sent identity headers are replaced by the script\'s identity',
    request: () => post('/js/mcp', { authorization: 'Bearer alice-token', 'x-mcp-subject': 'mallory', 'x-mcp-groups': 'admins' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice', 'x-mcp-groups': 'eng,ops' } },
  },
  {
    name: 'script denies with 403 insufficient_scope and its description',
    request: () => post('/js/mcp', { authorization: 'Bearer readonly' }),
    expect: {
      status: 403,
      challenge: `Bearer resource_metadata="${prm('/js/mcp')}", error="insufficient_scope", error_description="needs mcp:write"`,
      json: { error: 'insufficient_scope', error_description: 'needs mcp:write' },
    },
  },
  {
    name: 'script denies with 401 invalid_token',
    request: () => post('/js/mcp', { authorization: 'Bearer nobody' }),
    expect: {
      status: 401,
      challenge: `Bearer resource_metadata="${prm('/js/mcp')}", error="invalid_token", error_description="unknown token"`,
      json: { error: 'invalid_token', error_description: 'unknown token' },
    },
  },
  {
    name: 'script denies without an error code → 401 challenge without error',
    request: () => post('/js/mcp'),
    expect: { status: 401, challenge: `Bearer resource_metadata="${prm('/js/mcp')}"`, json: { error: 'unauthorized', error_description: 'The request was denied' } },
  },
  {
    name: 'script sees method, path, query and client address; not the proxy\'s internal headers',
    request: () => post('/js/mcp/sub?x=1', { 'x-test-mode': 'echo' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'POST /js/mcp/sub x=1 127.0.0.1 undefined' } },
  },
  {
    name: 'async allow → 200',
    request: () => post('/js/mcp', { 'x-test-mode': 'async-allow' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'async-post' }, upstreamAbsent: NO_CREDENTIALS_UPSTREAM.slice(0, 1) },
  },
  {
    name: 'script throws → 503, fails closed',
    request: () => post('/js/mcp', { authorization: 'Bearer alice-token', 'x-test-mode': 'throw' }),
    expect: FAILED,
  },
  {
    name: 'script rejects its promise → 503',
    request: () => post('/js/mcp', { authorization: 'Bearer alice-token', 'x-test-mode': 'async-reject' }),
    expect: FAILED,
  },
  {
    name: 'allow without a subject is not an identity → 503 invalid answer',
    request: () => post('/js/mcp', { 'x-test-mode': 'bad-result' }),
    expect: UNAVAILABLE('The request validator returned an invalid answer'),
  },
  {
    name: 'a promise that never settles → 503 timeout',
    request: () => post('/js/mcp', { authorization: 'Bearer alice-token', 'x-test-mode': 'pending' }),
    expect: TIMED_OUT,
  },
  {
    name: 'the next request after a timeout is answered normally',
    request: () => post('/js/mcp', { authorization: 'Bearer alice-token' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'alice' } },
  },
  {
    name: 'the endpoint policy applies to the script\'s principal → 403',
    request: () => post('/policy/mcp', { authorization: 'Bearer alice-token' }),
    expect: {
      status: 403,
      challenge: `Bearer resource_metadata="${prm('/policy/mcp')}", scope="mcp:admin", error="insufficient_scope", error_description="The access token lacks a required scope"`,
      error: 'insufficient_scope',
    },
  },
  {
    name: 'syntax the njs build rewrites (spread, ?., ??, ||=, ??=, catch without binding, rest, **) runs',
    request: () => post('/rewritten/mcp', { 'x-tenant': 'acme' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'acme-undefined-8-l-caught-x' } },
  },
];

export const NODE_SCRIPT_SCENARIOS: Scenario[] = [
  {
    name: 'Lua script allows with identity → 200',
    request: () => post('/lua/mcp', { authorization: 'Bearer lua-token' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'lua-user', 'x-mcp-scopes': 'mcp:tools', 'x-mcp-groups': 'lua' }, upstreamAbsent: ['authorization'] },
  },
  {
    name: 'Lua script denies with 403 insufficient_scope',
    request: () => post('/lua/mcp', { authorization: 'Bearer readonly' }),
    expect: {
      status: 403,
      challenge: `Bearer resource_metadata="${prm('/lua/mcp')}", error="insufficient_scope", error_description="needs mcp:write"`,
      json: { error: 'insufficient_scope', error_description: 'needs mcp:write' },
    },
  },
  {
    name: 'Lua script raises an error → 503',
    request: () => post('/lua/mcp', { authorization: 'Bearer lua-token', 'x-test-mode': 'throw' }),
    expect: FAILED,
  },
  {
    name: 'Lua infinite loop → 503 timeout',
    request: () => post('/lua/mcp', { authorization: 'Bearer lua-token', 'x-test-mode': 'loop' }),
    expect: TIMED_OUT,
  },
  {
    name: 'Lua: the next request after the loop works (worker replaced)',
    request: () => post('/lua/mcp', { authorization: 'Bearer lua-token' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'lua-user' } },
  },
  {
    name: 'Lua memory bomb → 503 out of memory (allocator capped at memory_mb)',
    request: () => post('/lua/mcp', { authorization: 'Bearer lua-token', 'x-test-mode': 'memory' }),
    expect: UNAVAILABLE('The request validator ran out of memory; try again later'),
  },
  {
    name: 'Lua: the next request after the memory bomb works',
    request: () => post('/lua/mcp', { authorization: 'Bearer lua-token' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'lua-user' } },
  },
  {
    name: 'Lua sandbox has no io, os.execute, require, load, debug, package, dofile',
    request: () => post('/lua/mcp', { 'x-test-mode': 'escape' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'nil,nil,nil,nil,nil,nil,nil' } },
  },
  {
    name: 'JavaScript sync infinite loop → 503 timeout',
    request: () => post('/limits/mcp', { 'x-test-mode': 'loop' }),
    expect: TIMED_OUT,
  },
  {
    name: 'after the sync loop the next request works',
    request: () => post('/limits/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'node-only' } },
  },
  {
    name: 'JavaScript loop after an await → 503 timeout',
    request: () => post('/limits/mcp', { 'x-test-mode': 'async-loop' }),
    expect: TIMED_OUT,
  },
  {
    name: 'JavaScript endless await chain → 503 timeout',
    request: () => post('/limits/mcp', { 'x-test-mode': 'microtask-loop' }),
    expect: TIMED_OUT,
  },
  {
    name: 'after the async loops the next request works',
    request: () => post('/limits/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'node-only' } },
  },
  {
    name: 'JavaScript memory bomb → 503 out of memory',
    request: () => post('/limits/mcp', { 'x-test-mode': 'memory' }),
    expect: UNAVAILABLE('The request validator ran out of memory; try again later'),
  },
  {
    name: 'after the memory bomb the next request works (worker recovered)',
    request: () => post('/limits/mcp'),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'node-only' } },
  },
  {
    name: 'an answer that is not JSON data (a cycle) → 503 invalid answer',
    request: () => post('/limits/mcp', { 'x-test-mode': 'cyclic' }),
    expect: UNAVAILABLE('The request validator returned an invalid answer'),
  },
  {
    name: 'sandbox: no process, require, fetch, timers, host constructors, eval or WebAssembly',
    request: () => post('/limits/mcp', { 'x-test-mode': 'escape' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'escape:none' } },
  },
  {
    name: 'sandbox: dynamic import of node:fs is refused',
    request: () => post('/limits/mcp', { 'x-test-mode': 'import' }),
    expect: { status: 200, upstream: { 'x-mcp-subject': 'import:blocked' } },
  },
];

/**
 * Per-tool rules and the header allow-list through the forward-auth server, asked the way Traefik's
 * forwardAuth asks with traefik/dynamic.yml (read from the shipped file): a GET carrying only the
 * authRequestHeaders, X-Forwarded-Method/Proto/Host/Uri/For and, with forwardBody, the client's
 * body (Go sends it chunked, with no Content-Length). On 2xx the upstream gets the client's headers
 * with every authResponseHeaders name replaced from the answer; otherwise the client gets the answer.
 * Traefik is not installable here, so this plays its part; Caddy and nginx auth_request send no
 * body at all (see forward-auth-caddy-tool-rules.test.ts and the README).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { CoreConfig } from '../../src/core/types.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { runScenarioTable, type Observed } from '../contract/run-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startForwardAuthEndpoint, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

interface TraefikForwardAuth {
  authRequestHeaders: string[];
  authResponseHeaders: string[];
  forwardBody?: boolean;
  maxBodySize?: number;
}

const SHIPPED: TraefikForwardAuth = parse(readFileSync(new URL('../../traefik/dynamic.yml', import.meta.url), 'utf8')).http.middlewares['mcp-authz'].forwardAuth;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One GET to the auth address, the body (if any) chunked as Go's client sends a body of unknown length. */
function ask(url: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Node would not frame a GET body by itself; Go's client sends it chunked.
    const framed = body === undefined ? headers : { ...headers, 'transfer-encoding': 'chunked' };
    const req = httpRequest(url, { method: 'GET', headers: framed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** What Traefik's forwardAuth middleware does with one client request. */
async function traefik(authUrl: string, fa: TraefikForwardAuth, req: ScenarioRequest): Promise<Observed> {
  const allowed = fa.authRequestHeaders.map((h) => h.toLowerCase());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (allowed.includes(k.toLowerCase())) headers[k.toLowerCase()] = v;
  Object.assign(headers, { 'x-forwarded-method': req.method, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.test', 'x-forwarded-uri': req.path, 'x-forwarded-for': '127.0.0.1' });
  const body = req.body ?? (req.method === 'POST' ? '{}' : undefined);
  const limit = fa.maxBodySize ?? -1;
  if (fa.forwardBody && body !== undefined && limit >= 0 && Buffer.byteLength(body) > limit) return { status: 401, headers: {}, body: '', upstream: null };
  const answer = await ask(authUrl, headers, fa.forwardBody && body ? body : undefined);
  if (answer.status < 200 || answer.status > 299) return { status: answer.status, headers: answer.headers, body: answer.body, upstream: null };
  const upstream: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) upstream[k.toLowerCase()] = v;
  for (const name of fa.authResponseHeaders.map((h) => h.toLowerCase())) {
    delete upstream[name];
    // Go keeps a present-but-empty header; the MCP server treats empty as absent.
    if (answer.headers[name]) upstream[name] = answer.headers[name];
  }
  return { status: 200, headers: {}, body: '', upstream };
}

describe('tool rules table: forward-auth asked as Traefik asks (forwardBody)', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  let authz: ForwardAuthEndpoint;
  let authUrl: string;
  before(async () => {
    issuer = await startIssuer();
    config = toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    authz = await startForwardAuthEndpoint(config);
    authUrl = `http://127.0.0.1:${authz.port}/auth`;
  });
  after(async () => {
    await authz?.stop();
    await issuer?.stop();
  });

  it('traefik/dynamic.yml sends the body, bounded', () => {
    assert.equal(SHIPPED.forwardBody, true);
    assert.ok((SHIPPED.maxBodySize ?? -1) > 0);
  });

  runScenarioTable('forward_auth_traefik', () => ({ issuer, send: (req) => traefik(authUrl, SHIPPED, req) }), TOOL_SCENARIOS);

  it('without forwardBody, a tool-ruled endpoint refuses POSTs (500), never guesses', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: PUBLIC + '/tools/mcp', scope: 'mcp:tools admin' });
    const got = await traefik(authUrl, { ...SHIPPED, forwardBody: false }, { method: 'POST', path: '/tools/mcp', headers: { authorization: 'Bearer ' + token }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"}}' });
    assert.equal(got.status, 500);
    assert.equal(JSON.parse(got.body).error, 'server_error');
    assert.equal(got.upstream, null);
  });

  it('a body past max_body_bytes sent with Content-Length is refused as well (413)', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: PUBLIC + '/tools/mcp', scope: 'mcp:tools' });
    const res = await fetch(authUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/tools/mcp', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.test' },
      body: 'x'.repeat(10_000),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error_description: string }).error_description, 'The request body is too large');
  });
});

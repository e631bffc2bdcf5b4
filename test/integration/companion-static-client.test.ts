/**
 * `registration.static_client` over real HTTP: POST /register creates no client and hands out
 * the configured public client (same client_id for every caller, never a secret), the metadata
 * still advertises the registration endpoint, requested redirect URIs must be the static client's
 * (loopback on any port, as at /authorize), malformed requests get RFC 7591 §3.2.2 errors, the
 * per-address /register budget still applies, and the handed-out client completes a code flow
 * with its consent page flagging it as unverified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { authorizeInBrowser, pkce, startTestCompanion, tokenRequest, USERS, type TestCompanion } from '../support/companion.ts';
import { request, type HttpResponse } from '../support/http.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const CURSOR = 'cursor://anysphere.cursor-mcp/oauth/callback';
const EXPECTED = {
  client_id: 'mcp-clients',
  client_name: 'MCP clients',
  redirect_uris: ['http://127.0.0.1/callback', CURSOR],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

// Each request from its own loopback address, so the /register budget (3) is only met on purpose.
let nextHost = 10;
function freshAddress(): string {
  return `127.0.0.${nextHost++}`;
}

function register(as: TestCompanion, body: unknown, o: { contentType?: string; from?: string; raw?: string } = {}): Promise<HttpResponse> {
  return request(`${as.url}/register`, {
    method: 'POST',
    localAddress: o.from ?? freshAddress(),
    headers: { 'content-type': o.contentType ?? 'application/json' },
    body: o.raw ?? JSON.stringify(body),
  });
}

function authorizationUrl(issuer: string, params: Record<string, string>): string {
  const url = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

describe('registration.static_client', () => {
  let as: TestCompanion;

  before(async () => {
    as = await startTestCompanion({
      extra: `  clients:
    - { client_id: mcp-clients, client_name: MCP clients, redirect_uris: ["http://127.0.0.1/callback", "${CURSOR}"] }
    - { client_id: internal, client_name: Internal tool, redirect_uris: ["https://tool.example.com/cb"] }
  registration: { static_client: mcp-clients }
  rate_limits: { register: { requests: 3, per_seconds: 60 } }
`,
    });
  });
  after(async () => {
    await as?.dispose();
  });

  it('still advertises registration_endpoint in both metadata documents', async () => {
    for (const doc of ['oauth-authorization-server', 'openid-configuration']) {
      const meta = await (await fetch(`${as.issuer}/.well-known/${doc}`)).json() as Record<string, unknown>;
      assert.equal(meta.registration_endpoint, `${as.issuer}/register`, doc);
    }
  });

  it('hands every caller the same public client (201, no secret, nothing created)', async () => {
    const first = await register(as, { client_name: 'Claude Code', redirect_uris: ['http://127.0.0.1:51234/callback'], token_endpoint_auth_method: 'none' });
    assert.equal(first.status, 201, first.body);
    assert.match(String(first.headers['content-type']), /^application\/json/);
    assert.equal(first.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(first.body), EXPECTED);
    // Another program, another port, asking for a secret and other grants: the same answer.
    const second = await register(as, {
      client_name: 'Cursor', redirect_uris: [CURSOR, 'http://127.0.0.1:8080/callback'],
      token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], scope: 'mcp:tools',
    });
    assert.equal(second.status, 201, second.body);
    assert.deepEqual(JSON.parse(second.body), EXPECTED);
    assert.equal(as.logs.some((l) => l.includes('"event":"client.registered"')), false, 'no client was created');
    assert.equal(as.logs.filter((l) => l.includes('"event":"client.static_handed_out"')).length >= 2, true);
  });

  for (const [name, body, contentType, error] of [
    ['an https redirect the client does not have', { redirect_uris: ['https://evil.example/cb'] }, undefined, 'invalid_redirect_uri'],
    ['a loopback redirect on another path', { redirect_uris: ['http://127.0.0.1:51234/other'] }, undefined, 'invalid_redirect_uri'],
    ['a loopback redirect on another host', { redirect_uris: ['http://localhost:51234/callback'] }, undefined, 'invalid_redirect_uri'],
    ['one allowed and one not', { redirect_uris: [CURSOR, 'cursor://anysphere.cursor-mcp/evil'] }, undefined, 'invalid_redirect_uri'],
    ['another configured client\'s redirect', { redirect_uris: ['https://tool.example.com/cb'] }, undefined, 'invalid_redirect_uri'],
    ['no redirect_uris', { client_name: 'x' }, undefined, 'invalid_redirect_uri'],
    ['an empty redirect_uris', { redirect_uris: [] }, undefined, 'invalid_redirect_uri'],
    ['redirect_uris as a string', { redirect_uris: 'http://127.0.0.1:1/callback' }, undefined, 'invalid_client_metadata'],
    ['a JSON array', [{ redirect_uris: ['http://127.0.0.1:1/callback'] }], undefined, 'invalid_client_metadata'],
    ['a form body', { redirect_uris: ['http://127.0.0.1:1/callback'] }, 'application/x-www-form-urlencoded', 'invalid_client_metadata'],
  ] as const) {
    it(`refuses ${name} with 400 ${error}`, async () => {
      const r = await register(as, body, contentType === undefined ? {} : { contentType });
      assert.equal(r.status, 400, r.body);
      const json = JSON.parse(r.body) as { error: string; error_description: string };
      assert.equal(json.error, error);
      assert.ok(json.error_description.length > 0);
      assert.equal('client_id' in json, false);
    });
  }

  it('refuses a body that is not JSON, and one over the size limit, with invalid_client_metadata', async () => {
    const broken = await register(as, undefined, { raw: '{"redirect_uris": [' });
    assert.equal(broken.status, 400);
    assert.equal(JSON.parse(broken.body).error, 'invalid_client_metadata');
    const huge = await register(as, undefined, { raw: JSON.stringify({ redirect_uris: [EXPECTED.redirect_uris[0]], pad: 'x'.repeat(70_000) }) });
    assert.equal(huge.status, 400);
    assert.match(JSON.parse(huge.body).error_description, /larger than/);
  });

  it('answers CORS like open registration (preflight and the 201)', async () => {
    const origin = 'http://localhost:6274';
    const pre = await request(`${as.url}/register`, { method: 'OPTIONS', localAddress: freshAddress(), headers: { origin, 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
    const r = await request(`${as.url}/register`, {
      method: 'POST', localAddress: freshAddress(), headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ redirect_uris: [CURSOR] }),
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers['access-control-allow-origin'], '*');
  });

  it('still counts /register per address: the fourth request within the window is 429', async () => {
    const from = freshAddress();
    for (let i = 0; i < 3; i++) assert.equal((await register(as, { redirect_uris: [CURSOR] }, { from })).status, 201);
    const limited = await register(as, { redirect_uris: [CURSOR] }, { from });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal(JSON.parse(limited.body).error, 'rate_limited');
    assert.equal((await register(as, { redirect_uris: [CURSOR] })).status, 201, 'another address still registers');
  });

  it('the handed-out client authorizes on any loopback port; the consent page flags it as unverified', async () => {
    const reg = JSON.parse((await register(as, { redirect_uris: ['http://127.0.0.1:47001/callback'] })).body) as { client_id: string };
    const redirectUri = 'http://127.0.0.1:47001/callback';
    const { verifier, challenge } = pkce();
    const { redirect, consentPage } = await authorizeInBrowser(authorizationUrl(as.issuer, {
      response_type: 'code', client_id: reg.client_id, redirect_uri: redirectUri, code_challenge: challenge,
      code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE, state: 'st',
    }), USERS.alice);
    assert.ok(consentPage);
    assert.match(consentPage.body, /MCP clients/);
    assert.match(consentPage.body, /shared by every app that registers here: the app is not verified/);
    const back = new URL(redirect);
    assert.equal(back.origin + back.pathname, redirectUri);
    const res = await tokenRequest(as.issuer, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, code_verifier: verifier, redirect_uri: redirectUri, client_id: reg.client_id });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const claims = decodeJwt(String(res.json.access_token));
    assert.equal(claims.client_id, 'mcp-clients');
    assert.equal(claims.sub, 'alice');
  });

  it('a configured client that is not the static one keeps its trusted name on the consent page', async () => {
    // internal has an https redirect only: the consent page is reached without leaving the AS.
    const { challenge } = pkce();
    const { consentPage } = await authorizeInBrowser(authorizationUrl(as.issuer, {
      response_type: 'code', client_id: 'internal', redirect_uri: 'https://tool.example.com/cb', code_challenge: challenge,
      code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE,
    }), USERS.alice);
    assert.ok(consentPage);
    assert.match(consentPage.body, /Internal tool/);
    assert.doesNotMatch(consentPage.body, /not verified/);
  });

  it('/authorize refuses a redirect the static client does not have (no redirect, an error page)', async () => {
    const { challenge } = pkce();
    const r = await request(authorizationUrl(as.issuer, {
      response_type: 'code', client_id: 'mcp-clients', redirect_uri: 'http://127.0.0.1:47001/elsewhere', code_challenge: challenge,
      code_challenge_method: 'S256', resource: RESOURCE,
    }), { localAddress: freshAddress() });
    assert.equal(r.status, 400);
    assert.equal(r.headers.location, undefined);
    assert.match(r.body, /redirect_uri/);
  });
});

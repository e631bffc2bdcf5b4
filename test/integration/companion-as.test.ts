/**
 * The companion Authorization Server over real HTTP on loopback: metadata, dynamic registration
 * leniency, PKCE, resource indicators, tokens, consent, CSRF, refresh rotation, persistence
 * across a restart (SQLite) and signing-key rotation. The browser is played by a cookie-keeping
 * client that fills in the login and consent forms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { rotateSigningKeys } from '../../src/companion/keys/signing-keys.ts';
import {
  authorizeInBrowser, pkce, registerClient, startTestCompanion, USERS, type TestCompanion,
} from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';
import { createUserAgent, parseForms } from '../support/user-agent.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const LOOPBACK_REDIRECT = 'http://127.0.0.1:43210/callback';

interface TokenResponse {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function token(issuer: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenResponse> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, headers: res.headers, json: await res.json() as Record<string, unknown> };
}

function authorizationUrl(issuer: string, params: Record<string, string | undefined>): string {
  const url = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

async function jwks(issuer: string): Promise<JSONWebKeySet> {
  return await (await fetch(`${issuer}/jwks`)).json() as JSONWebKeySet;
}

describe('companion authorization server', () => {
  let as: TestCompanion;
  let client: { client_id: string };
  const secretsSeen: string[] = [];

  before(async () => {
    as = await startTestCompanion();
    client = await registerClient(as.issuer, {
      client_name: 'Test MCP client',
      redirect_uris: ['http://127.0.0.1:5555/callback', 'cursor://anysphere.cursor-mcp/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'mcp:tools offline_access',
    });
  });
  after(async () => {
    await as?.dispose();
  });

  /** A complete code flow for alice; returns the token response. */
  async function codeFlow(o: { clientId?: string; redirectUri?: string; resource?: string; scope?: string } = {}): Promise<TokenResponse> {
    const { verifier, challenge } = pkce();
    const redirectUri = o.redirectUri ?? LOOPBACK_REDIRECT;
    const { redirect } = await authorizeInBrowser(authorizationUrl(as.issuer, {
      response_type: 'code',
      client_id: o.clientId ?? client.client_id,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: o.scope ?? 'mcp:tools',
      resource: o.resource ?? RESOURCE,
      state: 'st',
    }), USERS.alice);
    const code = new URL(redirect).searchParams.get('code');
    assert.ok(code, `no code in ${redirect}`);
    secretsSeen.push(code);
    const res = await token(as.issuer, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: o.clientId ?? client.client_id,
      ...(o.resource !== undefined ? { resource: o.resource } : {}),
    });
    for (const key of ['access_token', 'refresh_token']) if (typeof res.json[key] === 'string') secretsSeen.push(res.json[key] as string);
    return res;
  }

  describe('metadata', () => {
    it('serves RFC 8414 and OIDC discovery with one issuer string, S256 only and RFC 9207 iss', async () => {
      const oauth = await (await fetch(`${as.issuer}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
      const oidc = await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      assert.equal(oauth.issuer, as.issuer);
      assert.equal(oidc.issuer, as.issuer);
      assert.deepEqual(oauth.code_challenge_methods_supported, ['S256']);
      assert.equal(oauth.authorization_response_iss_parameter_supported, true);
      assert.equal(oauth.authorization_endpoint, `${as.issuer}/authorize`);
      assert.equal(oauth.registration_endpoint, `${as.issuer}/register`);
      assert.equal(oauth.revocation_endpoint, `${as.issuer}/token/revocation`);
      assert.deepEqual(oauth.response_types_supported, ['code']);
      assert.ok((oauth.scopes_supported as string[]).includes('mcp:tools'));
      const keys = await (await fetch(String(oauth.jwks_uri))).json() as JSONWebKeySet;
      assert.ok(keys.keys.length >= 1);
      assert.ok(keys.keys.every((k) => k.d === undefined), 'the JWKS must carry public keys only');
    });

    it('builds every URL from the issuer, not from a forged Host header', async () => {
      const res = await fetch(`${as.url}/.well-known/oauth-authorization-server`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
      const body = await res.json() as Record<string, string>;
      assert.equal(body.token_endpoint, `${as.issuer}/token`);
    });

    it('answers CORS on metadata, JWKS and registration but never on /authorize', async () => {
      const origin = 'http://localhost:6274';
      for (const path of ['/.well-known/oauth-authorization-server', '/jwks']) {
        const res = await fetch(`${as.issuer}${path}`, { headers: { origin } });
        assert.ok(res.headers.get('access-control-allow-origin'), path);
      }
      const preflight = await fetch(`${as.issuer}/register`, {
        method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(preflight.status, 204);
      assert.ok(preflight.headers.get('access-control-allow-origin'));
      const authorize = await fetch(authorizationUrl(as.issuer, { client_id: client.client_id }), { headers: { origin }, redirect: 'manual' });
      assert.equal(authorize.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('dynamic client registration (RFC 7591)', () => {
    it('accepts loopback, private-use and https redirects together and infers a native client', async () => {
      const reg = await registerClient(as.issuer, {
        redirect_uris: ['http://localhost:6274/oauth/callback', 'cursor://anysphere.cursor-mcp/oauth/callback', 'https://claude.ai/api/mcp/auth_callback'],
        token_endpoint_auth_method: 'none',
      });
      assert.equal(reg.application_type, 'native');
      assert.equal(reg.token_endpoint_auth_method, 'none');
      assert.equal(reg.client_secret, undefined);
      assert.deepEqual(reg.grant_types, ['authorization_code', 'refresh_token']);
    });

    it('keeps a web client with https redirects web', async () => {
      const reg = await registerClient(as.issuer, { redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] });
      assert.equal(reg.application_type, 'web');
      assert.equal(reg.token_endpoint_auth_method, 'none');
    });

    for (const uri of ['javascript:alert(1)', 'data:text/html,hi', 'file:///etc/passwd', 'http://evil.example/cb', 'https://a.example/cb#frag']) {
      it(`refuses ${uri.split(':')[0]} redirect ${uri}`, async () => {
        const res = await fetch(`${as.issuer}/register`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/ok', uri] }),
        });
        assert.equal(res.status, 400);
        assert.equal((await res.json() as { error: string }).error, 'invalid_redirect_uri');
      });
    }
  });

  describe('authorization and tokens', () => {
    it('issues an RFC 9068 at+jwt for the canonical resource on a loopback port other than the registered one', async () => {
      const res = await codeFlow();
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const at = String(res.json.access_token);
      const header = decodeProtectedHeader(at);
      assert.equal(header.typ, 'at+jwt');
      assert.equal(header.alg, 'ES256');
      const { payload } = await jwtVerify(at, createLocalJWKSet(await jwks(as.issuer)), { issuer: as.issuer, audience: RESOURCE, typ: 'at+jwt' });
      assert.equal(payload.aud, RESOURCE);
      assert.equal(payload.sub, 'alice');
      assert.equal(payload.scope, 'mcp:tools');
      assert.equal(payload.client_id, client.client_id);
      assert.equal(payload.email, 'alice@example.com');
      assert.deepEqual(payload.groups, ['staff']);
      assert.ok(Number(payload.exp) - Number(payload.iat) <= 600);
      assert.equal(typeof res.json.refresh_token, 'string', 'refresh token without offline_access');
    });

    it('puts iss in the authorization response (RFC 9207) and tolerates offline_access and a missing state', async () => {
      const { challenge } = pkce();
      const { redirect } = await authorizeInBrowser(authorizationUrl(as.issuer, {
        response_type: 'code', client_id: client.client_id, redirect_uri: LOOPBACK_REDIRECT,
        code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools offline_access', resource: RESOURCE,
      }), USERS.alice);
      const params = new URL(redirect).searchParams;
      assert.equal(params.get('iss'), as.issuer);
      assert.ok(params.get('code'));
    });

    it('normalises a trailing slash on the resource and uses the only resource when none is sent', async () => {
      const slash = await codeFlow({ resource: RESOURCE + '/' });
      assert.equal(slash.status, 200, JSON.stringify(slash.json));
      assert.equal(decodeJwt(String(slash.json.access_token)).aud, RESOURCE);
      const { verifier, challenge } = pkce();
      const { redirect } = await authorizeInBrowser(authorizationUrl(as.issuer, {
        response_type: 'code', client_id: client.client_id, redirect_uri: LOOPBACK_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256',
      }), USERS.alice);
      const code = new URL(redirect).searchParams.get('code')!;
      const res = await token(as.issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: LOOPBACK_REDIRECT, client_id: client.client_id });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const payload = decodeJwt(String(res.json.access_token));
      assert.equal(payload.aud, RESOURCE);
      assert.equal(payload.scope, 'mcp:tools', 'no scope requested: the resource scopes are the default');
    });

    it('refuses an unknown resource with invalid_target', async () => {
      const { challenge } = pkce();
      const res = await fetch(authorizationUrl(as.issuer, {
        response_type: 'code', client_id: client.client_id, redirect_uri: LOOPBACK_REDIRECT,
        code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools', resource: 'https://other.example/mcp',
      }), { redirect: 'manual' });
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('error'), 'invalid_target');
      assert.equal(location.searchParams.get('iss'), as.issuer);
    });

    it('refuses PKCE plain and a missing code_challenge', async () => {
      const { verifier } = pkce();
      const base = { response_type: 'code', client_id: client.client_id, redirect_uri: LOOPBACK_REDIRECT, scope: 'mcp:tools', resource: RESOURCE };
      for (const extra of [{ code_challenge: verifier, code_challenge_method: 'plain' }, {}]) {
        const res = await fetch(authorizationUrl(as.issuer, { ...base, ...extra }), { redirect: 'manual' });
        assert.equal(res.status, 303, JSON.stringify(extra));
        const error = new URL(res.headers.get('location')!).searchParams;
        assert.equal(error.get('error'), 'invalid_request', JSON.stringify(extra));
        assert.match(error.get('error_description') ?? '', /code_challenge|PKCE/);
      }
    });

    it('answers 401 invalid_client at /token for an unknown client', async () => {
      const res = await token(as.issuer, { grant_type: 'authorization_code', code: 'x', code_verifier: 'y'.repeat(43), redirect_uri: LOOPBACK_REDIRECT, client_id: 'no-such-client' });
      assert.equal(res.status, 401);
      assert.equal(res.json.error, 'invalid_client');
    });

    it('redeems a code once only', async () => {
      const { verifier, challenge } = pkce();
      const { redirect } = await authorizeInBrowser(authorizationUrl(as.issuer, {
        response_type: 'code', client_id: client.client_id, redirect_uri: LOOPBACK_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE,
      }), USERS.alice);
      const code = new URL(redirect).searchParams.get('code')!;
      const params = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: LOOPBACK_REDIRECT, client_id: client.client_id };
      assert.equal((await token(as.issuer, params)).status, 200);
      const again = await token(as.issuer, params);
      assert.equal(again.status, 400);
      assert.equal(again.json.error, 'invalid_grant');
    });

    it('rotates refresh tokens and revokes the whole grant when an old one is used again', async () => {
      const first = await codeFlow();
      const rt1 = String(first.json.refresh_token);
      const second = await token(as.issuer, { grant_type: 'refresh_token', refresh_token: rt1, client_id: client.client_id });
      assert.equal(second.status, 200, JSON.stringify(second.json));
      const rt2 = String(second.json.refresh_token);
      assert.notEqual(rt2, rt1);
      assert.equal(decodeJwt(String(second.json.access_token)).aud, RESOURCE);
      const reuse = await token(as.issuer, { grant_type: 'refresh_token', refresh_token: rt1, client_id: client.client_id });
      assert.equal(reuse.status, 400);
      assert.equal(reuse.json.error, 'invalid_grant');
      const family = await token(as.issuer, { grant_type: 'refresh_token', refresh_token: rt2, client_id: client.client_id });
      assert.equal(family.status, 400, 'the rotated token died with its grant');
      assert.equal(family.json.error, 'invalid_grant');
      assert.ok(as.logs.some((l) => l.includes('"grant.revoked"') && l.includes('"route":"token"')), 'reuse is logged as a revocation at the token endpoint (counted as a replay)');
    });

    it('revokes a refresh token at the revocation endpoint', async () => {
      const first = await codeFlow();
      const rt = String(first.json.refresh_token);
      const res = await fetch(`${as.issuer}/token/revocation`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: rt, token_type_hint: 'refresh_token', client_id: client.client_id }).toString(),
      });
      assert.equal(res.status, 200);
      assert.equal((await token(as.issuer, { grant_type: 'refresh_token', refresh_token: rt, client_id: client.client_id })).json.error, 'invalid_grant');
    });
  });

  describe('login and consent', () => {
    function startUrl(redirectUri = LOOPBACK_REDIRECT, clientId = client.client_id): string {
      return authorizationUrl(as.issuer, {
        response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
        code_challenge: pkce().challenge, code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE, state: 'abc',
      });
    }

    it('shows the client, the redirect host with a loopback warning, the scopes, and frame-ancestors none', async () => {
      const { consentPage, loginPage } = await authorizeInBrowser(startUrl(), USERS.alice);
      for (const page of [loginPage!, consentPage!]) {
        const csp = page.headers.get('content-security-policy') ?? '';
        assert.match(csp, /frame-ancestors 'none'/);
        assert.doesNotMatch(csp, /form-action/);
      }
      const html = consentPage!.body;
      assert.match(html, /Test MCP client/);
      assert.match(html, /not verified/);
      assert.match(html, /127\.0\.0\.1:43210/);
      assert.match(html, /a program on this computer/);
      assert.match(html, /mcp:tools/);
    });

    it('escapes what the client chose (its name)', async () => {
      const evil = await registerClient(as.issuer, { client_name: '<script>alert(1)</script>', redirect_uris: [LOOPBACK_REDIRECT] });
      const { consentPage } = await authorizeInBrowser(startUrl(LOOPBACK_REDIRECT, evil.client_id), USERS.alice);
      assert.doesNotMatch(consentPage!.body, /<script>alert/);
      assert.match(consentPage!.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });

    it('sends access_denied (with iss and state) when the person denies', async () => {
      const { redirect } = await authorizeInBrowser(startUrl(), { ...USERS.alice, consent: 'deny' });
      const params = new URL(redirect).searchParams;
      assert.equal(params.get('error'), 'access_denied');
      assert.equal(params.get('state'), 'abc');
      assert.equal(params.get('iss'), as.issuer);
      assert.equal(params.get('code'), null);
    });

    it('refuses a wrong password without saying which part was wrong', async () => {
      const ua = createUserAgent();
      const page = await ua.follow(await ua.get(startUrl()), as.url);
      assert.ok(!('redirect' in page));
      const login = parseForms(page.body, page.url)[0]!;
      const res = await ua.post(login.action, { ...login.fields, username: 'alice', password: 'wrong' });
      assert.equal(res.status, 401);
      assert.match(res.body, /Wrong username or password/);
      const unknown = await ua.post(login.action, { ...login.fields, username: 'mallory', password: 'wrong' });
      assert.equal(unknown.status, 401);
      assert.match(unknown.body, /Wrong username or password/);
    });

    it('requires the CSRF token of the page on every form', async () => {
      const ua = createUserAgent();
      const page = await ua.follow(await ua.get(startUrl()), as.url);
      assert.ok(!('redirect' in page));
      const login = parseForms(page.body, page.url)[0]!;
      const noToken = await ua.post(login.action, { method: 'password', username: USERS.alice.username, password: USERS.alice.password });
      assert.equal(noToken.status, 403);
      const forged = await ua.post(login.action, { ...login.fields, csrf: 'A'.repeat(43), username: USERS.alice.username, password: USERS.alice.password });
      assert.equal(forged.status, 403);
      ua.dropCookie('mcp_authz_csrf');
      const noCookie = await ua.post(login.action, { ...login.fields, username: USERS.alice.username, password: USERS.alice.password });
      assert.equal(noCookie.status, 403);
      // A page loaded again sets a new nonce; its token works.
      const reload = await ua.get(page.url);
      const fresh = parseForms(reload.body, reload.url)[0]!;
      const ok = await ua.follow(await ua.post(fresh.action, { ...fresh.fields, username: USERS.alice.username, password: USERS.alice.password }), as.url);
      assert.ok(!('redirect' in ok) && ok.status === 200 && /Allow access/.test(ok.body), 'reached the consent page');
      const consent = parseForms(ok.body, ok.url).find((f) => f.action.endsWith('/confirm'))!;
      const noConsentToken = await ua.post(consent.action, {});
      assert.equal(noConsentToken.status, 403);
    });

    it('remembers consent per user and web client, and always asks a native client', async () => {
      const web = await registerClient(as.issuer, { client_name: 'Web client', redirect_uris: ['https://client.example/callback'] });
      const first = await authorizeInBrowser(startUrl('https://client.example/callback', web.client_id), USERS.alice);
      assert.ok(first.consentPage, 'first time: consent asked');
      // A new browser (new session): sign in again, but the approval is remembered.
      const second = await authorizeInBrowser(startUrl('https://client.example/callback', web.client_id), USERS.alice);
      assert.equal(second.consentPage, undefined, 'consent remembered for this user and client');
      assert.ok(new URL(second.redirect).searchParams.get('code'));
      const native = await authorizeInBrowser(startUrl(), USERS.alice);
      const nativeAgain = await authorizeInBrowser(startUrl(), USERS.alice);
      assert.ok(native.consentPage && nativeAgain.consentPage, 'RFC 8252 §8.6: native clients are asked every time');
      assert.match(nativeAgain.consentPage.body, /<code>mcp:tools<\/code>/, 'already granted scopes are still shown');
      assert.ok(new URL(nativeAgain.redirect).searchParams.get('code'));
    });

    it('grants only the scopes the user may have', async () => {
      const { consentPage, redirect } = await authorizeInBrowser(startUrl(), USERS.bob);
      assert.match(consentPage!.body, /Not available to your account/);
      // Nothing grantable: oidc-provider ends the request with access_denied.
      assert.equal(new URL(redirect).searchParams.get('error'), 'access_denied');
    });
  });

  describe('persistence and keys', () => {
    it('keeps a registered client and its refresh token across a restart', async () => {
      const before = await codeFlow();
      assert.equal(before.status, 200);
      await as.restart();
      const res = await token(as.issuer, { grant_type: 'refresh_token', refresh_token: String(before.json.refresh_token), client_id: client.client_id });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(decodeJwt(String(res.json.access_token)).aud, RESOURCE);
    });

    it('publishes the previous signing key after a rotation, so earlier tokens still verify', async () => {
      const earlier = String((await codeFlow()).json.access_token);
      const oldKid = decodeProtectedHeader(earlier).kid;
      const rotated = await rotateSigningKeys(`${as.dir}/keys`, { rs256: false });
      assert.ok(rotated.ok);
      await as.restart();
      const set = await jwks(as.issuer);
      const kids = set.keys.map((k) => k.kid);
      assert.equal(kids.length, 2);
      assert.equal(kids[0], rotated.created[0], 'the new key is current');
      assert.ok(kids.includes(oldKid));
      const later = String((await codeFlow()).json.access_token);
      assert.equal(decodeProtectedHeader(later).kid, rotated.created[0]);
      const keySet = createLocalJWKSet(set);
      await jwtVerify(earlier, keySet, { audience: RESOURCE });
      await jwtVerify(later, keySet, { audience: RESOURCE });
    });
  });

  it('never logs a token, a code or a password', () => {
    const text = as.logs.join('\n');
    assert.ok(secretsSeen.length > 5);
    for (const secret of [...secretsSeen, USERS.alice.password, USERS.bob.password]) assert.equal(text.includes(secret), false);
  });
});

describe('companion with an issuer that has a path', () => {
  let as: TestCompanion;
  before(async () => {
    const port = await freePort();
    as = await startTestCompanion({ port, issuer: `http://127.0.0.1:${port}/tenant` });
  });
  after(async () => {
    await as?.dispose();
  });

  it('serves metadata at the RFC 8414 path-insertion URL and both OIDC forms, with one issuer', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server/tenant',
      '/.well-known/openid-configuration/tenant',
      '/tenant/.well-known/openid-configuration',
      '/tenant/.well-known/oauth-authorization-server',
    ]) {
      const res = await fetch(`${as.url}${path}`);
      assert.equal(res.status, 200, path);
      const doc = await res.json() as Record<string, string>;
      assert.equal(doc.issuer, as.issuer, path);
      assert.equal(doc.authorization_endpoint, `${as.issuer}/authorize`, path);
      assert.equal(doc.jwks_uri, `${as.issuer}/jwks`, path);
    }
    assert.equal((await fetch(`${as.url}/.well-known/oauth-authorization-server`)).status, 404, 'the root form belongs to another issuer');
  });

  it('runs a whole code flow below the path', async () => {
    const reg = await registerClient(as.issuer, { redirect_uris: [LOOPBACK_REDIRECT] });
    const { verifier, challenge } = pkce();
    const { redirect } = await authorizeInBrowser(authorizationUrl(as.issuer, {
      response_type: 'code', client_id: reg.client_id, redirect_uri: LOOPBACK_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', resource: RESOURCE,
    }), USERS.alice);
    const params = new URL(redirect).searchParams;
    assert.equal(params.get('iss'), as.issuer);
    const res = await token(as.issuer, { grant_type: 'authorization_code', code: params.get('code')!, code_verifier: verifier, redirect_uri: LOOPBACK_REDIRECT, client_id: reg.client_id });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(decodeJwt(String(res.json.access_token)).iss, as.issuer);
  });
});

describe('companion with an https issuer', () => {
  let as: TestCompanion;
  before(async () => {
    const port = await freePort();
    // Served over loopback http here; every URL and cookie follows the https issuer.
    as = await startTestCompanion({ port, issuer: `https://127.0.0.1:${port}` });
  });
  after(async () => {
    await as?.dispose();
  });

  it('sets __Host- cookies (Secure, Path=/) on the way to the login page', async () => {
    const reg = await registerClient(as.url, { redirect_uris: [LOOPBACK_REDIRECT] });
    const res = await fetch(authorizationUrl(as.url, {
      response_type: 'code', client_id: reg.client_id, redirect_uri: LOOPBACK_REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256', resource: RESOURCE,
    }), { redirect: 'manual' });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!, as.issuer);
    const cookies = res.headers.getSetCookie();
    const interaction = cookies.find((c) => c.startsWith('__Host-mcp_authz_interaction='));
    assert.ok(interaction, cookies.join('\n'));
    assert.match(interaction, /path=\/;/i);
    assert.match(interaction, /secure/i);
    assert.match(interaction, /httponly/i);
    assert.ok(cookies.some((c) => c.startsWith('__Secure-mcp_authz_resume=') && /secure/i.test(c)), 'resume cookie is path-scoped, so __Secure-');
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');
    const page = await fetch(`${as.url}${location.pathname}`, { headers: { cookie: jar } });
    assert.equal(page.status, 200);
    const csrf = page.headers.getSetCookie().find((c) => c.startsWith('__Host-mcp_authz_csrf='));
    assert.ok(csrf && /Path=\/;/.test(csrf) && /Secure/.test(csrf), csrf);
  });
});

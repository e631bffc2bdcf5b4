/**
 * Federated sign-in (`authorization_server.login.oidc`) against a real upstream OpenID Provider
 * (test/support/upstream-idp.ts) on loopback: the companion's login page sends the browser to
 * the IdP with its own state, nonce and PKCE S256; the callback checks them through
 * openid-client, applies the email / domain policy, maps groups and admin scopes, and the
 * MCP client gets a token (or `access_denied`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { parseConfig } from '../../src/config/load.ts';
import { pkce, registerClient, startTestCompanion, tokenRequest, type TestCompanion } from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';
import { loginOidcYaml, startUpstreamIdp, type UpstreamIdp, type UpstreamUser } from '../support/upstream-idp.ts';
import { createUserAgent, parseForms, type UaResponse, type UserAgent } from '../support/user-agent.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const CLIENT_REDIRECT = 'http://127.0.0.1:43210/callback';
const IDP_SECRET = 'upstream-client-secret-0123456789abcdef';

const USERS: UpstreamUser[] = [
  { sub: 'u-admin', email: 'Admin@Example.com', email_verified: true, groups: ['ops', 'admins'], password: 'pw-admin' },
  { sub: 'u-plain', email: 'plain@example.com', email_verified: true, groups: ['staff'], password: 'pw-plain' },
  { sub: 'u-unverified', email: 'admin2@example.com', email_verified: false, groups: [], password: 'pw-unverified' },
  { sub: 'u-suffix', email: 'eve@example.com.evil.net', email_verified: true, groups: [], password: 'pw-suffix' },
  { sub: 'u-lookalike', email: 'mallory@badexample.com', email_verified: true, groups: [], password: 'pw-lookalike' },
];

describe('companion federated login (login.oidc)', () => {
  let idp: UpstreamIdp;
  let as: TestCompanion;
  let clientId: string;
  const savedCodes: Array<{ codeChallenge?: string; codeChallengeMethod?: string; nonce?: string }> = [];

  before(async () => {
    const port = await freePort();
    idp = await startUpstreamIdp({
      clients: [{ client_id: 'mcp-authz', client_secret: IDP_SECRET, redirect_uris: [`http://127.0.0.1:${port}/consent/callback`] }],
      users: USERS,
    });
    idp.provider.on('authorization_code.saved', (code: { codeChallenge?: string; codeChallengeMethod?: string; nonce?: string }) => {
      savedCodes.push({ codeChallenge: code.codeChallenge, codeChallengeMethod: code.codeChallengeMethod, nonce: code.nonce });
    });
    as = await startTestCompanion({
      port,
      resources: [{ path: '/mcp', resource: RESOURCE, scopes: ['mcp:tools', 'mcp:admin'] }],
      env: { IDP_SECRET },
      extra: loginOidcYaml(idp.issuer, ['admin@example.com', 'admin2@example.com']),
    });
    ({ client_id: clientId } = await registerClient(as.issuer, {
      client_name: 'Federation test client',
      redirect_uris: [CLIENT_REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      scope: 'mcp:tools mcp:admin',
    }));
  });
  after(async () => {
    await as?.dispose();
    await idp?.stop();
  });

  interface Started {
    ua: UserAgent;
    verifier: string;
    loginPage: UaResponse;
    /** Where the companion sent the browser (the IdP's authorization endpoint). */
    idpAuthorize: URL;
    /** The IdP's redirect back to the companion's callback. */
    callback: URL;
  }

  /** Open an authorization request (no client state), pick the IdP, sign in there. */
  async function startAndSignInAtIdp(login: string, password: string): Promise<Started> {
    const ua = createUserAgent();
    const { verifier, challenge } = pkce();
    const url = new URL(`${as.issuer}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: CLIENT_REDIRECT,
      code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools mcp:admin', resource: RESOURCE,
    }).toString();
    const loginPage = await ua.follow(await ua.get(url.href), as.url);
    assert.ok(!('redirect' in loginPage), 'expected the login page');
    assert.equal(loginPage.status, 200);
    const oidcForm = parseForms(loginPage.body, loginPage.url).find((f) => f.fields.method === 'oidc');
    assert.ok(oidcForm, 'login page offers the IdP');
    const toIdp = await ua.post(oidcForm.action, oidcForm.fields);
    assert.equal(toIdp.status, 303);
    const idpAuthorize = new URL(toIdp.headers.get('location')!);
    assert.equal(idpAuthorize.origin, idp.issuer);
    const idpLogin = await ua.follow(await ua.get(idpAuthorize.href), idp.issuer);
    assert.ok(!('redirect' in idpLogin) && idpLogin.status === 200, 'IdP login form');
    const form = parseForms(idpLogin.body, idpLogin.url)[0]!;
    const back = await ua.follow(await ua.post(form.action, { ...form.fields, login, password }), idp.issuer);
    assert.ok('redirect' in back, 'IdP redirects back');
    const callback = new URL(back.redirect);
    assert.equal(callback.origin + callback.pathname, `${as.issuer}/consent/callback`);
    return { ua, verifier, loginPage, idpAuthorize, callback };
  }

  it('shows the IdP and the password form on the login page', async () => {
    const ua = createUserAgent();
    const { challenge } = pkce();
    const page = await ua.follow(await ua.get(`${as.issuer}/authorize?${new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: CLIENT_REDIRECT, code_challenge: challenge,
      code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE, state: 'x',
    })}`), as.url);
    assert.ok(!('redirect' in page));
    assert.match(page.body, new RegExp(`Sign in with 127\\.0\\.0\\.1:${idp.port}`));
    const methods = parseForms(page.body, page.url).map((f) => f.fields.method);
    assert.deepEqual(methods.sort(), ['oidc', 'password']);
  });

  it('signs an admin in through the IdP: PKCE S256 and our nonce upstream, mapped claims and admin scopes in the token', async () => {
    const logins = idp.loginCount;
    const codesBefore = savedCodes.length;
    const s = await startAndSignInAtIdp('Admin@Example.com', 'pw-admin');
    assert.equal(idp.loginCount, logins + 1);

    // Our own state, nonce and PKCE at the IdP; nothing of the MCP client's request.
    const q = s.idpAuthorize.searchParams;
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.match(q.get('nonce') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(q.get('redirect_uri'), `${as.issuer}/consent/callback`);
    assert.equal(q.get('client_id'), 'mcp-authz');
    assert.deepEqual(q.get('scope')?.split(' '), ['openid', 'email', 'profile']);
    assert.equal(s.callback.searchParams.get('state'), q.get('state'));
    // The IdP stored them with its code (so it checked the verifier and echoed the nonce).
    assert.equal(savedCodes.length, codesBefore + 1);
    assert.deepEqual(savedCodes.at(-1), { codeChallenge: q.get('code_challenge')!, codeChallengeMethod: 'S256', nonce: q.get('nonce')! });

    const consent = await s.ua.follow(await s.ua.get(s.callback.href), as.url);
    assert.ok(!('redirect' in consent), 'consent page expected');
    assert.equal(consent.status, 200);
    assert.match(consent.body, /Allow access\?/);
    assert.match(consent.body, /mcp:admin/);
    const allow = parseForms(consent.body, consent.url).find((f) => f.action.endsWith('/confirm'))!;
    const done = await s.ua.follow(await s.ua.post(allow.action, allow.fields), as.url);
    assert.ok('redirect' in done);
    const code = new URL(done.redirect).searchParams.get('code');
    assert.ok(code, done.redirect);

    const res = await tokenRequest(as.issuer, {
      grant_type: 'authorization_code', code, code_verifier: s.verifier, client_id: clientId, redirect_uri: CLIENT_REDIRECT, resource: RESOURCE,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const body = res.json as { access_token: string; scope: string };
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.sub, `${idp.issuer}#u-admin`);
    assert.equal(claims.email, 'admin@example.com');
    assert.deepEqual(claims.groups, ['ops', 'admins']);
    assert.deepEqual(String(claims.scope).split(' ').sort(), ['mcp:admin', 'mcp:tools']);

    // Nothing secret in the logs.
    const logs = as.logs.join('\n');
    assert.ok(!logs.includes(code));
    assert.ok(!logs.includes(s.callback.searchParams.get('code')!));
    assert.ok(!logs.includes(body.access_token));
    assert.match(logs, /"event":"login.success"[^\n]*"method":"oidc"/);
  });

  it('gives a non-admin only the user scopes', async () => {
    const s = await startAndSignInAtIdp('plain@example.com', 'pw-plain');
    const consent = await s.ua.follow(await s.ua.get(s.callback.href), as.url);
    assert.ok(!('redirect' in consent));
    assert.equal(consent.status, 200);
    assert.match(consent.body, /Not available to your account: <code>mcp:admin<\/code>/);
  });

  /** Complete the IdP step, return the companion's page at the callback and where its link leads. */
  async function refused(login: string, password: string): Promise<{ page: UaResponse; idpCode: string; clientRedirect: URL }> {
    const s = await startAndSignInAtIdp(login, password);
    const page = await s.ua.get(s.callback.href);
    const idpCode = s.callback.searchParams.get('code')!;
    assert.equal(page.status, 403);
    assert.ok(!page.body.includes(idpCode), 'no code in the error page');
    const link = /<a id="return" href="([^"]+)"/.exec(page.body);
    assert.ok(link, 'a way back to the app');
    const back = await s.ua.follow(await s.ua.get(new URL(link[1]!.replace(/&amp;/g, '&'), as.url).href), as.url);
    assert.ok('redirect' in back);
    return { page, idpCode, clientRedirect: new URL(back.redirect) };
  }

  it('refuses an unverified email (even an admin one), and the client gets access_denied', async () => {
    const r = await refused('admin2@example.com', 'pw-unverified');
    assert.match(r.page.body, /did not confirm your email address/);
    assert.equal(r.clientRedirect.origin + r.clientRedirect.pathname, CLIENT_REDIRECT);
    assert.equal(r.clientRedirect.searchParams.get('error'), 'access_denied');
    assert.equal(r.clientRedirect.searchParams.get('code'), null);
    assert.match(as.logs.join('\n'), /"event":"login.failure"[^\n]*"reason":"email_not_verified"/);
  });

  it('refuses disallowed email domains exactly (no suffix or look-alike tricks)', async () => {
    for (const [login, password] of [['eve@example.com.evil.net', 'pw-suffix'], ['mallory@badexample.com', 'pw-lookalike']] as const) {
      const r = await refused(login, password);
      assert.match(r.page.body, /may not sign in here/);
      assert.equal(r.clientRedirect.searchParams.get('error'), 'access_denied');
    }
  });

  it('refuses a tampered state at the callback, and the real answer cannot be used afterwards', async () => {
    const s = await startAndSignInAtIdp('plain@example.com', 'pw-plain');
    const tampered = new URL(s.callback);
    tampered.searchParams.set('state', 'attacker-chosen-state-value');
    const page = await s.ua.get(tampered.href);
    assert.equal(page.status, 403);
    assert.match(page.body, /Sign-in failed/);
    assert.ok(!page.body.includes(s.callback.searchParams.get('code')!));
    const replay = await s.ua.get(s.callback.href);
    assert.equal(replay.status, 403);
    assert.match(replay.body, /no longer valid/);
  });

  it('refuses a callback from another browser (no transaction cookie)', async () => {
    const s = await startAndSignInAtIdp('plain@example.com', 'pw-plain');
    const other = createUserAgent();
    const page = await other.get(s.callback.href);
    assert.equal(page.status, 403);
    assert.match(page.body, /no longer valid or was started in another browser/);
    assert.doesNotMatch(page.body, /id="return"/);
  });

  it('validates the login.oidc configuration with paths', () => {
    const base = `endpoints:
  - path: /mcp
    resource: https://mcp.example.com/mcp
    upstream: http://127.0.0.1:3000
    authorization_servers: [https://mcp.example.com]
    strategies: [{ type: jwt, issuer: https://mcp.example.com }]
    policy: { required_scopes: [mcp:tools] }
authorization_server:\n  issuer: https://mcp.example.com\n  login:\n    oidc:\n`;
    const bad = parseConfig(`${base}      issuer: http://idp.example.com\n      client_id: x\n      allowed_email_domains: ["*.example.com"]\n      scopes: [email]\n      extra: 1\n`, {});
    assert.ok(!bad.ok);
    const paths = bad.errors.map((e) => e.path);
    assert.ok(paths.includes('authorization_server.login.oidc.issuer'), JSON.stringify(bad.errors));
    assert.ok(paths.some((p) => p.startsWith('authorization_server.login.oidc.allowed_email_domains')), JSON.stringify(bad.errors));
    assert.ok(paths.some((p) => p.startsWith('authorization_server.login.oidc')), JSON.stringify(bad.errors));
    const good = parseConfig(`${base}      issuer: https://idp.example.com\n      client_id: x\n`, {});
    assert.ok(good.ok, JSON.stringify(!good.ok && good.errors));
    assert.deepEqual(good.config.authorization_server?.login?.oidc, {
      issuer: 'https://idp.example.com', client_id: 'x', client_secret_env: null, scopes: ['openid', 'email', 'profile'],
      allowed_email_domains: [], require_email_verified: true, groups_claim: 'groups', user_scopes: [], admin_users: [], admin_scopes: [],
    });
  });

  it('reports an unreachable IdP at start-up with the config path', async () => {
    const deadPort = await freePort();
    await assert.rejects(
      startTestCompanion({ extra: `  login:\n    oidc:\n      issuer: http://127.0.0.1:${deadPort}\n      client_id: x\n` }),
      /authorization_server\.login\.oidc\.issuer.*OpenID discovery of http:\/\/127\.0\.0\.1:\d+ failed/,
    );
  });
});

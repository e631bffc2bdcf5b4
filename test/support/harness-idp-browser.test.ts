/**
 * Self-test of the upstream IdP and browser harnesses: a full authorization code + PKCE login at
 * the upstream IdP driven by headless Chromium, the code exchanged and the ID token verified
 * against the IdP's JWKS; the IdP refuses what a real one refuses; custom-scheme and loopback
 * redirects are captured; no Chromium process is left behind.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { captureCustomSchemeRedirect, captureLoopbackRedirect, chromiumProcessesUsing, launchBrowser, type LaunchedBrowser, type Page } from './browser.ts';
import { freePort } from './free-port.ts';
import { closeServer, listen } from './listen.ts';
import { startUpstreamIdp, type UpstreamIdp } from './upstream-idp.ts';
import { isAlive } from './process.ts';

const CLIENT = { client_id: 'mcp-authz-companion', client_secret: 'companion-secret-0123456789' };
const ALICE = { sub: 'u-alice', email: 'alice@corp.example', email_verified: true, groups: ['staff', 'mcp-users'], password: 'alice-upstream-pw' };

const b64url = (b: Buffer): string => b.toString('base64url');

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  code_challenge_methods_supported: string[];
  claims_supported: string[];
}

describe('upstream IdP + headless Chromium', () => {
  let idp: UpstreamIdp;
  let br: LaunchedBrowser;
  let redirectUri: string;
  let meta: Discovery;

  before(async () => {
    redirectUri = `http://127.0.0.1:${await freePort()}/oauth/upstream/callback`; // nothing listens there
    idp = await startUpstreamIdp({ clients: [{ ...CLIENT, redirect_uris: [redirectUri] }], users: [ALICE] });
    br = await launchBrowser();
    meta = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Discovery;
  });

  after(async () => {
    await br?.close();
    await idp?.stop();
    assert.equal(isAlive(br.pid), false, 'chromium browser process still running');
    assert.deepEqual(br.processes(), [], 'chromium processes left behind');
    assert.deepEqual([...chromiumProcessesUsing(br.userDataDir), ...chromiumProcessesUsing(br.home)], [], 'ps lists chromium processes left behind');
    assert.equal(existsSync(br.home), false);
  });

  /** An authorization request with fresh state, nonce and PKCE. */
  function authorizeRequest(extra: Record<string, string> = {}) {
    const state = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    const verifier = b64url(randomBytes(32));
    const params = new URLSearchParams({
      client_id: CLIENT.client_id,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { url: `${meta.authorization_endpoint}?${params}`, state, nonce, verifier };
  }

  async function exchange(code: string, verifier: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  test('discovery describes a code + PKCE (S256) IdP with the groups claim', () => {
    assert.equal(meta.issuer, idp.issuer);
    assert.equal(idp.issuer, `http://127.0.0.1:${idp.port}`);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok(meta.claims_supported.includes('groups') && meta.claims_supported.includes('email'));
  });

  test('browser login: code at a loopback redirect_uri without a listener, exchanged, ID token verified', async () => {
    const page = await br.newPage();
    const req = authorizeRequest();
    const capture = await captureLoopbackRedirect(page, redirectUri);
    await page.goto(req.url);
    await page.fill('input[name=login]', ALICE.email);
    await page.fill('input[name=password]', ALICE.password);
    await Promise.all([page.click('button[type=submit]'), capture.url]);
    const cb = await capture.url;
    await page.close();

    assert.equal(cb.searchParams.get('state'), req.state);
    assert.equal(cb.searchParams.get('iss'), idp.issuer); // RFC 9207
    const code = cb.searchParams.get('code');
    assert.ok(code);
    assert.equal(idp.loginCount, 1);

    // A wrong code_verifier is refused (oidc-provider checks PKCE before it consumes the code).
    const bad = await exchange(code, b64url(randomBytes(32)));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_grant');

    const tok = await exchange(code, req.verifier);
    assert.equal(tok.status, 200, JSON.stringify(tok.body));
    const { payload, protectedHeader } = await jwtVerify(tok.body.id_token as string, createRemoteJWKSet(new URL(meta.jwks_uri)), {
      issuer: idp.issuer,
      audience: CLIENT.client_id,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, ALICE.sub);
    assert.equal(payload.nonce, req.nonce);
    assert.equal(payload.email, ALICE.email);
    assert.equal(payload.email_verified, true);
    assert.deepEqual(payload.groups, ALICE.groups);

    const ui = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${tok.body.access_token as string}` } });
    assert.equal(ui.status, 200);
    const claims = (await ui.json()) as Record<string, unknown>;
    assert.equal(claims.email, ALICE.email);
    assert.deepEqual(claims.groups, ALICE.groups);

    const replay = await exchange(code, req.verifier);
    assert.equal(replay.body.error, 'invalid_grant');
  });

  test('wrong password: the form shows an error and no code is issued', async () => {
    const page = await br.newPage();
    const capture = await captureLoopbackRedirect(page, redirectUri, { timeoutMs: 1500 });
    const failedBefore = idp.failedLoginCount;
    await page.goto(authorizeRequest().url);
    await page.fill('input[name=login]', ALICE.email);
    await page.fill('input[name=password]', 'not-the-password');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[type=submit]')]);
    assert.equal(res.status(), 401);
    assert.match(await page.textContent('#error') ?? '', /Invalid login or password/);
    await assert.rejects(capture.url, /no navigation/);
    assert.deepEqual(capture.seen, []);
    assert.equal(idp.failedLoginCount, failedBefore + 1);
    await page.close();
  });

  test('the IdP refuses what a real one refuses: unregistered redirect_uri (also another port), missing PKCE, plain PKCE', async () => {
    const other = await fetch(authorizeRequest({ redirect_uri: redirectUri + '/x' }).url, { redirect: 'manual' });
    assert.equal(other.status, 400); // rendered error page, never a redirect to an unregistered URI
    assert.match(await other.text(), /redirect_uri/);
    const otherPort = new URL(redirectUri);
    otherPort.port = String(Number(otherPort.port) === 65535 ? 1024 : Number(otherPort.port) + 1);
    assert.equal((await fetch(authorizeRequest({ redirect_uri: otherPort.href }).url, { redirect: 'manual' })).status, 400);

    const noPkce = new URL(authorizeRequest().url);
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const r1 = await fetch(noPkce, { redirect: 'manual' });
    assert.equal(r1.status, 303);
    const loc1 = new URL(r1.headers.get('location') ?? '');
    assert.equal(loc1.searchParams.get('error'), 'invalid_request');
    assert.match(loc1.searchParams.get('error_description') ?? '', /PKCE/);

    const plain = await fetch(authorizeRequest({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }).url, { redirect: 'manual' });
    assert.equal(new URL(plain.headers.get('location') ?? '').searchParams.get('error'), 'invalid_request');
  });

  test('setUser changes the claims of the next login', async () => {
    idp.setUser({ ...ALICE, groups: ['admins'] });
    try {
      const page = await br.newPage();
      const req = authorizeRequest();
      const capture = await captureLoopbackRedirect(page, redirectUri);
      await page.goto(req.url);
      await page.fill('input[name=login]', ALICE.sub);
      await page.fill('input[name=password]', ALICE.password);
      await page.click('button[type=submit]');
      const code = (await capture.url).searchParams.get('code') ?? '';
      await page.close();
      const tok = await exchange(code, req.verifier);
      const { payload } = await jwtVerify(tok.body.id_token as string, createRemoteJWKSet(new URL(meta.jwks_uri)));
      assert.deepEqual(payload.groups, ['admins']);
    } finally {
      idp.setUser(ALICE);
    }
  });

  test('a server redirect to cursor:// is captured with its full query string', async () => {
    const target = 'cursor://anysphere.cursor-mcp/oauth/callback?code=x&state=y';
    const srv = createServer((req, res) => {
      if (req.url === '/form') res.writeHead(200, { 'content-type': 'text/html' }).end('<form method="post" action="/chain"><button>Allow</button></form>');
      else if (req.url === '/chain') res.writeHead(303, { location: '/to-app' }).end();
      else res.writeHead(302, { location: target }).end();
    });
    const base = `http://127.0.0.1:${await listen(srv)}`;
    try {
      const ways: Array<[string, (page: Page) => Promise<unknown>]> = [
        ['302', (page) => page.goto(`${base}/to-app`)],
        ['303 then 302', (page) => page.goto(`${base}/chain`)],
        ['form POST, 303, 302', async (page) => (await page.goto(`${base}/form`), page.click('button'))],
      ];
      for (const [way, navigate] of ways) {
        const page = await br.newPage();
        const capture = await captureCustomSchemeRedirect(page, 'cursor://anysphere.cursor-mcp/oauth/callback');
        await navigate(page).catch(() => {}); // Chromium aborts the navigation it cannot open
        assert.equal((await capture.url).href, target, way);
        await page.close();
      }
    } finally {
      await closeServer(srv);
    }
  });
});

/**
 * The companion's login and consent pages in real headless Chromium: a native client with
 * Cursor's custom-scheme callback gets its code (no form-action CSP in the way), a loopback
 * client shows the local-program warning and gets access_denied on Deny, the pages cannot be
 * framed, a tampered CSRF token is refused, consent is remembered per user and web client, and a
 * hostile client_name is shown as text. With an https issuer (served over loopback http, there is
 * no TLS in the harness) the Set-Cookie headers Chromium receives carry the `__Host-` prefix.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  captureCustomSchemeRedirect, captureLoopbackRedirect, captureRedirect, chromiumProcessesUsing, launchBrowser,
  type LaunchedBrowser, type Page,
} from '../support/browser.ts';
import { pkce, registerClient, startTestCompanion, tokenRequest, USERS, type TestCompanion } from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';
import { closeServer, listen } from '../support/listen.ts';
import { isAlive } from '../support/process.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const CURSOR = 'cursor://anysphere.cursor-mcp/oauth/callback';
const WEB = 'https://client.example/callback';
const CONSENT_PATH = /\/consent\/[^/?]+$/;

function authorizationUrl(issuer: string, clientId: string, redirectUri: string, challenge: string, state: string): string {
  const url = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge,
    code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE, state,
  })) url.searchParams.set(k, v);
  return url.href;
}


/** Sign in on the login page Chromium shows. */
async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Click a button whose navigation ends at a URL Chromium cannot load (custom scheme, dead port). */
async function clickAway(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click().catch(() => {});
}

describe('companion consent page in headless Chromium', () => {
  let as: TestCompanion;
  let br: LaunchedBrowser;
  let framer: Server;
  let framerUrl: string;
  let loopbackRedirect: string;
  let cursorClient: { client_id: string };
  let loopbackClient: { client_id: string };

  before(async () => {
    as = await startTestCompanion();
    loopbackRedirect = `http://127.0.0.1:${await freePort()}/callback`; // nothing listens there
    cursorClient = await registerClient(as.issuer, {
      client_name: 'Cursor', redirect_uris: [CURSOR], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
    });
    loopbackClient = await registerClient(as.issuer, { client_name: 'Loopback CLI', redirect_uris: [loopbackRedirect], token_endpoint_auth_method: 'none' });
    // Another origin (other port) that tries to frame the authorization request.
    framer = createServer((req, res) => {
      const src = new URL(req.url ?? '/', 'http://x').searchParams.get('src') ?? '';
      const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><title>framer</title><iframe id="f" src="${attr}" width="600" height="400"></iframe>`);
    });
    framerUrl = `http://127.0.0.1:${await listen(framer)}/`;
    br = await launchBrowser();
  });

  after(async () => {
    await br?.close();
    if (framer) await closeServer(framer);
    await as?.dispose();
    if (br) {
      assert.equal(isAlive(br.pid), false, 'chromium browser process still running');
      assert.deepEqual(br.processes(), [], 'chromium processes left behind');
      assert.deepEqual([...chromiumProcessesUsing(br.userDataDir), ...chromiumProcessesUsing(br.home)], []);
      assert.equal(existsSync(br.home), false);
    }
  });

  it('Cursor (cursor:// redirect): login, consent naming client, host and scopes, Allow → code+state+iss, code redeems', async () => {
    const page = await br.newPage();
    try {
      const consentHeaders: Record<string, string>[] = [];
      page.on('response', (r) => {
        if (r.request().method() === 'GET' && CONSENT_PATH.test(new URL(r.url()).pathname)) consentHeaders.push(r.headers());
      });
      const { verifier, challenge } = pkce();
      const capture = await captureCustomSchemeRedirect(page, CURSOR);
      await page.goto(authorizationUrl(as.issuer, cursorClient.client_id, CURSOR, challenge, 'cursor-state'));
      await signIn(page, USERS.alice);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      const text = await page.locator('body').innerText();
      assert.match(text, /Signed in as alice/);
      assert.match(text, /Cursor \(name given by the app itself, not verified\)/);
      assert.match(text, /links on this computer/);
      assert.equal(await page.locator('p.warn strong').innerText(), 'anysphere.cursor-mcp');
      assert.ok(text.includes('mcp:tools'), text);
      assert.ok(text.includes(RESOURCE), text);
      assert.ok(text.includes(CURSOR), text);
      // Login page and consent page: frame-ancestors 'none', no form-action.
      assert.equal(consentHeaders.length, 2);
      for (const h of consentHeaders) {
        assert.match(h['content-security-policy'] ?? '', /frame-ancestors 'none'/);
        assert.doesNotMatch(h['content-security-policy'] ?? '', /form-action/);
      }

      await clickAway(page, 'Allow');
      const redirect = await capture.url;
      await capture.dispose();
      assert.equal(`${redirect.protocol}//${redirect.host}${redirect.pathname}`, CURSOR);
      const code = redirect.searchParams.get('code');
      assert.ok(code, redirect.href);
      assert.equal(redirect.searchParams.get('state'), 'cursor-state');
      assert.equal(redirect.searchParams.get('iss'), as.issuer);

      const res = await tokenRequest(as.issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CURSOR, client_id: cursorClient.client_id });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(typeof res.json.access_token, 'string');
    } finally {
      await page.context().close();
    }
  });

  it('loopback client: the consent page warns about a program on this computer; Deny → access_denied', async () => {
    const page = await br.newPage();
    try {
      const capture = await captureLoopbackRedirect(page, loopbackRedirect);
      await page.goto(authorizationUrl(as.issuer, loopbackClient.client_id, loopbackRedirect, pkce().challenge, 'deny-state'));
      await signIn(page, USERS.alice);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      const warn = await page.locator('p.warn').innerText();
      assert.match(warn, /a program on this computer/);
      assert.ok(warn.includes(new URL(loopbackRedirect).host), warn);
      await clickAway(page, 'Deny');
      const redirect = await capture.url;
      await capture.dispose();
      assert.equal(redirect.searchParams.get('error'), 'access_denied');
      assert.equal(redirect.searchParams.get('state'), 'deny-state');
      assert.equal(redirect.searchParams.get('iss'), as.issuer);
      assert.equal(redirect.searchParams.get('code'), null);
    } finally {
      await page.context().close();
    }
  });

  it('cannot be framed by another origin (frame-ancestors none): Chromium blocks the consent page in an iframe', async () => {
    const page = await br.newPage();
    try {
      // Sign in first, so the framed request goes straight to the consent page.
      await page.goto(authorizationUrl(as.issuer, loopbackClient.client_id, loopbackRedirect, pkce().challenge, 'first'));
      await signIn(page, USERS.alice);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();

      const framed: { url: string; status: number; headers: Record<string, string> }[] = [];
      const consoleLines: string[] = [];
      page.on('console', (m) => consoleLines.push(m.text()));
      page.on('response', (r) => {
        if (r.frame() !== page.mainFrame() && CONSENT_PATH.test(new URL(r.url()).pathname)) framed.push({ url: r.url(), status: r.status(), headers: r.headers() });
      });
      const target = authorizationUrl(as.issuer, loopbackClient.client_id, loopbackRedirect, pkce().challenge, 'framed');
      await page.goto(`${framerUrl}?src=${encodeURIComponent(target)}`);
      // The consent response reaches the frame, and Chromium refuses to render it.
      const deadline = Date.now() + 10_000;
      while (framed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await page.waitForTimeout(500);
      assert.equal(framed.length, 1, 'the framed request reached the consent page');
      assert.equal(framed[0]!.status, 200);
      assert.match(framed[0]!.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      assert.equal(framed[0]!.headers['x-frame-options'], 'DENY');

      const frame = page.frames().find((f) => f !== page.mainFrame());
      assert.ok(frame, 'the iframe exists');
      assert.notEqual(frame.url(), framed[0]!.url, `frame url ${frame.url()}`);
      const inner = await frame.content().catch(() => '');
      assert.doesNotMatch(inner, /Allow access|csrf/);
      assert.equal(await frame.locator('button').count().catch(() => 0), 0, 'no Allow/Deny buttons in the frame');
      assert.ok(consoleLines.some((l) => /frame-ancestors/.test(l)), consoleLines.join('\n'));
    } finally {
      await page.context().close();
    }
  });

  it('refuses the consent form with a tampered CSRF token', async () => {
    const page = await br.newPage();
    try {
      const capture = await captureLoopbackRedirect(page, loopbackRedirect, { timeoutMs: 20_000 });
      await page.goto(authorizationUrl(as.issuer, loopbackClient.client_id, loopbackRedirect, pkce().challenge, 'csrf-state'));
      await signIn(page, USERS.alice);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      const hidden = page.locator('form[action$="/confirm"] input[name=csrf]');
      const original = await hidden.inputValue();
      assert.ok(original.length > 20);
      const tampered = (original[0] === 'A' ? 'B' : 'A') + original.slice(1);
      // (An expression string: the test's TypeScript has no DOM types.)
      await page.evaluate(`document.querySelector('form[action$="/confirm"] input[name=csrf]').value = ${JSON.stringify(tampered)}`);
      assert.equal(await hidden.inputValue(), tampered);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/confirm')),
        page.getByRole('button', { name: 'Allow', exact: true }).click(),
      ]);
      assert.equal(response.status(), 403);
      assert.match(await page.locator('body').innerText(), /did not come from this page/);
      assert.deepEqual(capture.seen, [], 'no redirect to the client');
      await capture.dispose();
    } finally {
      await page.context().close();
    }
  });

  describe('remembered consent (web client)', () => {
    let web: { client_id: string };
    before(async () => {
      web = await registerClient(as.issuer, { client_name: 'Web client', redirect_uris: [WEB] });
    });

    /** One authorization in a fresh browser context; returns how many consent pages were shown and the redirect. */
    async function authorize(user: { username: string; password: string }, decide: boolean): Promise<{ consentShown: boolean; redirect?: URL }> {
      // A proxy on a closed port: the final hop to client.example never leaves the machine
      // (the companion, on loopback, bypasses it).
      const page = await br.browser.newPage({ proxy: { server: `http://127.0.0.1:${await freePort()}`, bypass: '127.0.0.1' } });
      try {
        const titles: string[] = [];
        page.on('domcontentloaded', () => {
          page.title().then((t) => titles.push(t), () => {});
        });
        const capture = await captureRedirect(page, WEB);
        await page.goto(authorizationUrl(as.issuer, web.client_id, WEB, pkce().challenge, 'web-state'));
        await signIn(page, user);
        const outcome = await Promise.race([
          capture.url.then((u) => ({ redirect: u })),
          page.getByRole('heading', { name: 'Allow access?' }).waitFor().then(() => ({ consent: true })),
        ]);
        if ('redirect' in outcome) {
          await capture.dispose();
          return { consentShown: titles.includes('Allow access?'), redirect: outcome.redirect };
        }
        if (!decide) {
          await capture.dispose();
          return { consentShown: true };
        }
        await clickAway(page, 'Allow');
        const redirect = await capture.url;
        await capture.dispose();
        return { consentShown: true, redirect };
      } finally {
        await page.context().close();
      }
    }

    it('asks alice once, then skips the consent page for her; bob is still asked', async () => {
      const first = await authorize(USERS.alice, true);
      assert.equal(first.consentShown, true, 'first time: consent asked');
      assert.ok(first.redirect?.searchParams.get('code'));
      const second = await authorize(USERS.alice, true);
      assert.equal(second.consentShown, false, 'second time: consent remembered for alice and this client');
      assert.ok(second.redirect?.searchParams.get('code'), second.redirect?.href);
      assert.equal(second.redirect?.searchParams.get('iss'), as.issuer);
      const bob = await authorize(USERS.bob, false);
      assert.equal(bob.consentShown, true, 'another user is asked');
    });
  });

  it('shows a hostile client_name as text: no script runs, no dialog', async () => {
    const name = '<script>window.__pwned=1;alert(1)</script><img src=x onerror="window.__pwned=2">';
    const evil = await registerClient(as.issuer, { client_name: name, redirect_uris: [loopbackRedirect], token_endpoint_auth_method: 'none' });
    const page = await br.newPage();
    try {
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });
      await page.goto(authorizationUrl(as.issuer, evil.client_id, loopbackRedirect, pkce().challenge, 'x'));
      assert.ok((await page.locator('body').innerText()).includes(name), 'login page shows the name as text');
      await signIn(page, USERS.alice);
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      assert.ok((await page.locator('body').innerText()).includes(name), 'consent page shows the name as text');
      const dom = await page.evaluate('({ scripts: document.scripts.length, imgs: document.images.length, pwned: window.__pwned })');
      assert.deepEqual(dom, { scripts: 0, imgs: 0, pwned: undefined });
      assert.deepEqual(dialogs, []);
    } finally {
      await page.context().close();
    }
  });
});

describe('companion with an https issuer, seen from Chromium', () => {
  let as: TestCompanion;
  let br: LaunchedBrowser;
  before(async () => {
    const port = await freePort();
    // The harness has no TLS: served over loopback http, every URL and cookie follows the https issuer.
    as = await startTestCompanion({ port, issuer: `https://127.0.0.1:${port}` });
    br = await launchBrowser();
  });
  after(async () => {
    await br?.close();
    await as?.dispose();
    if (br) assert.deepEqual(br.processes(), [], 'chromium processes left behind');
  });

  it('sends __Host- cookies (Secure, Path=/, no Domain) and a __Secure- resume cookie', async () => {
    const redirect = 'http://127.0.0.1:43219/callback';
    const reg = await registerClient(as.url, { redirect_uris: [redirect], token_endpoint_auth_method: 'none' });
    const page = await br.newPage();
    try {
      const setCookies: string[] = [];
      let authorizeStatus = 0;
      page.on('response', async (r) => {
        if (new URL(r.url()).pathname !== '/authorize') return;
        authorizeStatus = r.status();
        for (const h of await r.headersArray()) if (h.name.toLowerCase() === 'set-cookie') setCookies.push(...h.value.split('\n'));
      });
      const url = authorizationUrl(as.url, reg.client_id, redirect, pkce().challenge, 's');
      // The 303 points at https://127.0.0.1:<port>/consent/…, which has no TLS here: the navigation fails.
      await page.goto(url).catch(() => {});
      const deadline = Date.now() + 5000;
      while (setCookies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(authorizeStatus, 303);
      const interaction = setCookies.find((c) => c.startsWith('__Host-mcp_authz_interaction='));
      assert.ok(interaction, setCookies.join('\n'));
      assert.match(interaction, /path=\/(;|$)/i);
      assert.match(interaction, /;\s*secure/i);
      assert.match(interaction, /;\s*httponly/i);
      assert.doesNotMatch(interaction, /domain=/i);
      const resume = setCookies.find((c) => c.startsWith('__Secure-mcp_authz_resume='));
      assert.ok(resume && /;\s*secure/i.test(resume), setCookies.join('\n'));
      assert.ok(setCookies.every((c) => /;\s*secure/i.test(c)), 'every cookie is Secure');
    } finally {
      await page.context().close();
    }
  });
});

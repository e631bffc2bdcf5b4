/**
 * Rate limits of the login form (password guessing), with real HTTP from distinct loopback
 * source addresses: per client address (wrong passwords until 429 with Retry-After and a page;
 * then even the right password waits; another address still signs in; the right password works
 * after the window) and per username from any address (many addresses guessing one account are
 * stopped; other accounts are not; the account signs in again after the window); two replicas on
 * one redis-server share the per-username budget. No username in the log lines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCompanionReplicas, type CompanionReplicas } from '../support/companion-replicas.ts';
import { pkce, registerClient, startTestCompanion, USERS, type TestCompanion } from '../support/companion.ts';
import { request, type HttpResponse } from '../support/http.ts';
import { parseForms, type HtmlForm } from '../support/user-agent.ts';

const REDIRECT = 'http://127.0.0.1:43299/callback';

/** A browser bound to one source address, stopped at the login page of a fresh request. */
interface LoginSession {
  from: string;
  cookies: Map<string, string>;
  form: HtmlForm;
}

function keepCookies(cookies: Map<string, string>, r: HttpResponse): void {
  const lines = r.headers['set-cookie'] ?? [];
  for (const line of lines) {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1);
    if (value === '') cookies.delete(pair.slice(0, eq));
    else cookies.set(pair.slice(0, eq), value);
  }
}

function cookieHeader(cookies: Map<string, string>): string {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function openLogin(as: TestCompanion, clientId: string, from: string): Promise<LoginSession> {
  const cookies = new Map<string, string>();
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: pkce().challenge,
    code_challenge_method: 'S256', scope: 'mcp:tools', resource: 'http://127.0.0.1:1/mcp',
  });
  const start = await request(`${as.url}/authorize?${q}`, { localAddress: from });
  assert.equal(start.status, 303, start.body);
  keepCookies(cookies, start);
  const pageUrl = new URL(String(start.headers.location), as.url).href;
  const page = await request(pageUrl, { localAddress: from, headers: { cookie: cookieHeader(cookies) } });
  assert.equal(page.status, 200, page.body);
  keepCookies(cookies, page);
  const form = parseForms(page.body, pageUrl).find((f) => f.action.endsWith('/login'));
  assert.ok(form, 'a login form');
  return { from, cookies, form };
}

async function submit(s: LoginSession, username: string, password: string): Promise<HttpResponse> {
  const r = await request(s.form.action, {
    method: 'POST',
    localAddress: s.from,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(s.cookies) },
    body: new URLSearchParams({ ...s.form.fields, username, password }).toString(),
  });
  keepCookies(s.cookies, r);
  return r;
}

function assertSignedIn(r: HttpResponse): void {
  assert.equal(r.status, 303, r.body.slice(0, 300));
  assert.match(String(r.headers.location), /\/authorize\//, 'resumes the authorization');
}

function assertRejected(r: HttpResponse): void {
  assert.equal(r.status, 401, r.body.slice(0, 300));
  assert.match(r.body, /Wrong username or password/);
}

function assertLimited(r: HttpResponse, text: RegExp, maxRetry: number): number {
  assert.equal(r.status, 429, r.body.slice(0, 300));
  const retry = Number(r.headers['retry-after']);
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= maxRetry, `Retry-After ${r.headers['retry-after']}`);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.equal(r.headers.location, undefined, 'no redirect');
  assert.match(r.body, /Too many requests/);
  assert.match(r.body, text);
  return retry;
}

function limitedLines(as: TestCompanion, route: string): string[] {
  return as.logs.filter((l) => l.includes('"event":"rate_limited"') && l.includes(`"route":"${route}"`));
}

describe('login form rate limits', () => {
  describe('per client address', () => {
    let as: TestCompanion;
    let clientId: string;
    before(async () => {
      as = await startTestCompanion({ extra: '  rate_limits: { login: { requests: 3, per_seconds: 6 }, login_username: false }\n' });
      clientId = (await registerClient(as.issuer, { redirect_uris: [REDIRECT] })).client_id;
    });
    after(async () => {
      await as?.dispose();
    });

    it('wrong passwords until 429; the right one waits too; another address signs in; after the window it works', async () => {
      const guesser = await openLogin(as, clientId, '127.0.0.20');
      for (let i = 0; i < 3; i++) assertRejected(await submit(guesser, 'bob', `guess-${i}`));
      assertLimited(await submit(guesser, 'bob', 'guess-3'), /from your network/, 6);
      // The right password from the same address is not even checked while the budget is spent.
      const retry = assertLimited(await submit(guesser, USERS.alice.username, USERS.alice.password), /from your network/, 6);

      const other = await openLogin(as, clientId, '127.0.0.21');
      assertSignedIn(await submit(other, USERS.bob.username, USERS.bob.password));

      await sleep(retry * 1000 + 200);
      assertSignedIn(await submit(guesser, USERS.alice.username, USERS.alice.password));

      const lines = limitedLines(as, 'login');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /"client":"v4:127\.0\.0\.20"/);
      assert.equal(as.logs.some((l) => l.includes('guess-') || l.includes(USERS.alice.password)), false, 'no password in the log');
    });
  });

  describe('per username, from any address', () => {
    let as: TestCompanion;
    let clientId: string;
    before(async () => {
      as = await startTestCompanion({ extra: '  rate_limits: { login: false, login_username: { requests: 4, per_seconds: 6 } }\n' });
      clientId = (await registerClient(as.issuer, { redirect_uris: [REDIRECT] })).client_id;
    });
    after(async () => {
      await as?.dispose();
    });

    it('guesses at one account from many addresses are stopped; other accounts are not; the account works after the window', async () => {
      for (let i = 0; i < 4; i++) assertRejected(await submit(await openLogin(as, clientId, `127.0.0.${30 + i}`), 'alice', `guess-${i}`));
      assertLimited(await submit(await openLogin(as, clientId, '127.0.0.34'), 'alice', 'guess-4'), /for this username/, 6);
      // The account's owner, from yet another address, waits for the window too.
      const owner = await openLogin(as, clientId, '127.0.0.35');
      const retry = assertLimited(await submit(owner, USERS.alice.username, USERS.alice.password), /for this username/, 6);
      // An unknown username is counted (and answered) the same way: nothing tells which exist.
      for (let i = 0; i < 4; i++) assertRejected(await submit(await openLogin(as, clientId, '127.0.0.36'), 'mallory', `guess-${i}`));
      assertLimited(await submit(await openLogin(as, clientId, '127.0.0.36'), 'mallory', 'guess-4'), /for this username/, 6);

      assertSignedIn(await submit(await openLogin(as, clientId, '127.0.0.37'), USERS.bob.username, USERS.bob.password));

      await sleep(retry * 1000 + 200);
      assertSignedIn(await submit(owner, USERS.alice.username, USERS.alice.password));

      const lines = limitedLines(as, 'login_username');
      assert.equal(lines.length, 3);
      assert.equal(as.logs.some((l) => l.includes('mallory')), false, 'no username in the log');
    });
  });

  describe('two replicas on one redis-server', () => {
    let replicas: CompanionReplicas;
    let a: TestCompanion;
    let b: TestCompanion;
    let clientId: string;
    before(async () => {
      replicas = await startCompanionReplicas({ extra: '  rate_limits: { login: false, login_username: { requests: 3, per_seconds: 60 } }\n' });
      ({ a, b } = replicas);
      clientId = (await registerClient(a.issuer, { redirect_uris: [REDIRECT] })).client_id;
    });
    after(async () => {
      await replicas?.stop();
    });

    it('share the per-username budget', async () => {
      for (const [replica, from] of [[a, '127.0.0.40'], [b, '127.0.0.41'], [a, '127.0.0.42']] as const) {
        assertRejected(await submit(await openLogin(replica, clientId, from), 'alice', 'wrong'));
      }
      assertLimited(await submit(await openLogin(b, clientId, '127.0.0.43'), 'alice', 'wrong'), /for this username/, 60);
      assertLimited(await submit(await openLogin(a, clientId, '127.0.0.44'), USERS.alice.username, USERS.alice.password), /for this username/, 60);
      assertSignedIn(await submit(await openLogin(b, clientId, '127.0.0.45'), USERS.bob.username, USERS.bob.password));
    });
  });
});

/**
 * The login and consent steps of an authorization request, under `<issuer path>/consent/<uid>`:
 *   GET  …/<uid>          the login page (prompt `login`) or the consent page (prompt `consent`)
 *   POST …/<uid>/login    one login method's form
 *   POST …/<uid>/confirm  consent given: the grant is saved and remembered per user and client
 *   POST …/<uid>/deny     consent refused: the client gets `access_denied`
 *   GET  …/callback       return from an upstream IdP (a login method with `callback`)
 * Every POST needs the CSRF token of its page. The interaction itself is bound to the browser
 * by oidc-provider's signed interaction cookie.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Accounts } from '../accounts.ts';
import type { CompanionLog } from '../companion-log.ts';
import type { ConsentMemory } from '../consent-memory.ts';
import type { LoginMethod } from '../login/login-method.ts';
import type { LoginRateLimiter } from '../rate-limit/login-rate-limit.ts';
import { sendRateLimitedPage } from '../rate-limit/rate-limit-response.ts';
import { classifyRedirectUri } from '../redirect-uri-rules.ts';
import { readCappedBody } from '../read-body.ts';
import { lookupResource, type ResourceServer } from '../resource-servers.ts';
import { FIXED_TTL } from '../provider-config.ts';
import { ROUTES } from '../routes.ts';
import { readCookie, setCookie, type CookieNames } from './cookies.ts';
import { csrfToken, csrfValid, isCsrfNonce, newCsrfNonce } from './csrf.ts';
import { consentPage, errorPage, loginPage, pageHeaders, type ConsentResource } from './pages.ts';

/** Largest form body accepted. */
const MAX_FORM_BYTES = 16 * 1024;

/** What the interaction routes work with. */
export interface InteractionDeps {
  provider: Provider;
  mountPath: string;
  loginMethods: readonly LoginMethod[];
  accounts: Accounts;
  consents: ConsentMemory;
  /** The resources tokens may be issued for, with their scopes. */
  resources: readonly ResourceServer[];
  /** client_ids configured by the administrator (their names are trusted). */
  staticClientIds: ReadonlySet<string>;
  /** `registration.static_client`: configured, but handed to any app that asks. */
  sharedClientId?: string;
  csrfSecret: string;
  cookieNames: CookieNames;
  secure: boolean;
  log: CompanionLog;
  /** Budgets of login submissions (per address, per username); none when absent. */
  loginLimiter?: LoginRateLimiter;
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

function send(res: ServerResponse, status: number, html: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...pageHeaders(), ...extra, 'Content-Length': String(Buffer.byteLength(html)) });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<Record<string, string> | null> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return null;
  }
  const text = await readCappedBody(req, MAX_FORM_BYTES);
  return text === null ? null : Object.fromEntries(new URLSearchParams(text));
}

function stringParam(details: InteractionDetails, name: string): string {
  const value = details.params[name];
  return typeof value === 'string' ? value : '';
}

function listParam(details: InteractionDetails, name: string): string[] {
  const value = details.params[name];
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** The request handler for `<mount>/consent/…`; `rest` is the path after `/consent/`. */
export function createInteractionRoutes(d: InteractionDeps): (req: IncomingMessage, res: ServerResponse, rest: string) => Promise<void> {
  const base = `${d.mountPath}${ROUTES.interaction}`;

  // The per-browser CSRF nonce: reused while valid, so two open tabs both keep working.
  function csrfFor(req: IncomingMessage, uid: string): { token: string; setCookie?: string } {
    const existing = readCookie(req.headers.cookie, d.cookieNames.csrf);
    const nonce = isCsrfNonce(existing) ? existing : newCsrfNonce();
    const token = csrfToken(d.csrfSecret, uid, nonce);
    if (nonce === existing) return { token };
    return { token, setCookie: setCookie(d.cookieNames.csrf, nonce, { secure: d.secure, maxAgeSeconds: FIXED_TTL.interaction }) };
  }

  async function clientName(clientId: string): Promise<{ name: string; selfRegistered: boolean }> {
    const client = await d.provider.Client.find(clientId);
    return { name: client?.clientName ?? clientId, selfRegistered: !d.staticClientIds.has(clientId) };
  }

  async function showLogin(req: IncomingMessage, res: ServerResponse, details: InteractionDetails, error?: string, username?: string): Promise<void> {
    const csrf = csrfFor(req, details.uid);
    const { name } = await clientName(stringParam(details, 'client_id'));
    const html = loginPage({
      action: `${base}/${details.uid}/login`,
      csrf: csrf.token,
      clientName: name,
      sections: d.loginMethods.map((m) => ({ methodId: m.id, label: m.label, fieldsHtml: m.renderFields({ username }) })),
      error,
    });
    send(res, error ? 401 : 200, html, csrf.setCookie ? { 'Set-Cookie': csrf.setCookie } : {});
  }

  // What the request asks of each resource: the requested scopes that resource knows, split into
  // those this user may be granted and those they may not. Shown whole, also when an earlier
  // grant already covers some (native clients are asked every time).
  async function consentResources(details: InteractionDetails): Promise<ConsentResource[]> {
    const accountId = details.session?.accountId ?? '';
    const allowed = new Set((await d.accounts.find(accountId))?.user.scopes ?? []);
    const requested = stringParam(details, 'scope').split(' ').filter(Boolean);
    return listParam(details, 'resource').map((resource) => {
      const found = lookupResource(d.resources, resource);
      const known = found.ok ? requested.filter((s) => found.server.scopes.includes(s)) : [];
      return { resource, scopes: known.filter((s) => allowed.has(s)), unavailable: known.filter((s) => !allowed.has(s)) };
    });
  }

  async function showConsent(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    const csrf = csrfFor(req, details.uid);
    const clientId = stringParam(details, 'client_id');
    const client = await clientName(clientId);
    const redirectUri = stringParam(details, 'redirect_uri');
    const redirect = classifyRedirectUri(redirectUri);
    const html = consentPage({
      confirmAction: `${base}/${details.uid}/confirm`,
      denyAction: `${base}/${details.uid}/deny`,
      csrf: csrf.token,
      accountId: details.session?.accountId ?? '',
      clientName: client.name,
      clientId,
      selfRegistered: client.selfRegistered,
      sharedClient: clientId === d.sharedClientId,
      redirectUri,
      redirectHost: redirect.ok ? redirect.host : redirectUri,
      redirectKind: redirect.ok ? redirect.kind : 'https',
      resources: await consentResources(details),
    });
    send(res, 200, html, csrf.setCookie ? { 'Set-Cookie': csrf.setCookie } : {});
  }

  async function login(req: IncomingMessage, res: ServerResponse, details: InteractionDetails, form: Record<string, string>): Promise<void> {
    const method = d.loginMethods.find((m) => m.id === form.method);
    if (method === undefined) return send(res, 400, errorPage('Sign-in failed', 'Unknown sign-in method.'));
    // Before the password is checked: a refused attempt costs no bcrypt and tells nothing.
    const budget = await d.loginLimiter?.check(req, form.username);
    if (budget?.limited) {
      d.log('rate_limited', { route: budget.route, client: budget.clientKey, retry_after: budget.retryAfterSeconds });
      return sendRateLimitedPage(res, budget.route === 'login_username' ? 'login_username' : 'login', budget.retryAfterSeconds);
    }
    const outcome = await method.authenticate(form, { interactionUid: details.uid });
    const clientId = stringParam(details, 'client_id');
    switch (outcome.kind) {
      case 'authenticated':
        d.log('login.success', { account: outcome.accountId, method: method.id, client_id: clientId });
        await d.provider.interactionFinished(req, res, { login: { accountId: outcome.accountId } }, { mergeWithLastSubmission: false });
        return;
      case 'redirect':
        res.writeHead(303, {
          Location: outcome.location, 'Cache-Control': 'no-store', 'Content-Length': '0',
          ...(outcome.setCookies ? { 'Set-Cookie': outcome.setCookies } : {}),
        }).end();
        return;
      case 'rejected':
        // No username in the log: people type passwords into the wrong field.
        d.log('login.failure', { method: method.id, client_id: clientId });
        return showLogin(req, res, details, outcome.message, form.username);
    }
  }

  async function confirm(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    const accountId = details.session?.accountId;
    const clientId = stringParam(details, 'client_id');
    if (details.prompt.name !== 'consent' || accountId === undefined) {
      return send(res, 400, errorPage('Sign-in failed', 'This request is not waiting for consent.'));
    }
    const { Grant } = d.provider;
    const existing = details.grantId ? await Grant.find(details.grantId) : undefined;
    const grant = existing ?? new Grant({ accountId, clientId });
    const promptDetails = details.prompt.details;
    if (Array.isArray(promptDetails.missingOIDCScope)) grant.addOIDCScope(promptDetails.missingOIDCScope.join(' '));
    if (Array.isArray(promptDetails.missingOIDCClaims)) grant.addOIDCClaims(promptDetails.missingOIDCClaims as string[]);
    for (const r of await consentResources(details)) {
      if (r.scopes.length > 0) grant.addResourceScope(r.resource, r.scopes.join(' '));
      // Marked as seen so the policy does not ask again for scopes this account may not have.
      if (r.unavailable.length > 0) grant.rejectResourceScope(r.resource, r.unavailable.join(' '));
    }
    const grantId = await grant.save();
    await d.consents.remember(accountId, clientId, grantId, FIXED_TTL.grant);
    d.log('consent.granted', { account: accountId, client_id: clientId });
    await d.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function deny(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    d.log('consent.denied', { account: details.session?.accountId, client_id: stringParam(details, 'client_id') });
    // RFC 6749 §4.1.2.1: the client learns the user refused.
    await d.provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'the user denied the request',
    }, { mergeWithLastSubmission: false });
  }

  // The return leg from an upstream IdP. The interaction cookie is scoped to …/<uid>, so the
  // method names the interaction from its own browser-bound transaction; the result is stored
  // on the interaction and the browser resumes at oidc-provider (which checks its resume cookie).
  async function loginCallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') return send(res, 405, errorPage('Not allowed', 'Use the link.'), { Allow: 'GET' });
    const method = d.loginMethods.find((m) => m.callback !== undefined);
    if (method?.callback === undefined) return send(res, 404, errorPage('Not found', 'There is nothing here.'));
    const outcome = await method.callback(req);
    const cookies = { 'Set-Cookie': outcome.clearCookies };
    const interaction = outcome.interactionUid === undefined ? undefined : await d.provider.Interaction.find(outcome.interactionUid);
    const ttl = interaction ? interaction.exp - Math.floor(Date.now() / 1000) : 0;
    if (outcome.kind === 'authenticated') {
      if (interaction === undefined || ttl <= 0) {
        return send(res, 400, errorPage('Sign-in expired', 'This sign-in request is no longer valid.'), cookies);
      }
      interaction.result = { login: { accountId: outcome.accountId } };
      await interaction.save(ttl);
      d.log('login.success', { account: outcome.accountId, method: method.id, client_id: String(interaction.params.client_id ?? '') });
      res.writeHead(303, { Location: interaction.returnTo, 'Cache-Control': 'no-store', 'Content-Length': '0', ...cookies }).end();
      return;
    }
    d.log('login.failure', { method: method.id, reason: outcome.reason });
    let back: string | undefined;
    if (outcome.denied && interaction !== undefined && ttl > 0) {
      // RFC 6749 §4.1.2.1: the client learns the sign-in was refused once the browser resumes.
      interaction.result = { error: 'access_denied', error_description: 'the sign-in at the identity provider was refused' };
      await interaction.save(ttl);
      back = interaction.returnTo;
    }
    return send(res, 403, errorPage('Sign-in failed', outcome.message, back), cookies);
  }

  return async function handle(req, res, rest) {
    if (rest === ROUTES.loginCallback.slice(ROUTES.interaction.length + 1)) return loginCallback(req, res);
    const [uid, action, extra] = rest.split('/');
    if (!uid || extra !== undefined) return send(res, 404, errorPage('Not found', 'There is nothing here.'));
    let details: InteractionDetails;
    try {
      details = await d.provider.interactionDetails(req, res);
    } catch {
      return send(res, 400, errorPage('Sign-in expired', 'This sign-in request is no longer valid.'));
    }
    // The cookie names the browser's current interaction; the URL must name the same one.
    if (details.uid !== uid) return send(res, 400, errorPage('Sign-in expired', 'This sign-in request is no longer valid.'));

    if (action === undefined) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, errorPage('Not allowed', 'Use the form.'), { Allow: 'GET' });
      return details.prompt.name === 'login' ? showLogin(req, res, details) : showConsent(req, res, details);
    }
    if (req.method !== 'POST') return send(res, 405, errorPage('Not allowed', 'Use the form.'), { Allow: 'POST' });
    const form = await readForm(req);
    if (form === null) return send(res, 400, errorPage('Sign-in failed', 'The form could not be read.'));
    if (!csrfValid(d.csrfSecret, uid, readCookie(req.headers.cookie, d.cookieNames.csrf), form.csrf)) {
      return send(res, 403, errorPage('Sign-in failed', 'The form expired or did not come from this page. Go back and try again.'));
    }
    switch (action) {
      case 'login':
        return details.prompt.name === 'login' ? login(req, res, details, form) : send(res, 400, errorPage('Sign-in failed', 'Already signed in.'));
      case 'confirm':
        return confirm(req, res, details);
      case 'deny':
        return deny(req, res, details);
      default:
        return send(res, 404, errorPage('Not found', 'There is nothing here.'));
    }
  };
}

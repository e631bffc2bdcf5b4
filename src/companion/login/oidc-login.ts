/**
 * The `oidc` login method (`authorization_server.login.oidc`): sign-in at an upstream OpenID
 * Provider through openid-client. The companion is a confidential (or public) relying party with
 * the redirect URI `<issuer>/consent/callback`. Each attempt gets its own state, nonce and PKCE
 * (S256) verifier, unrelated to the MCP client's request (whose state may be missing or short),
 * kept server-side under a random id in a cookie of this browser; the callback takes the
 * transaction once, and openid-client checks state, `iss`, the code exchange with the verifier,
 * the ID token's signature, audience and nonce. Then the policy: verified email (when required),
 * allowed email domains (exact match), groups from the configured claim, admin scopes for the
 * configured admin emails (only when the email is verified). No code or token is logged or shown.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as client from 'openid-client';
import type { AsOidcLogin } from '../../config/app-config.ts';
import { escapeHtml } from '../html.ts';
import { readCookie, setCookie } from '../interactions/cookies.ts';
import { federatedAccountId, type FederatedAccounts } from './federated-accounts.ts';
import type { CallbackOutcome, LoginMethod, LoginOutcome } from './login-method.ts';
import { claimAt } from '../../core/principal.ts';

/** Seconds a browser has to come back from the IdP. */
const TRANSACTION_TTL = 600;
/** Most transactions kept at once (oldest dropped first): bounds memory under a flood of clicks. */
const MAX_TRANSACTIONS = 10_000;

interface Transaction {
  interactionUid: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
}

/** Options of {@link createOidcLogin}. */
export interface OidcLoginOptions {
  settings: AsOidcLogin;
  /** The value of `client_secret_env`, or undefined for a public client. */
  clientSecret: string | undefined;
  /** `<companion issuer>/consent/callback`. */
  redirectUri: string;
  /** Cookies get `__Host-` and Secure. */
  secure: boolean;
  accounts: FederatedAccounts;
  /** Test hook: openid-client's fetch. */
  fetch?: client.CustomFetch;
}

/** Tagged outcome of the start-up discovery. */
export type CreateOidcLoginResult = { ok: true; method: LoginMethod } | { ok: false; error: string };

// The schema (httpsUrlProblem) accepts http only for these hosts.
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

function describe(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError) return `${err.error}`;
  if (err instanceof Error) return `${(err as Error & { code?: string }).code ?? err.name}: ${err.message}`;
  return String(err);
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((g): g is string => typeof g === 'string' && g !== ''))];
}

/** Domain of `email` (after the last "@"), lower-case; undefined when malformed. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  return email.slice(at + 1).toLowerCase();
}

/**
 * Discover the IdP and create the method. Plain http is accepted only for a loopback issuer
 * (tests and development); the configuration schema refuses anything else.
 */
export async function createOidcLogin(o: OidcLoginOptions): Promise<CreateOidcLoginResult> {
  const s = o.settings;
  const cookieName = `${o.secure ? '__Host-' : ''}mcp_authz_federation`;
  const execute = isLoopbackHttp(s.issuer) ? [client.allowInsecureRequests] : [];
  let config: client.Configuration;
  try {
    config = await client.discovery(
      new URL(s.issuer),
      s.client_id,
      o.clientSecret === undefined ? { redirect_uris: [o.redirectUri] } : { client_secret: o.clientSecret, redirect_uris: [o.redirectUri] },
      o.clientSecret === undefined ? client.None() : client.ClientSecretBasic(o.clientSecret),
      { execute, timeout: 10, ...(o.fetch ? { [client.customFetch]: o.fetch } : {}) },
    );
  } catch (err) {
    return { ok: false, error: `OpenID discovery of ${s.issuer} failed (${describe(err)})` };
  }
  const metadata = config.serverMetadata();
  const methods = metadata.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) {
    return { ok: false, error: `${s.issuer} does not support PKCE with S256` };
  }
  const idpName = new URL(s.issuer).host;
  const transactions = new Map<string, Transaction>();

  function sweep(now: number): void {
    for (const [id, tx] of transactions) if (tx.expiresAt <= now) transactions.delete(id);
    while (transactions.size >= MAX_TRANSACTIONS) transactions.delete(transactions.keys().next().value!);
  }

  const clear = setCookie(cookieName, '', { secure: o.secure, maxAgeSeconds: 0 });

  async function exchange(req: IncomingMessage, tx: Transaction): Promise<CallbackOutcome> {
    const uid = tx.interactionUid;
    const fail = (reason: string, message: string): CallbackOutcome =>
      ({ kind: 'failed', interactionUid: uid, denied: true, reason, message, clearCookies: [clear] });
    // openid-client takes the redirect_uri of the code exchange from this URL without its query.
    const currentUrl = new URL(o.redirectUri);
    currentUrl.search = new URL(req.url ?? '/', 'http://callback.invalid').search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        pkceCodeVerifier: tx.codeVerifier,
        idTokenExpected: true,
      });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        return fail(`idp_error:${err.error}`, `${idpName} did not sign you in (${err.error}).`);
      }
      return fail(`exchange_failed:${describe(err)}`, `The answer from ${idpName} could not be verified.`);
    }
    const idClaims = tokens.claims();
    if (idClaims === undefined) return fail('no_id_token', `${idpName} sent no ID token.`);
    let claims: Record<string, unknown> = { ...idClaims };
    const missing = stringClaim(claims, 'email') === undefined || claimAt(claims, s.groups_claim) === undefined;
    if (missing && metadata.userinfo_endpoint !== undefined) {
      try {
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...userinfo, ...idClaims };
      } catch (err) {
        return fail(`userinfo_failed:${describe(err)}`, `Your details could not be read from ${idpName}.`);
      }
    }
    const email = stringClaim(claims, 'email')?.toLowerCase() ?? null;
    const emailVerified = claims.email_verified === true;
    if (s.require_email_verified && (email === null || !emailVerified)) {
      return fail('email_not_verified', `${idpName} did not confirm your email address, so you cannot sign in here.`);
    }
    if (s.allowed_email_domains.length > 0) {
      const domain = email === null ? undefined : emailDomain(email);
      if (domain === undefined || !s.allowed_email_domains.includes(domain)) {
        return fail('email_domain_not_allowed', 'Accounts with this email address may not sign in here.');
      }
    }
    // Dotted paths as in core's claim mapping (Keycloak: realm_access.roles).
    const groups = groupsOf(claimAt(claims, s.groups_claim));
    const admin = email !== null && emailVerified && s.admin_users.includes(email);
    const scopes = [...new Set([...s.user_scopes, ...(admin ? s.admin_scopes : [])])];
    const accountId = federatedAccountId(idClaims.iss, idClaims.sub);
    try {
      await o.accounts.remember({ accountId, email, emailVerified, groups, scopes });
    } catch (err) {
      // Storage down (Redis): no account, no sign-in; the page says so and the client gets access_denied.
      return fail(`account_store_failed:${describe(err)}`, 'Your sign-in could not be saved. Please try again later.');
    }
    return { kind: 'authenticated', interactionUid: uid, accountId, clearCookies: [clear] };
  }

  return {
    ok: true,
    method: {
      id: 'oidc',
      label: `Sign in with ${idpName}`,
      renderFields: () => `<p class="muted">You will be sent to <strong>${escapeHtml(idpName)}</strong> to sign in.</p>`,
      async authenticate(_form, context): Promise<LoginOutcome> {
        if (context === undefined) return { kind: 'rejected', message: 'This sign-in request is no longer valid.' };
        const now = Date.now();
        sweep(now);
        const codeVerifier = client.randomPKCECodeVerifier();
        const tx: Transaction = {
          interactionUid: context.interactionUid,
          state: client.randomState(),
          nonce: client.randomNonce(),
          codeVerifier,
          expiresAt: now + TRANSACTION_TTL * 1000,
        };
        const id = randomBytes(32).toString('base64url');
        transactions.set(id, tx);
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: o.redirectUri,
          scope: s.scopes.join(' '),
          state: tx.state,
          nonce: tx.nonce,
          code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
          code_challenge_method: 'S256',
        });
        return { kind: 'redirect', location: url.href, setCookies: [setCookie(cookieName, id, { secure: o.secure, maxAgeSeconds: TRANSACTION_TTL })] };
      },
      async callback(req): Promise<CallbackOutcome> {
        const id = readCookie(req.headers.cookie, cookieName);
        const tx = id === undefined ? undefined : transactions.get(id);
        // Single use: a replayed or second callback finds nothing.
        if (id !== undefined) transactions.delete(id);
        if (tx === undefined || tx.expiresAt <= Date.now()) {
          return {
            kind: 'failed', denied: false, reason: 'no_transaction', clearCookies: [clear],
            message: 'This sign-in is no longer valid or was started in another browser.',
          };
        }
        return exchange(req, tx);
      },
    },
  };
}

/**
 * A real upstream OpenID Provider for federation tests, standing in for Keycloak, Entra ID,
 * Okta or Google: a second oidc-provider v9 instance in-process on a free 127.0.0.1 port
 * (issuer `http://127.0.0.1:<port>`). Authorization code + PKCE (S256, required), exact
 * redirect_uri match, nonce echoed in the ID token, discovery, JWKS (RS256), userinfo, the
 * `openid email profile` scopes and a groups claim (name configurable) in the ID token and at
 * userinfo. Its interaction pages are a plain login form (`login`, `password`, POST) and
 * automatic consent for its pre-registered clients, built on oidc-provider's interaction API.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { closeServer, listen } from './listen.ts';

/** A client registered at the upstream IdP (the companion, as a relying party). */
export interface UpstreamClient {
  client_id: string;
  /** Omit for a public client (token_endpoint_auth_method `none`). */
  client_secret?: string;
  redirect_uris: string[];
  /** Default `client_secret_basic` with a secret, `none` without. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** A person who can sign in at the upstream IdP. `login` accepts the email or the sub. */
export interface UpstreamUser {
  sub: string;
  email: string;
  email_verified: boolean;
  groups: string[];
  password: string;
  name?: string;
  preferred_username?: string;
}

/** Options of {@link startUpstreamIdp}. */
export interface UpstreamIdpOptions {
  clients: UpstreamClient[];
  users: UpstreamUser[];
  /** Name of the groups claim in the ID token and at userinfo (default `groups`). */
  groupsClaim?: string;
  /** Port (default: a free one). */
  port?: number;
}

/** A running upstream IdP. */
export interface UpstreamIdp {
  /** `http://127.0.0.1:<port>`; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  port: number;
  /** The oidc-provider instance, for tests that need to look deeper. */
  provider: Provider;
  /** Add a user, or replace the one with the same `sub` (e.g. to change its groups). */
  setUser(user: UpstreamUser): void;
  /** Successful password logins so far. */
  readonly loginCount: number;
  /** Failed password logins so far. */
  readonly failedLoginCount: number;
  stop(): Promise<void>;
}

/**
 * The companion's `login.oidc` block, indented to sit under `authorization_server:`, for an IdP
 * started here: the companion is client `mcp-authz` with its secret in the IDP_SECRET variable,
 * asks for openid email profile, takes verified example.com addresses only, reads `groups`, and
 * grants mcp:tools to every person and mcp:admin too to the `admins` (email addresses).
 */
export function loginOidcYaml(idpIssuer: string, admins: string[] = []): string {
  const adminLines = admins.length > 0 ? `      admin_users: [${admins.join(', ')}]\n      admin_scopes: [mcp:admin]\n` : '';
  return `  login:
    oidc:
      issuer: ${idpIssuer}
      client_id: mcp-authz
      client_secret_env: IDP_SECRET
      scopes: [openid, email, profile]
      allowed_email_domains: [example.com]
      require_email_verified: true
      groups_claim: groups
      user_scopes: [mcp:tools]
${adminLines}`;
}

/** Start an upstream IdP. */
export async function startUpstreamIdp(o: UpstreamIdpOptions): Promise<UpstreamIdp> {
  const groupsClaim = o.groupsClaim ?? 'groups';
  const users = new Map(o.users.map((u) => [u.sub, u]));
  let loginCount = 0;
  let failedLoginCount = 0;

  const server = createServer();
  const port = await listen(server, o.port ?? 0);
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'upstream-rs256', alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    clients: o.clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret === undefined ? {} : { client_secret: c.client_secret }),
      redirect_uris: c.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? (c.client_secret === undefined ? 'none' : 'client_secret_basic'),
    })),
    adapter: mapAdapter(),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub', groupsClaim],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: [groupsClaim],
    },
    // Like Keycloak, Entra and Okta: the ID token of the code flow carries the granted claims.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (user === undefined) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: user.email,
          email_verified: user.email_verified,
          name: user.name ?? user.email,
          preferred_username: user.preferred_username ?? user.email,
          [groupsClaim]: user.groups,
        }),
      };
    },
    // Explicit values and pages so oidc-provider prints no "you SHOULD change" notices.
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 3600 },
    clientBasedCORS: () => false,
    renderError(ctx: KoaContextWithOIDC, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1><p id="error">${esc(out.error)}: ${esc(out.error_description ?? '')}</p>`);
    },
  };
  const provider = new Provider(issuer, configuration);
  const providerHandler = provider.callback();

  /** GET /interaction/:uid: the login form, or automatic consent once signed in. */
  async function showInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      sendHtml(res, 200, loginForm(details.uid, details.params.login_hint as string | undefined));
      return;
    }
    // consent: every client here is pre-registered and trusted, so grant what it asked for.
    const { accountId } = details.session ?? {};
    const clientId = details.params.client_id as string;
    const grant = details.grantId !== undefined ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
    if (grant === undefined) throw new Error('upstream idp: grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  /** POST /interaction/:uid/login: check the password; re-show the form with an error if wrong. */
  async function submitLogin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const form = new URLSearchParams(await readBody(req));
    const login = form.get('login') ?? '';
    const user = [...users.values()].find((u) => u.email === login || u.sub === login);
    if (user === undefined || user.password !== form.get('password')) {
      failedLoginCount++;
      sendHtml(res, 401, loginForm(details.uid, login, 'Invalid login or password.'));
      return;
    }
    loginCount++;
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    let handled: Promise<void> | undefined;
    if (req.method === 'GET' && /^\/interaction\/[\w-]+$/.test(path)) handled = showInteraction(req, res);
    else if (req.method === 'POST' && /^\/interaction\/[\w-]+\/login$/.test(path)) handled = submitLogin(req, res);
    if (handled === undefined) {
      void providerHandler(req, res);
      return;
    }
    handled.catch((err: unknown) => {
      if (!res.headersSent) sendHtml(res, 400, page('Error', `<h1>Error</h1><p id="error">${esc(String(err))}</p>`));
      else res.end();
    });
  });

  return {
    issuer,
    port,
    provider,
    setUser: (user) => void users.set(user.sub, user),
    get loginCount() {
      return loginCount;
    },
    get failedLoginCount() {
      return failedLoginCount;
    },
    stop: () => closeServer(server),
  };
}

/** In-memory storage for one IdP instance (passing an adapter also avoids oidc-provider's dev-adapter warning). */
export function mapAdapter(): (model: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const index = new Map<string, string>(); // `uid:<uid>` / `userCode:<code>` -> key
  const get = (key: string | undefined): AdapterPayload | undefined => {
    const entry = key === undefined ? undefined : store.get(key);
    if (entry === undefined || entry.expiresAt <= Date.now()) return undefined;
    return entry.payload;
  };
  return (model) => {
    const k = (id: string): string => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        store.set(k(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
        if (payload.uid) index.set(`uid:${payload.uid}`, k(id));
        if (payload.userCode) index.set(`userCode:${payload.userCode}`, k(id));
      },
      find: async (id) => get(k(id)),
      findByUid: async (uid) => get(index.get(`uid:${uid}`)),
      findByUserCode: async (userCode) => get(index.get(`userCode:${userCode}`)),
      async consume(id) {
        const payload = get(k(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(k(id));
      },
      async revokeByGrantId(grantId) {
        for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
      },
    };
  };
}

function loginForm(uid: string, login = '', error?: string): string {
  return page(
    'Sign in',
    `<h1>Sign in to the upstream IdP</h1>
${error === undefined ? '' : `<p id="error" role="alert">${esc(error)}</p>`}
<form method="post" action="/interaction/${esc(uid)}/login">
  <label>Email <input name="login" value="${esc(login)}" autofocus></label>
  <label>Password <input name="password" type="password"></label>
  <button type="submit">Sign in</button>
</form>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

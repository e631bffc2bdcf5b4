/**
 * The `authorization_server:` section: the companion's OAuth 2.1 Authorization Server for MCP
 * clients (issuer, signing keys, storage, token lifetimes, built-in users, pre-registered
 * clients, dynamic registration). Optional; absent means `serve` runs no AS listener.
 */
import { z } from 'zod';
import type { AuthorizationServerSettings, AsClient, AsOidcLogin, AsUser } from './app-config.ts';
import { classifyRedirectUri } from '../companion/redirect-uri-rules.ts';
import { rateLimits } from './companion-rate-limits.ts';
import { registration, staticClientIsPublic } from './as-registration-schema.ts';
import { checkedString, int, isRecord, nonEmpty, scopeToken, stringList } from './schema-primitives.ts';
import { hasQueryOrFragment, httpsUrlProblem } from './url-rules.ts';

const issuer = checkedString((v) => {
  const problem = httpsUrlProblem(v);
  if (problem !== undefined) return problem;
  if (hasQueryOrFragment(v)) return 'must not contain a query or fragment (RFC 8414 §2)';
  // Clients compare the metadata `issuer` with what they were given byte for byte (RFC 8414 §3.3).
  if (v.endsWith('/')) return 'must not end with "/": clients compare issuers byte for byte (RFC 8414 §3.3)';
  return undefined;
});

const absoluteFile = checkedString((v) => (v.startsWith('/') && !v.includes('\0') ? undefined : 'must be an absolute path'));

const envName = checkedString((v) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'must be an environment variable name (letters, digits, "_")',
);

// bcrypt modular crypt format: $2a$/$2b$/$2y$, two-digit cost, 53 characters of salt + hash.
const bcryptHash = checkedString((v) =>
  /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(v) ? undefined : 'must be a bcrypt hash ($2b$12$…, 60 characters)',
);

const redisUrl = checkedString((v) => {
  const url = URL.parse(v);
  return url !== null && (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== ''
    ? undefined
    : 'must be a redis:// or rediss:// URL';
});

const redirectUri = checkedString((v) => {
  const c = classifyRedirectUri(v);
  return c.ok ? undefined : c.reason;
});

const user = z
  .strictObject({
    username: checkedString((v) =>
      /^[A-Za-z0-9._@+-]{1,128}$/.test(v) ? undefined : 'must be 1-128 letters, digits or "._@+-"',
    ),
    password_hash: bcryptHash.optional(),
    password_env: envName.optional(),
    scopes: stringList(scopeToken),
    email: checkedString((v) => (/^[^\s@]+@[^\s@]+$/.test(v) ? undefined : 'must be an email address')).optional(),
    groups: stringList(nonEmpty),
  })
  .superRefine((u, ctx) => {
    if ((u.password_hash === undefined) === (u.password_env === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of password_hash (bcrypt) or password_env (variable holding the password)' });
    }
  })
  .transform((u): AsUser => ({
    username: u.username,
    password_hash: u.password_hash ?? null,
    password_env: u.password_env ?? null,
    scopes: u.scopes,
    email: u.email ?? null,
    groups: u.groups,
  }));

const client = z
  .strictObject({
    client_id: checkedString((v) =>
      /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? undefined : 'must be 1-128 letters, digits or "._:-"',
    ),
    client_name: nonEmpty.optional(),
    redirect_uris: z.array(redirectUri).min(1, 'must list at least one redirect URI'),
    token_endpoint_auth_method: z.enum(['none', 'client_secret_basic']).default('none'),
    // The secret itself stays in the environment: it never appears in the effective config.
    client_secret_env: envName.optional(),
  })
  .superRefine((c, ctx) => {
    const confidential = c.token_endpoint_auth_method === 'client_secret_basic';
    if (confidential && c.client_secret_env === undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_secret_env'], message: 'is required when token_endpoint_auth_method is client_secret_basic' });
    }
    if (!confidential && c.client_secret_env !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_secret_env'], message: 'is only used with token_endpoint_auth_method: client_secret_basic' });
    }
  })
  .transform((c): AsClient => ({
    client_id: c.client_id,
    client_name: c.client_name ?? null,
    redirect_uris: c.redirect_uris,
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    client_secret_env: c.client_secret_env ?? null,
  }));

const emailAddress = checkedString((v) => (/^[^\s@]+@[^\s@]+$/.test(v) ? undefined : 'must be an email address'));

// A DNS name: labels of letters, digits and "-", at least one dot; compared exactly (no suffixes).
const emailDomain = checkedString((v) =>
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(v)
    ? undefined
    : 'must be a domain name such as example.com (exact match, no wildcards or "@")',
);

const claimName = checkedString((v) => (/^[A-Za-z0-9_:./-]{1,128}$/.test(v) ? undefined : 'must be a claim name'));

// Federated sign-in at an upstream OpenID Provider (Keycloak, Entra ID, Okta, Google, ...).
const oidcLogin = z
  .strictObject({
    issuer,
    client_id: nonEmpty,
    client_secret_env: envName.optional(),
    scopes: z.array(scopeToken).default(() => ['openid', 'email', 'profile']),
    allowed_email_domains: stringList(emailDomain),
    require_email_verified: z.boolean().default(true),
    groups_claim: claimName.default('groups'),
    user_scopes: stringList(scopeToken),
    admin_users: stringList(emailAddress),
    admin_scopes: stringList(scopeToken),
  })
  .superRefine((o, ctx) => {
    if (!o.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include openid' });
    if (!o.scopes.includes('email')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include email (accounts are matched by email)' });
  })
  .transform((o): AsOidcLogin => ({
    issuer: o.issuer,
    client_id: o.client_id,
    client_secret_env: o.client_secret_env ?? null,
    scopes: o.scopes,
    allowed_email_domains: o.allowed_email_domains.map((d) => d.toLowerCase()),
    require_email_verified: o.require_email_verified,
    groups_claim: o.groups_claim,
    user_scopes: o.user_scopes,
    admin_users: o.admin_users.map((e) => e.toLowerCase()),
    admin_scopes: o.admin_scopes,
  }));

const storage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sqlite'), path: absoluteFile.default('/var/lib/mcp-authz/companion.sqlite') }),
  z.strictObject({ type: z.literal('redis'), url: redisUrl }),
]);

function uniqueBy(listKey: 'users' | 'clients', field: 'username' | 'client_id') {
  return (section: unknown, ctx: z.RefinementCtx) => {
    if (!isRecord(section) || !Array.isArray(section[listKey])) return;
    const first = new Map<string, number>();
    section[listKey].forEach((entry: unknown, i: number) => {
      if (!isRecord(entry) || typeof entry[field] !== 'string') return;
      const seen = first.get(entry[field]);
      if (seen === undefined) first.set(entry[field], i);
      else ctx.addIssue({ code: 'custom', path: [listKey, i, field], message: `duplicates ${listKey}[${seen}].${field}` });
    });
  };
}

/** Schema of `authorization_server:`; its output is {@link AuthorizationServerSettings}. */
export const authorizationServer = z
  .strictObject({
    issuer,
    keys: z
      .strictObject({
        dir: absoluteFile.default('/var/lib/mcp-authz/keys'),
        // ES256 signs everything by default; RS256 is published too for clients that ask for it.
        rs256: z.boolean().default(false),
      })
      .prefault({}),
    storage: storage.prefault({ type: 'sqlite' }),
    access_token_ttl: int(60, 86_400).default(600),
    refresh_token_ttl: int(300, 31_536_000).default(2_592_000),
    users: z.array(user).default(() => []),
    clients: z.array(client).default(() => []),
    registration,
    // Absent: enabled with the defaults (see provider-config.ts, cimdSettings).
    client_id_metadata_documents: z
      .strictObject({ enabled: z.boolean().default(true), max_bytes: int(512, 65_536).default(5120) })
      .optional(),
    login: z.strictObject({ oidc: oidcLogin.optional() }).optional(),
    rate_limits: rateLimits,
  })
  .superRefine(uniqueBy('users', 'username'), { when: () => true })
  .superRefine(uniqueBy('clients', 'client_id'), { when: () => true })
  .superRefine(staticClientIsPublic, { when: () => true }) satisfies z.ZodType<AuthorizationServerSettings>;

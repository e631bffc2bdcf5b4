/**
 * oidc-provider's configuration for MCP. Every default DESIGN.md §7 lists is replaced here:
 * resource indicators (configured resources only, RFC 9068 JWT access tokens for the canonical
 * resource, a default resource, the granted resource at /token), PKCE S256 always, refresh
 * tokens for every client allowed the grant and rotated on every use, clients' redirect URIs
 * normalised, consent remembered per user and client, no built-in dev interactions.
 */
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { AuthorizationServerSettings } from '../config/app-config.ts';
import { allowedOrigin } from '../core/cors.ts';
import type { CorsConfig } from '../core/config-types.ts';
import type { Accounts } from './accounts.ts';
import { createCimdFetch, type CimdTestNetwork } from './cimd-fetch.ts';
import { normaliseClientMetadata } from './client-metadata.ts';
import type { ConsentMemory } from './consent-memory.ts';
import { errorPage, pageHeaders } from './interactions/pages.ts';
import type { CookieNames } from './interactions/cookies.ts';
import { defaultResource, lookupResource, type ResourceServer } from './resource-servers.ts';
import type { SigningJwk } from './keys/signing-keys.ts';
import { ROUTES } from './routes.ts';
import type { CompanionStorage } from './storage/companion-storage.ts';

/** Lifetimes that are not configurable (seconds). */
export const FIXED_TTL = {
  /** RFC 6749 §4.1.2 recommends at most 10 minutes; clients redeem within seconds. */
  authorizationCode: 60,
  /** A login or consent page left open this long must be started again. */
  interaction: 30 * 60,
  /** How long a browser stays signed in to the companion. */
  session: 8 * 60 * 60,
  /** A grant (remembered consent, and the refresh-token family under it) lives at most a year. */
  grant: 365 * 24 * 60 * 60,
} as const;


/** Everything the configuration is built from. */
export interface ProviderDeps {
  settings: AuthorizationServerSettings;
  /** Path of the issuer URL ('' or '/tenant'): every route is mounted below it. */
  mountPath: string;
  resources: ResourceServer[];
  cors: CorsConfig;
  storage: CompanionStorage;
  signingKeys: SigningJwk[];
  cookieSecrets: string[];
  cookieNames: CookieNames;
  /** True for an https issuer: cookies are Secure. */
  secure: boolean;
  accounts: Accounts;
  consents: ConsentMemory;
  clientSecrets: ReadonlyMap<string, string>;
  /** Tests only: see {@link CimdTestNetwork}. */
  cimdTestNetwork?: CimdTestNetwork;
}

/** `client_id_metadata_documents` with its defaults applied. */
export function cimdSettings(settings: AuthorizationServerSettings): { enabled: boolean; max_bytes: number } {
  return settings.client_id_metadata_documents ?? { enabled: true, max_bytes: 5120 };
}

function staticClients(deps: ProviderDeps): ClientMetadata[] {
  return deps.settings.clients.map((c) => ({
    client_id: c.client_id,
    ...(c.client_name !== null ? { client_name: c.client_name } : {}),
    redirect_uris: c.redirect_uris,
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    ...(c.token_endpoint_auth_method === 'client_secret_basic' ? { client_secret: deps.clientSecrets.get(c.client_id) } : {}),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }));
}

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/** Build the oidc-provider configuration. */
export function providerConfiguration(deps: ProviderDeps): Configuration {
  const { settings, resources, accounts, consents } = deps;
  const signingAlgs = [...new Set(deps.signingKeys.map((k) => k.alg))];
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: deps.secure };
  const cimd = cimdSettings(settings);

  return {
    adapter: (model: string) => deps.storage.adapter(model),
    clients: staticClients(deps),
    clientDefaults: {
      // Without refresh_token an MCP client must send its user through the browser again every
      // access_token_ttl; RFC 7591 §2 lets the server choose defaults.
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // Most MCP clients are public (native apps, CLIs); one that wants a secret asks for it.
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    // OAuth 2.1: the code flow only (no implicit, no hybrid).
    responseTypes: ['code'],
    // offline_access is deliberately not a known scope: a client asking for it on top of its
    // registered scope is tolerated (ignored), and refresh tokens come from the grant type.
    scopes: ['openid'],
    extraClientMetadata: { properties: ['application_type'], validator: normaliseClientMetadata },
    pkce: { required: () => true },
    routes: {
      authorization: ROUTES.authorization,
      token: ROUTES.token,
      registration: ROUTES.registration,
      jwks: ROUTES.jwks,
      revocation: ROUTES.revocation,
    },
    interactions: {
      url: (_ctx, interaction) => `${deps.mountPath}${ROUTES.interaction}/${interaction.uid}`,
    },
    cookies: {
      names: { session: deps.cookieNames.session, interaction: deps.cookieNames.interaction, resume: deps.cookieNames.resume },
      // Path=/ (also for the interaction cookie) is what a __Host- cookie requires.
      long: { ...cookie, path: '/' },
      short: { ...cookie, path: '/' },
      keys: deps.cookieSecrets,
    },
    jwks: { keys: deps.signingKeys },
    enabledJWA: { idTokenSigningAlgValues: signingAlgs },
    features: {
      devInteractions: { enabled: false },
      // Resource servers (nginx, ext_authz) verify bearer tokens; a DPoP binding they don't
      // check would only look safer.
      dPoP: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      introspection: { enabled: false },
      // RFC 7009 §2.1: a client revokes its own tokens only (others get a silent 200).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      registration: {
        enabled: settings.registration.open,
        initialAccessToken: false,
        issueRegistrationAccessToken: false,
      },
      // An https URL as client_id: oidc-provider fetches the document (through `fetch` below),
      // requires its client_id to equal the URL, refuses shared-secret auth methods and runs the
      // same client-metadata validator (redirect URI rules) as for DCR. Consent is still asked.
      clientIdMetadataDocument: {
        enabled: cimd.enabled,
        ack: 'draft-02',
        // Seconds a fetched document is reused (Cache-Control/Expires within these bounds).
        cacheDuration: { min: 30, max: 300 },
      },
      resourceIndicators: {
        enabled: true,
        // RFC 8707 §2: a missing resource gets the single served one (or the one the scopes name).
        async defaultResource(ctx, _client, oneOf) {
          if (oneOf) return oneOf;
          const chosen = defaultResource(resources, requestedScopes(ctx));
          if (chosen === undefined) throw new errors.InvalidTarget('resource is required: name the MCP server URL (RFC 8707)');
          return chosen.resource;
        },
        // The token request may omit `resource`: use the one granted at /authorize.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, indicator) {
          const found = lookupResource(resources, indicator);
          if (!found.ok) throw new errors.InvalidTarget(found.reason);
          return {
            scope: found.server.scopes.join(' '),
            // RFC 8707 / RFC 9068 §3: aud is the canonical resource, whatever slash the client sent.
            audience: found.server.resource,
            accessTokenTTL: settings.access_token_ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // OAuth 2.1 §4.3.1: refresh tokens for every client allowed the grant, no offline_access needed,
    // independent of the browser session (MCP clients keep none), and rotated on every use.
    // Every outgoing fetch of oidc-provider (only CIMD documents here: no jwks_uri or
    // sector_identifier_uri clients) goes through the SSRF-checked fetch.
    fetch: createCimdFetch({ maxBytes: cimd.max_bytes, ...(deps.cimdTestNetwork !== undefined ? { network: deps.cimdTestNetwork } : {}) }),
    fetchResponseBodyLimits: { 'client_id metadata document': cimd.max_bytes, jwks_uri: cimd.max_bytes, sector_identifier_uri: cimd.max_bytes },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: () => true,
    async loadExistingGrant(ctx) {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (accountId === undefined || clientId === undefined) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ??
        ctx.oidc.session?.grantIdFor(clientId) ??
        (await consents.recall(accountId, clientId));
      if (grantId === undefined) return undefined;
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      // A remembered grant is only reused for the same person and client, and only while it holds
      // no scope the administrator has since taken from that user (else consent is asked again).
      if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) return undefined;
      const allowed = new Set((await accounts.find(accountId))?.user.scopes ?? []);
      const granted = Object.keys(grant.resources ?? {}).flatMap((r) => grant.getResourceScope(r).split(' ').filter(Boolean));
      return granted.every((scope) => allowed.has(scope)) ? grant : undefined;
    },
    async findAccount(_ctx, sub) {
      const account = await accounts.find(sub);
      if (account === undefined) return undefined;
      return { accountId: account.user.username, claims: async () => account.claims };
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken' || typeof token.accountId !== 'string') return undefined;
      const account = await accounts.find(token.accountId);
      if (account === undefined) return undefined;
      const { sub: _sub, ...claims } = account.claims;
      return claims;
    },
    clientBasedCORS(_ctx, origin, client) {
      // Browser MCP clients call /token and /token/revocation: the configured origins, or the
      // origin of one of the client's own redirect URIs.
      if (allowedOrigin(origin, deps.cors) !== null) return true;
      return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
    },
    async renderError(ctx, out) {
      ctx.set(pageHeaders());
      ctx.type = 'html';
      ctx.body = errorPage('Sign-in failed', `${out.error}${out.error_description ? `: ${out.error_description}` : ''}`);
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? settings.access_token_ttl,
      AuthorizationCode: FIXED_TTL.authorizationCode,
      IdToken: settings.access_token_ttl,
      RefreshToken: settings.refresh_token_ttl,
      Grant: FIXED_TTL.grant,
      Interaction: FIXED_TTL.interaction,
      Session: FIXED_TTL.session,
    },
  };
}

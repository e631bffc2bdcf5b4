/**
 * The registration endpoint with `registration.static_client`: POST /register creates nothing and
 * answers 201 with the public registration response of one pre-registered public client
 * (RFC 7591 §3.2.1 lets the server replace requested metadata values). Many MCP clients insist
 * on registering; this lets them, while the AS holds only clients the administrator configured.
 *
 * oidc-provider's own registration stays disabled (nothing can create a client even if this
 * middleware were bypassed), so the metadata's `registration_endpoint` is added here. The
 * per-address /register budget is counted in front of the provider, as for open registration.
 *
 * The requested redirect URIs must each be one the static client would accept at /authorize,
 * asked of the client itself (exact match; a loopback redirect on any port for a native client,
 * RFC 8252 §7.3), so what /register accepts and what /authorize accepts cannot drift apart.
 */
import type Provider from 'oidc-provider';
import type { CompanionLog } from './companion-log.ts';
import type { ProviderMiddleware } from './mcp-middleware.ts';
import { readCappedBody } from './read-body.ts';
import { ROUTES } from './routes.ts';

/** Largest registration request read (oidc-provider's own JSON limit is of this order). */
const MAX_BODY_BYTES = 64 * 1024;

const DISCOVERY_PATHS = new Set(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);

/** The members of the client's registration that the response carries (never a secret). */
const PUBLIC_METADATA = ['client_id', 'client_name', 'redirect_uris', 'grant_types', 'response_types', 'token_endpoint_auth_method'] as const;

/** Outcome of reading a registration request: its redirect URIs, or an RFC 7591 §3.2.2 error. */
export type RegistrationRequest =
  | { ok: true; redirectUris: string[] }
  | { ok: false; error: 'invalid_client_metadata' | 'invalid_redirect_uri'; description: string };

/** Read the metadata document of a registration request (`body` null: over the size limit). */
function parseRegistrationRequest(contentType: string | undefined, body: string | null): RegistrationRequest {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // RFC 7591 §3.1: the metadata is sent as a JSON document.
  if (type !== 'application/json') return { ok: false, error: 'invalid_client_metadata', description: 'send the client metadata as application/json (RFC 7591 §3.1)' };
  if (body === null) return { ok: false, error: 'invalid_client_metadata', description: `the request body is larger than ${MAX_BODY_BYTES} bytes` };
  let metadata: unknown;
  try {
    metadata = JSON.parse(body);
  } catch {
    return { ok: false, error: 'invalid_client_metadata', description: 'the request body is not valid JSON' };
  }
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    return { ok: false, error: 'invalid_client_metadata', description: 'the request body must be a JSON object' };
  }
  const uris = (metadata as Record<string, unknown>).redirect_uris;
  // The same codes as oidc-provider's open registration gives for these mistakes.
  if (uris === undefined) return { ok: false, error: 'invalid_redirect_uri', description: 'redirect_uris is required' };
  if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) {
    return { ok: false, error: 'invalid_client_metadata', description: 'redirect_uris must be an array of strings' };
  }
  if (uris.length === 0) return { ok: false, error: 'invalid_redirect_uri', description: 'redirect_uris must not be empty' };
  return { ok: true, redirectUris: uris as string[] };
}

/** What {@link staticClientRegistration} needs. */
export interface StaticClientRegistrationDeps {
  provider: Provider;
  /** `registration.static_client` (a configured public client, checked by the schema). */
  clientId: string;
  /** `<issuer>/register`, advertised in the metadata. */
  registrationEndpoint: string;
  log: CompanionLog;
}

/** The provider middleware answering POST /register with the static client. */
export function staticClientRegistration(d: StaticClientRegistrationDeps): ProviderMiddleware {
  return async (ctx, next) => {
    if (ctx.path !== ROUTES.registration || ctx.method !== 'POST') {
      await next();
      if (DISCOVERY_PATHS.has(ctx.path) && ctx.status === 200 && ctx.body !== null && typeof ctx.body === 'object') {
        (ctx.body as Record<string, unknown>).registration_endpoint = d.registrationEndpoint;
      }
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    const request = parseRegistrationRequest(ctx.get('Content-Type') || undefined, await readCappedBody(ctx.req, MAX_BODY_BYTES));
    const client = await d.provider.Client.find(d.clientId);
    if (client === undefined) throw new Error(`registration.static_client ${d.clientId} is not a loaded client`);
    let refusal = request.ok ? undefined : request;
    if (request.ok) {
      const refused = request.redirectUris.find((uri) => !client.redirectUriAllowed(uri));
      if (refused !== undefined) {
        refusal = { ok: false, error: 'invalid_redirect_uri', description: `redirect_uris: ${JSON.stringify(refused)} is not a redirect URI of this server's client` };
      }
    }
    if (refusal !== undefined) {
      d.log('registration_create.error', { error: refusal.error, error_description: refusal.description });
      ctx.status = 400;
      ctx.body = { error: refusal.error, error_description: refusal.description };
      return;
    }
    const metadata = client.metadata() as Record<string, unknown>;
    const response: Record<string, unknown> = {};
    for (const key of PUBLIC_METADATA) if (metadata[key] !== undefined) response[key] = metadata[key];
    d.log('client.static_handed_out', { client_id: d.clientId });
    ctx.status = 201;
    ctx.body = response;
  };
}

/**
 * The outbound side of an allow: what replaces the client's credentials on the way to the upstream.
 * `static` and `api_key` are plain configuration; `client_credentials`, `token_exchange` and
 * `script` need I/O and caching, so they come from the optional `upstreamCredential` port. No
 * credential → the request is refused (503): the upstream never sees it without ours.
 */
import type { EndpointConfig } from './config-types.ts';
import type { Ports, Principal, Result } from './types.ts';

/** Header and query changes toward the upstream, and how long they stay valid. */
export interface UpstreamChanges {
  /** Header name (as configured) → value. */
  headers: Record<string, string>;
  /** Query parameter name → value, set (replacing any client copy) on the upstream request. */
  query: Record<string, string>;
  /** Seconds the credential may still be used; null when it does not expire. */
  ttl: number | null;
}

/** What the `upstreamCredential` port yields: the whole Authorization header value. */
export interface UpstreamCredential {
  authorization: string;
  /** Seconds until it must be refreshed (expiry minus margin); null = never expires. */
  ttl: number | null;
}

/** The header an endpoint's outbound credential travels in (lower-cased), or null. */
export function upstreamHeaderName(endpoint: EndpointConfig): string | null {
  const a = endpoint.upstream_auth;
  if (!a) return null;
  if (a.type === 'api_key') return a.header ? a.header.toLowerCase() : null;
  return 'authorization';
}

/** The changes for an accepted request; `subjectToken` is the validated bearer token, if any. */
export async function upstreamChanges(endpoint: EndpointConfig, principal: Principal, subjectToken: string | null, ports: Ports): Promise<Result<UpstreamChanges>> {
  const a = endpoint.upstream_auth;
  const out: UpstreamChanges = { headers: {}, query: {}, ttl: null };
  if (!a) return { ok: true, value: out };
  if (a.type === 'static') {
    out.headers['Authorization'] = 'Bearer ' + a.token;
    return { ok: true, value: out };
  }
  if (a.type === 'api_key') {
    if (a.header) out.headers[a.header] = a.key;
    if (a.query) out.query[a.query] = a.key;
    return { ok: true, value: out };
  }
  if (!ports.upstreamCredential) return { ok: false, reason: 'upstream_credential_unavailable', detail: 'no credential port' };
  // RFC 8693 §2.1: the subject token is the user's token we just validated; nothing else is sent.
  if (a.type === 'token_exchange' && !subjectToken) return { ok: false, reason: 'upstream_credential_unavailable', detail: 'no subject token' };
  const cred = await ports.upstreamCredential(endpoint, principal, subjectToken);
  if (!cred.ok) return cred;
  // A value that could inject a header line is refused rather than trimmed.
  if (!cred.value.authorization || /[\x00-\x1f\x7f]/.test(cred.value.authorization)) return { ok: false, reason: 'upstream_credential_unavailable', detail: 'unusable credential' };
  out.headers['Authorization'] = cred.value.authorization;
  out.ttl = cred.value.ttl;
  return { ok: true, value: out };
}

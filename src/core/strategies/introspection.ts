/**
 * `introspection`: ask the authorization server whether a bearer token is active (RFC 7662).
 * Rules, in order:
 *  1. no bearer token → skip; with `tokens: opaque`, a JWT-shaped token → skip (a jwt strategy owns it);
 *  2. POST token + token_type_hint, authenticated with client_secret_basic or _post (§2.1);
 *  3. transport failure, timeout, 5xx, 401/403 (our credentials), any other non-200, or a body that
 *     is not a JSON object with a boolean `active` → fail closed (503, never cached);
 *     a 400 (some servers refuse token kinds they don't introspect) → 401, never cached;
 *  4. `active` must be exactly true (§2.2), else a denial cacheable for `negative_cache_ttl`;
 *  5. `token_type`: the configured one, else anything but a refresh token;
 *  6. `exp` / `nbf` with clock skew, optional `iss`, `aud` contains an accepted audience when present;
 *  7. principal through the endpoint's claim mapping (`username` when the subject claim is absent);
 *     the decision is cached for min(cache_ttl, exp − now).
 */
import type { IntrospectionStrategy } from '../config-types.ts';
import { basicCredentials, formBody } from '../form-encoding.ts';
import { parseJsonObject } from '../json-object.ts';
import { principalFromClaims } from '../principal.ts';
import { isJwtShaped } from '../token-shape.ts';
import { stripTrailingSlash } from '../url.ts';
import type { Ports, Principal, Result } from '../types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && isFinite(v);
}

function request(s: IntrospectionStrategy, token: string): { headers: Record<string, string>; body: string } {
  const pairs = [['token', token], ['token_type_hint', 'access_token']];
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (s.client_auth === 'client_secret_post') pairs.push(['client_id', s.client_id], ['client_secret', s.client_secret]);
  else headers['authorization'] = basicCredentials(s.client_id, s.client_secret);
  return { headers: headers, body: formBody(pairs) };
}

/** The parsed introspection response, or why there is none. */
async function introspect(s: IntrospectionStrategy, ports: Ports, token: string): Promise<Result<Record<string, unknown>>> {
  if (!ports.post) return { ok: false, reason: 'introspection_unavailable', detail: 'no HTTP client in this runtime' };
  const req = request(s, token);
  const reply = await ports.post(s.endpoint, req.headers, req.body, s.timeout);
  if (!reply.ok) return { ok: false, reason: 'introspection_unavailable', detail: reply.detail };
  if (reply.value.status === 400) return { ok: false, reason: 'introspection_refused', detail: 'HTTP 400' };
  if (reply.value.status !== 200) return { ok: false, reason: 'introspection_unavailable', detail: 'HTTP ' + reply.value.status };
  const parsed = parseJsonObject(reply.value.body, 'introspection_unavailable');
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (typeof body.active !== 'boolean') return { ok: false, reason: 'introspection_unavailable', detail: 'response has no boolean active' };
  return { ok: true, value: body };
}

function audienceMatches(aud: unknown, accepted: string[]): boolean {
  const list = Array.isArray(aud) ? aud : [aud];
  const wanted = accepted.map(stripTrailingSlash);
  return list.some(function (a) { return typeof a === 'string' && wanted.indexOf(stripTrailingSlash(a)) >= 0; });
}

/** Checks on an active response; the remaining lifetime (or -1 without `exp`) on success. */
function checkActive(s: IntrospectionStrategy, r: Record<string, unknown>, now: number): Result<number> {
  const type = typeof r.token_type === 'string' ? r.token_type.toLowerCase() : '';
  if (s.token_type !== null ? type !== s.token_type.toLowerCase() : type === 'refresh_token' || type === 'refresh') {
    return { ok: false, reason: 'typ_mismatch' };
  }
  if (r.exp !== undefined && !isNumber(r.exp)) return { ok: false, reason: 'introspection_unavailable', detail: 'exp is not a number' };
  if (isNumber(r.exp) && now >= r.exp + s.clock_skew) return { ok: false, reason: 'token_expired' };
  if (r.nbf !== undefined && (!isNumber(r.nbf) || r.nbf > now + s.clock_skew)) return { ok: false, reason: 'token_not_yet_valid' };
  if (s.issuer !== null && r.iss !== s.issuer) return { ok: false, reason: 'iss_mismatch' };
  if (r.aud === undefined ? s.require_audience : !audienceMatches(r.aud, s.audience)) return { ok: false, reason: 'aud_mismatch' };
  return { ok: true, value: isNumber(r.exp) ? Math.max(0, Math.floor(r.exp - now)) : -1 };
}

function principalOf(r: Record<string, unknown>, input: StrategyInput): Principal | null {
  const p = principalFromClaims(r, input.endpoint.claims, 'introspection');
  if (p || typeof r.username !== 'string' || r.username === '') return p;
  // RFC 7662 §2.2 `username`: a human-readable identifier, used when the subject claim is absent.
  return principalFromClaims(Object.assign({}, r, { sub: r.username }), Object.assign({}, input.endpoint.claims, { subject: 'sub' }), 'introspection');
}

/** Run the introspection strategy. */
export async function introspectionStrategy(s: IntrospectionStrategy, input: StrategyInput): Promise<Outcome> {
  if (input.bearer.kind === 'none') return { kind: 'skip' };
  if (input.bearer.kind === 'malformed') return { kind: 'reject', reason: 'malformed_token' };
  // Not ours; should no other strategy claim it, the client still learns its token was refused.
  if (s.tokens === 'opaque' && isJwtShaped(input.bearer.token)) return { kind: 'skip', reason: 'unknown_token' };
  const r = await introspect(s, input.ports, input.bearer.token);
  if (!r.ok) return { kind: 'reject', reason: r.reason };
  if (r.value.active !== true) return { kind: 'reject', reason: 'token_inactive', ttl: s.negative_cache_ttl };
  const now = input.ports.now();
  const life = checkActive(s, r.value, now);
  if (!life.ok) return { kind: 'reject', reason: life.reason };
  const principal = principalOf(r.value, input);
  if (!principal) return { kind: 'reject', reason: 'missing_claim' };
  return { kind: 'accept', principal: principal, ttl: life.value < 0 ? s.cache_ttl : Math.min(life.value, s.cache_ttl) };
}

/**
 * `remote`: a validation endpoint of your own decides. The bearer token is POSTed as
 * `{"token": "…"}` (JSON) with the configured static headers; the answer is
 * `{"valid": bool, "subject": str, "scopes": [..] | "a b", "claims": {…}}`.
 * `valid: false` → 401 invalid_token (reusable for `negative_cache_ttl`); a transport failure,
 * timeout, non-200, or an answer of another shape → fail closed (503, never cached). `claims`
 * feed the endpoint's claim mapping for email and groups; subject and scopes come from their fields.
 */
import type { RemoteStrategy } from '../config-types.ts';
import { parseJsonObject } from '../json-object.ts';
import { principalFromClaims, stringList } from '../principal.ts';
import type { Ports, Result } from '../types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';

async function validate(s: RemoteStrategy, ports: Ports, token: string): Promise<Result<Record<string, unknown>>> {
  if (!ports.post) return { ok: false, reason: 'remote_unavailable', detail: 'no HTTP client in this runtime' };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const names = Object.keys(s.headers);
  for (let i = 0; i < names.length; i++) headers[names[i]] = s.headers[names[i]];
  const reply = await ports.post(s.url, headers, JSON.stringify({ token: token }), s.timeout);
  if (!reply.ok) return { ok: false, reason: 'remote_unavailable', detail: reply.detail };
  if (reply.value.status !== 200) return { ok: false, reason: 'remote_unavailable', detail: 'HTTP ' + reply.value.status };
  const parsed = parseJsonObject(reply.value.body, 'remote_unavailable');
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  if (typeof body.valid !== 'boolean') return { ok: false, reason: 'remote_unavailable', detail: 'response has no boolean valid' };
  return { ok: true, value: body };
}

function wellFormed(r: Record<string, unknown>): boolean {
  const scopesOk = r.scopes === undefined || typeof r.scopes === 'string'
    || (Array.isArray(r.scopes) && r.scopes.every(function (v) { return typeof v === 'string'; }));
  const claimsOk = r.claims === undefined || (!!r.claims && typeof r.claims === 'object' && !Array.isArray(r.claims));
  return typeof r.subject === 'string' && r.subject !== '' && scopesOk && claimsOk;
}

/** Run the remote strategy. */
export async function remoteStrategy(s: RemoteStrategy, input: StrategyInput): Promise<Outcome> {
  if (input.bearer.kind === 'none') return { kind: 'skip' };
  if (input.bearer.kind === 'malformed') return { kind: 'reject', reason: 'malformed_token' };
  const r = await validate(s, input.ports, input.bearer.token);
  if (!r.ok) return { kind: 'reject', reason: r.reason };
  if (r.value.valid !== true) return { kind: 'reject', reason: 'token_invalid', ttl: s.negative_cache_ttl };
  if (!wellFormed(r.value)) return { kind: 'reject', reason: 'remote_unavailable' };
  // The subject field is authoritative (set under the mapped name, which claimAt reads first);
  // claims only add email and groups; scopes come from their own field.
  const claims: Record<string, unknown> = Object.assign({}, (r.value.claims || {}) as Record<string, unknown>);
  claims[input.endpoint.claims.subject] = r.value.subject;
  const mapping = Object.assign({}, input.endpoint.claims, { scopes: [] });
  const principal = principalFromClaims(claims, mapping, 'remote');
  if (!principal) return { kind: 'reject', reason: 'remote_unavailable' };
  principal.scopes = stringList(r.value.scopes);
  return { kind: 'accept', principal: principal, ttl: s.cache_ttl };
}

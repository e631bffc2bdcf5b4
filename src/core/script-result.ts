/**
 * Checking what a validator script returned. The contract, the same in every runtime:
 *   { allow: true, subject, scopes?, groups?, email? }            → a principal
 *   { allow: false, status?: 401|403, error?, description? }       → a denial as the script says
 * Anything else is a script bug and fails closed (`script_bad_result`), never allows.
 */
import type { Principal } from './types.ts';
import type { DenialOverride } from './strategies/outcome.ts';

export type ScriptVerdict =
  | { ok: true; principal: Principal }
  | { ok: false; reason: string; response?: DenialOverride };

const BAD: ScriptVerdict = { ok: false, reason: 'script_bad_result' };

/** RFC 6750 §3.1 error codes a script may give; the status defaults from the code. */
const ERROR_STATUS: Record<string, number> = { invalid_request: 401, invalid_token: 401, insufficient_scope: 403 };

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** One line of text: no control characters (identity headers must not be split). */
const ONE_LINE = /^[^\x00-\x1f\x7f]+$/;
const MAX_TEXT = 1024;
const MAX_ITEMS = 256;

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function text(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_TEXT && ONE_LINE.test(v);
}

/** A list of strings each passing `test`; absent means empty; null when malformed. */
function list(v: unknown, test: (s: string) => boolean): string[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > MAX_ITEMS) return null;
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'string' || !test(v[i])) return null;
  }
  return v.slice() as string[];
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E; keep those, cut at 200. */
function description(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return null;
  const cleaned = v.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '').slice(0, 200);
  return cleaned || null;
}

function accept(r: Record<string, unknown>): ScriptVerdict {
  if (!text(r.subject)) return BAD;
  const scopes = list(r.scopes, function (s) { return SCOPE_TOKEN.test(s); });
  // Groups travel comma-joined in one header: a comma inside one would split it.
  const groups = list(r.groups, function (s) { return text(s) && s.indexOf(',') < 0; });
  if (!scopes || !groups) return BAD;
  const p: Principal = { subject: r.subject, groups: groups, scopes: scopes, strategy: 'script' };
  if (r.email !== undefined && r.email !== null) {
    if (!text(r.email)) return BAD;
    p.email = r.email;
  }
  return { ok: true, principal: p };
}

function deny(r: Record<string, unknown>): ScriptVerdict {
  const error = r.error === undefined || r.error === null ? null : r.error;
  if (error !== null && (typeof error !== 'string' || !ERROR_STATUS.hasOwnProperty(error))) return BAD;
  const status = r.status === undefined || r.status === null ? (error ? ERROR_STATUS[error] : 401) : r.status;
  if (status !== 401 && status !== 403) return BAD;
  const given = description(r.description);
  return {
    ok: false,
    reason: 'script_denied',
    response: { status: status, error: error, description: given || (status === 403 ? 'Access denied' : 'The request was denied') },
  };
}

/** Interpret a script's return value. */
export function scriptVerdict(value: unknown): ScriptVerdict {
  if (!isObject(value)) return BAD;
  if (value.allow === true) return accept(value);
  if (value.allow === false) return deny(value);
  return BAD;
}

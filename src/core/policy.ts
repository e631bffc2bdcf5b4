/**
 * Authorisation after authentication, per endpoint.
 * Rules, in order (the first miss decides):
 *  1. `require_email_verified`: the principal's email is present and verified.
 *  2. Allow-lists: when any of subjects / emails / groups is configured, the principal must match
 *     at least one entry of at least one configured list (`*@domain` matches a whole domain).
 *  3. Required scopes: all present, else 403 insufficient_scope naming every required scope
 *     (RFC 6750 §3.1; MCP step-up).
 */
import type { Policy } from './config-types.ts';
import type { Principal, Result } from './types.ts';

function emailAllowed(email: string | undefined, allowed: string[]): boolean {
  if (!email) return false;
  const lower = email.toLowerCase();
  return allowed.some(function (a) {
    const rule = a.toLowerCase();
    const at = lower.lastIndexOf('@');
    if (rule.indexOf('*@') === 0) return at > 0 && lower.slice(at + 1) === rule.slice(2);
    return lower === rule;
  });
}

function onAllowList(p: Principal, policy: Policy): boolean {
  const lists = policy.allowed_subjects.length + policy.allowed_emails.length + policy.allowed_groups.length;
  if (lists === 0) return true;
  if (policy.allowed_subjects.indexOf(p.subject) >= 0) return true;
  if (emailAllowed(p.email, policy.allowed_emails)) return true;
  return p.groups.some(function (g) { return policy.allowed_groups.indexOf(g) >= 0; });
}

/** Apply the endpoint policy; a failure carries the reason tag. */
export function checkPolicy(p: Principal, policy: Policy): Result<true> {
  if (policy.require_email_verified && !(p.email && p.emailVerified === true)) return { ok: false, reason: 'email_not_verified' };
  if (!onAllowList(p, policy)) return { ok: false, reason: 'subject_not_allowed' };
  const missing = policy.required_scopes.filter(function (s) { return p.scopes.indexOf(s) < 0; });
  if (missing.length) return { ok: false, reason: 'insufficient_scope', detail: missing.join(' ') };
  return { ok: true, value: true };
}

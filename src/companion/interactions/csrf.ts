/**
 * CSRF protection of the login and consent forms: a random per-browser nonce in a cookie, and in
 * each form an HMAC of the interaction id and that nonce. A forged cross-site post has neither
 * the cookie's value nor the key, and a token from one interaction is useless in another.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh cookie nonce (256 bits). */
export function newCsrfNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** True when `value` has the shape of a nonce we issue. */
export function isCsrfNonce(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** The form token for interaction `uid` in the browser holding `nonce`. */
export function csrfToken(secret: string, uid: string, nonce: string): string {
  return createHmac('sha256', secret).update(`csrf\u0000${uid}\u0000${nonce}`).digest('base64url');
}

/** Constant-time check of a submitted token. */
export function csrfValid(secret: string, uid: string, nonce: string | undefined, token: string | undefined): boolean {
  if (!isCsrfNonce(nonce) || token === undefined) return false;
  const expected = Buffer.from(csrfToken(secret, uid, nonce));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

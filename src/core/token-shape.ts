/**
 * Whether a bearer token looks like a JWT (compact JWS: three base64url segments; compact JWE:
 * five). Used only to route tokens between strategies, never to trust them.
 */

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** True for a token of 3 or 5 dot-separated base64url segments with a non-empty first one. */
export function isJwtShaped(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 && parts.length !== 5) return false;
  if (parts[0] === '') return false;
  for (let i = 0; i < parts.length; i++) {
    if (!SEGMENT.test(parts[i])) return false;
  }
  return true;
}

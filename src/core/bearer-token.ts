/**
 * The bearer token from the Authorization header (RFC 6750 §2.1). The scheme is case-insensitive;
 * the token must be a b64token. Another scheme (Basic…) means no bearer token was sent.
 */

export type BearerToken = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/** Extract the bearer token from an Authorization header value. */
export function bearerToken(authorization: string | undefined): BearerToken {
  if (!authorization) return { kind: 'none' };
  const m = /^([A-Za-z]+) +(.*)$/.exec(authorization);
  if (!m) return authorization.toLowerCase() === 'bearer' ? { kind: 'malformed' } : { kind: 'none' };
  if (m[1].toLowerCase() !== 'bearer') return { kind: 'none' };
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(m[2]) ? { kind: 'token', token: m[2] } : { kind: 'malformed' };
}

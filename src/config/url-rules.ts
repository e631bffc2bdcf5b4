/**
 * URL rules shared by the schema. Each check returns an error message, or undefined when the
 * value is fine, so the schema can attach it at the right path.
 */

/** Hosts where plain http is acceptable: traffic never leaves the machine. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

// `new URL('https:example.com')` succeeds; demanding "scheme://" rules such shorthand out.
const HAS_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/;

/** Message for URLs that must be https (http only on loopback). */
export const HTTPS_URL_MESSAGE = 'must be an absolute https:// URL (http:// allowed only for localhost)';

function parse(value: string): URL | undefined {
  if (!HAS_AUTHORITY.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** https anywhere, http only for localhost/127.0.0.1/[::1]; never credentials in the URL. */
export function httpsUrlProblem(value: string): string | undefined {
  const url = parse(value);
  if (url === undefined) return HTTPS_URL_MESSAGE;
  if (url.protocol === 'https:') return credentialsProblem(url);
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return credentialsProblem(url);
  return HTTPS_URL_MESSAGE;
}

/** Any absolute http(s) URL without credentials, query or fragment (an upstream base). */
export function upstreamUrlProblem(value: string): string | undefined {
  const url = parse(value);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return 'must be an absolute http:// or https:// URL';
  }
  if (value.includes('?') || value.includes('#')) return 'must not contain a query or fragment';
  return credentialsProblem(url);
}

// Credentials in a URL end up in logs and in the effective-config printout unmasked.
function credentialsProblem(url: URL): string | undefined {
  return url.username !== '' || url.password !== '' ? 'must not contain credentials (user:password@)' : undefined;
}

/** True when the raw string carries a query or fragment, even an empty one. */
export function hasQueryOrFragment(value: string): boolean {
  return value.includes('?') || value.includes('#');
}

/**
 * Canonical form of a protected-resource URL (RFC 9728 `resource`, RFC 8707 audience): lower-case
 * scheme and host, default port dropped, no trailing slash, so that what we advertise and what we
 * compare `aud` against is one string.
 */
export function canonicalResource(value: string): string {
  const url = new URL(value);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

/** Strip trailing slashes from an issuer URL used in `authorization_servers`. */
export function stripTrailingSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

/**
 * Normalise a CORS origin to what browsers send in `Origin` (scheme://host[:port], lower-case,
 * no default port), or undefined when the value is not an origin.
 */
export function normaliseOrigin(value: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@]+$/.test(value)) return undefined;
  const url = parse(value);
  if (url === undefined || url.origin === 'null') return undefined;
  return url.origin;
}

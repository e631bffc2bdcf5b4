/**
 * Redirect URI rules for registered clients (configured and dynamically registered alike): what
 * real MCP clients need accepted, what must never be. Pure: used by the config schema and by the
 * provider's client-metadata hook.
 */

/** Hosts a loopback redirect may name (RFC 8252 §7.3; `localhost` tolerated, §8.3 discourages it). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

// Schemes that run or read content in the user agent instead of handing a code to an app.
const FORBIDDEN_SCHEMES: ReadonlySet<string> = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:']);

/** How a redirect URI reaches its client. */
export type RedirectKind = 'https' | 'loopback' | 'private-use';

/** Tagged classification of one redirect URI. */
export type RedirectClass = { ok: true; kind: RedirectKind; host: string } | { ok: false; reason: string };

/**
 * Classify `uri`: https anywhere, http only on loopback (OAuth 2.1 §2.3.1, RFC 8252 §7.3, any
 * port), private-use schemes such as `cursor://` (RFC 8252 §7.1); never javascript:, data:,
 * file: and friends, never a fragment (RFC 6749 §3.1.2).
 */
export function classifyRedirectUri(uri: string): RedirectClass {
  const url = URL.parse(uri);
  if (url === null) return { ok: false, reason: 'must be an absolute URI' };
  if (uri.includes('#')) return { ok: false, reason: 'must not contain a fragment (RFC 6749 §3.1.2)' };
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return { ok: false, reason: `must not use the ${url.protocol} scheme` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not contain credentials' };
  if (url.protocol === 'https:') return { ok: true, kind: 'https', host: url.host };
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname)) return { ok: true, kind: 'loopback', host: url.host };
    return { ok: false, reason: 'must use https (plain http is allowed only for 127.0.0.1, [::1] and localhost)' };
  }
  // RFC 8252 §7.1 asks for reverse-domain schemes; real clients (cursor://) don't, so any other
  // scheme with a host or path is accepted.
  return { ok: true, kind: 'private-use', host: url.host || url.protocol.slice(0, -1) };
}

/** True when `uri` is an http loopback redirect (the code goes to a program on the user's machine). */
export function isLoopbackRedirect(uri: string): boolean {
  const c = classifyRedirectUri(uri);
  return c.ok && c.kind === 'loopback';
}

/**
 * The application_type a client with these redirect URIs gets. Loopback and private-use
 * redirects make it `native` (OpenID DCR §2; this is what enables any-port loopback matching),
 * unless an https redirect names a loopback host, which a native client may not use.
 */
export function inferApplicationType(uris: readonly string[], declared: string): string {
  const classes = uris.map(classifyRedirectUri);
  const needsNative = classes.some((c) => c.ok && c.kind !== 'https');
  const httpsLoopback = uris.some((u) => {
    const url = URL.parse(u);
    return url !== null && url.protocol === 'https:' && LOOPBACK_HOSTS.has(url.hostname);
  });
  return needsNative && !httpsLoopback ? 'native' : declared;
}

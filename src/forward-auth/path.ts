/**
 * The original request target (X-Forwarded-Uri, or the auth request's own URL) → the normalised
 * path core matches endpoints on, and the raw query.
 *
 * The proxy forwards the client's target to the upstream unchanged, so the decision must be made on
 * the path the upstream will act on. Standard servers (Node, Go, nginx) resolve dot segments and
 * treat `%2e` as `.`, so we do the same; otherwise `/keys/mcp/%2e%2e/%2e%2e/mcp` would be judged
 * under /keys/mcp's strategies while the upstream serves /mcp.
 *
 * What we do, in order:
 *  1. drop an absolute-form `scheme://authority` prefix (RFC 9112 §3.2.2) and any `#fragment`;
 *  2. split at the first `?`: the query stays raw (core decodes parameter names itself);
 *  3. decode percent-encoded unreserved characters, upper-case the hex of the others
 *     (RFC 3986 §6.2.2.1-2: equivalent URIs, so `%2E%2E` is a dot segment);
 *  4. collapse runs of `/` (nginx's merge_slashes, on by default);
 *  5. remove dot segments (RFC 3986 §5.2.4).
 * Not done, on purpose: decoding `%2F` (and other reserved characters). An encoded slash is data
 * inside one segment, not a separator (RFC 3986 §2.2); decoding it would let `/mcp%2F..%2Fadmin`
 * change segments after we decided. Caveat: an upstream that decodes `%2F` before resolving dots
 * (not Node, Go or Caddy; nginx does for `$uri`) could see a different path than we judged.
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function decodeUnreserved(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}/g, function (m) {
    const c = String.fromCharCode(parseInt(m.slice(1), 16));
    return UNRESERVED.test(c) ? c : m.toUpperCase();
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments, for a path that starts with `/`. */
export function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      // `/a/b/..` ends in a directory: `/a/`.
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  return '/' + out.join('/');
}

/** Normalise a raw path (no query) as described above. */
export function normalisePath(raw: string): string {
  let p = decodeUnreserved(raw);
  if (p.charAt(0) !== '/') p = '/' + p;
  p = p.replace(/\/{2,}/g, '/');
  return removeDotSegments(p);
}

/** Split a request target into the normalised path and the raw query (without `?`). */
export function splitTarget(target: string): { path: string; query: string } {
  let t = target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  const q = t.indexOf('?');
  return {
    path: normalisePath(q < 0 ? t : t.slice(0, q)),
    query: q < 0 ? '' : t.slice(q + 1),
  };
}

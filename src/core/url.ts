/**
 * The few URL operations core needs, without the URL class (njs 0.7.9 has none).
 */

/** Split an absolute http(s) URL into origin (`scheme://host[:port]`) and path ('' when absent). */
export function splitUrl(url: string): { origin: string; path: string } | null {
  const m = /^(https?:\/\/[^/?#]+)([^?#]*)/i.exec(url);
  return m ? { origin: m[1], path: m[2] } : null;
}

/** Remove one trailing slash, except from a bare origin's root. */
export function stripTrailingSlash(url: string): string {
  return url.length > 1 && url.charAt(url.length - 1) === '/' ? url.slice(0, -1) : url;
}

/**
 * RFC 9728 §3.1: the metadata URL inserts `/.well-known/oauth-protected-resource` between the
 * resource's origin and its path.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const u = splitUrl(resource);
  if (!u) return resource;
  const path = u.path === '/' ? '' : u.path;
  return u.origin + '/.well-known/oauth-protected-resource' + path;
}

/** Parse `a=b&c=d` into names (decoded); values are not needed by core. */
export function queryParamNames(query: string): string[] {
  if (!query) return [];
  return query.split('&').map(function (pair) {
    const name = pair.split('=')[0];
    try {
      return decodeURIComponent(name.replace(/\+/g, ' '));
    } catch (e) {
      return name;
    }
  });
}

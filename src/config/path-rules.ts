/** Rules for endpoint paths and the ids derived from them. */

/** Endpoint ids end up in log fields, metric labels and generated nginx names. */
export const ENDPOINT_ID = /^[a-z0-9][a-z0-9-]*$/;

// Paths are written into generated nginx `location` blocks and matched against the decoded URI,
// so only unreserved characters are allowed: nothing nginx would interpret, nothing percent-encoded.
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** Why `path` is not a usable endpoint path, or undefined when it is. */
export function endpointPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"';
  if (path === '/') return undefined;
  if (path.includes('?') || path.includes('#')) return 'must not contain a query or fragment';
  if (path.includes('//')) return 'must not contain "//"';
  if (path.endsWith('/')) return 'must not end with "/" (only the root path "/" may)';
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  if (!segments.every((s) => SEGMENT.test(s))) {
    return 'may only contain letters, digits, "/", ".", "_", "~" and "-"';
  }
  return undefined;
}

/** Default endpoint id: `/github/mcp` → `github-mcp`, `/` → `root`. */
export function deriveEndpointId(path: string): string {
  const id = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id === '' ? 'root' : id;
}

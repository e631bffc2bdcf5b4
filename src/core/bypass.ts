/**
 * Public sub-paths of an endpoint (`bypass`) skip inbound auth entirely. Matching is on the
 * normalised path without the query: an entry matches exactly, except one ending in `/*`, which
 * matches every path below that directory (`/mcp/public/*` covers `/mcp/public/a` and
 * `/mcp/public/a/b`, not `/mcp/public` itself). No other wildcard exists.
 */
import type { EndpointConfig } from './config-types.ts';

/** Whether `path` is one of the endpoint's public sub-paths. */
export function isBypassed(endpoint: EndpointConfig, path: string): boolean {
  const list = endpoint.bypass || [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (entry.slice(-2) === '/*') {
      if (path.indexOf(entry.slice(0, -1)) === 0 && path.length > entry.length - 1) return true;
    } else if (path === entry) {
      return true;
    }
  }
  return false;
}

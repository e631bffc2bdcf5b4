/**
 * Which configured endpoint a request path belongs to: the endpoint path itself or anything below
 * `path/`; the longest match wins, so /github/mcp is not swallowed by /.
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';

function covers(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.indexOf(prefix + '/') === 0;
}

/** The endpoint serving `path`, or null. */
export function matchEndpoint(config: CoreConfig, path: string): EndpointConfig | null {
  let best: EndpointConfig | null = null;
  config.endpoints.forEach(function (e) {
    if (covers(e.path, path) && (!best || e.path.length > best.path.length)) best = e;
  });
  return best;
}

/** The endpoint with this id, or null. */
export function endpointById(config: CoreConfig, id: string): EndpointConfig | null {
  const found = config.endpoints.filter(function (e) { return e.id === id; });
  return found.length ? found[0] : null;
}

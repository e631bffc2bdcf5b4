/**
 * Routing of RFC 9728 metadata requests: `/.well-known/oauth-protected-resource<path>` where
 * <path> is an endpoint's resource path (or its proxy path), and the bare well-known URL, which
 * serves the first endpoint (clients that drop the path still find an authorization server).
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';
import { splitUrl } from './url.ts';

export const PRM_PREFIX = '/.well-known/oauth-protected-resource';

/** True when the path asks for protected resource metadata. */
export function isMetadataPath(path: string): boolean {
  return path === PRM_PREFIX || path.indexOf(PRM_PREFIX + '/') === 0;
}

/** The endpoint whose metadata this path names, or null. */
export function metadataEndpoint(config: CoreConfig, path: string): EndpointConfig | null {
  const rest = path.slice(PRM_PREFIX.length);
  if (rest === '' || rest === '/') return config.endpoints.length ? config.endpoints[0] : null;
  const found = config.endpoints.filter(function (e) {
    const u = splitUrl(e.resource);
    return (u !== null && u.path === rest) || e.path === rest;
  });
  return found.length ? found[0] : null;
}

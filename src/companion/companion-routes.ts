/**
 * Which part of the companion answers a path. Every AS route lives below the issuer's path
 * (`mountPath`, '' for an issuer without one). Metadata is also found where RFC 8414 §3.1 puts it
 * for an issuer with a path (`/.well-known/oauth-authorization-server/<path>`) and at the same
 * insertion form of OIDC discovery, which MCP clients try too. Pure.
 */
import { isMetadataPath } from '../core/metadata-route.ts';
import { ROUTES } from './routes.ts';

/** Where a request goes. */
export type CompanionRoute =
  /** RFC 9728 protected resource metadata (Traefik routes it here). */
  | { kind: 'resource-metadata' }
  /** oidc-provider, with the path it knows (the mount path stripped). */
  | { kind: 'provider'; path: string }
  /** Login and consent pages; `rest` is the path after `/consent/`. */
  | { kind: 'interaction'; rest: string }
  | { kind: 'not-found' };

const METADATA = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

/** Route `pathname` for an issuer mounted at `mountPath`. */
export function routeCompanion(pathname: string, mountPath: string): CompanionRoute {
  if (isMetadataPath(pathname)) return { kind: 'resource-metadata' };
  for (const doc of METADATA) {
    if (pathname === doc + mountPath || pathname === mountPath + doc) return { kind: 'provider', path: doc };
  }
  const interactionPrefix = `${mountPath}${ROUTES.interaction}/`;
  if (pathname.startsWith(interactionPrefix)) return { kind: 'interaction', rest: pathname.slice(interactionPrefix.length) };
  if (mountPath === '') return { kind: 'provider', path: pathname };
  if (pathname === mountPath || pathname.startsWith(mountPath + '/')) return { kind: 'provider', path: pathname.slice(mountPath.length) || '/' };
  return { kind: 'not-found' };
}

/** The mount path of an issuer URL: its path without a trailing slash ('' for none). */
export function issuerMountPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

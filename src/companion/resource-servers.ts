/**
 * The protected resources the companion issues tokens for (RFC 8707 resource indicators): only
 * configured endpoints that name this Authorization Server. Pure: resolving a requested
 * `resource` value, choosing a default when it is missing, and the scopes each resource knows.
 */
import type { AppEndpointConfig } from '../config/app-config.ts';
import { canonicalResource, stripTrailingSlash } from '../config/url-rules.ts';

/** A resource the companion issues access tokens for. */
export interface ResourceServer {
  /** Canonical resource URL: the token audience, byte-identical to the PRM `resource`. */
  resource: string;
  endpointId: string;
  /** Scopes a token for this resource may carry: scopes_supported plus required_scopes. */
  scopes: string[];
}

/** Outcome of resolving a requested `resource`. */
export type ResourceLookup = { ok: true; server: ResourceServer } | { ok: false; reason: string };

/** True when `endpoint` names `issuer` as its AS or accepts its tokens (trailing slash ignored). */
export function endpointUsesIssuer(endpoint: AppEndpointConfig, issuer: string): boolean {
  const want = stripTrailingSlash(issuer);
  return endpoint.authorization_servers.some((as) => stripTrailingSlash(as) === want) ||
    endpoint.strategies.some((s) => s.type === 'jwt' && stripTrailingSlash(s.issuer) === want);
}

/** The resources served by the AS whose identifier is `issuer`, in endpoint order. */
export function servedResources(endpoints: readonly AppEndpointConfig[], issuer: string): ResourceServer[] {
  return endpoints
    .filter((e) => endpointUsesIssuer(e, issuer))
    .map((e) => ({
      resource: e.resource,
      endpointId: e.id,
      scopes: [...new Set([...e.scopes_supported, ...e.policy.required_scopes])],
    }));
}

/**
 * Find the resource a client asked for. The value is canonicalised first (lower-case host, no
 * default port, no trailing slash), so `https://mcp.example.com/mcp/` names the `/mcp` endpoint:
 * clients derive it from the URL they were given and some keep the slash.
 */
export function lookupResource(servers: readonly ResourceServer[], requested: string): ResourceLookup {
  const url = URL.parse(requested);
  // RFC 8707 §2: an absolute URI without a fragment.
  if (url === null || requested.includes('#')) return { ok: false, reason: 'resource must be an absolute URI without a fragment' };
  const canonical = canonicalResource(requested);
  const found = servers.find((s) => s.resource === canonical);
  return found ? { ok: true, server: found } : { ok: false, reason: 'resource is not served by this authorization server' };
}

/**
 * The resource to use when a client sent none (MCP clients should send it, RFC 8707 §2; some
 * don't). With one served resource it is that one. With several, the requested scopes decide
 * when they belong to exactly one resource; otherwise there is no safe guess and the client
 * must name the resource.
 */
export function defaultResource(servers: readonly ResourceServer[], requestedScopes: readonly string[]): ResourceServer | undefined {
  if (servers.length === 1) return servers[0];
  if (requestedScopes.length === 0) return undefined;
  const matching = servers.filter((s) => requestedScopes.some((scope) => s.scopes.includes(scope)));
  return matching.length === 1 ? matching[0] : undefined;
}

/**
 * The scope to use for an authorization request that names none: the scopes of the resource it
 * asks for (or of the default resource). RFC 6749 §3.3 lets the server apply a default; without
 * one, oidc-provider would grant nothing and answer access_denied.
 */
export function defaultScope(servers: readonly ResourceServer[], requestedResources: readonly string[]): string | undefined {
  let server: ResourceServer | undefined;
  if (requestedResources.length === 1) {
    const found = lookupResource(servers, requestedResources[0]!);
    server = found.ok ? found.server : undefined;
  } else if (requestedResources.length === 0) {
    server = defaultResource(servers, []);
  }
  return server !== undefined && server.scopes.length > 0 ? server.scopes.join(' ') : undefined;
}

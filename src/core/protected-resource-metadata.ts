/**
 * RFC 9728 protected resource metadata for one endpoint. `resource` is the endpoint's exact public
 * URL (MCP clients compare it with the URL they connect to); scopes stay minimal and never list
 * offline_access (a resource does not grant refresh tokens).
 */
import type { EndpointConfig } from './config-types.ts';

/** The metadata document as a plain object. */
export function protectedResourceMetadata(endpoint: EndpointConfig): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    resource: endpoint.resource,
    authorization_servers: endpoint.authorization_servers,
    scopes_supported: endpoint.scopes_supported.filter(function (s) { return s !== 'offline_access'; }),
    // RFC 9728 §2: the header method only; MCP forbids tokens in the query string.
    bearer_methods_supported: ['header'],
  };
  if (endpoint.resource_name) doc.resource_name = endpoint.resource_name;
  return doc;
}

/**
 * nginx request → core request. The check server sees the client's request proxied to it (an
 * auth_request subrequest, or a metadata/preflight request), so the original method, path, peer
 * and scheme arrive in X-MCP-Authz-* headers that the generated conf always sets, overriding any
 * client copies.
 */
import type { CoreRequest } from '../core/types.ts';
import { lowerHeaders } from './lower-headers.ts';


/** The client's request, rebuilt from what the public server forwarded. */
export function forwardedRequest(r: NginxHTTPRequest): CoreRequest {
  const h = lowerHeaders(r);
  return {
    method: h['x-mcp-authz-method'] || '',
    path: h['x-mcp-authz-path'] || '',
    query: h['x-mcp-authz-args'] || '',
    host: h['x-mcp-authz-host'] || '',
    scheme: h['x-mcp-authz-scheme'] || 'http',
    headers: h,
    clientIp: h['x-mcp-authz-peer'] || '',
    requestId: h['x-mcp-authz-request-id'],
  };
}

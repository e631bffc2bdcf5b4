/**
 * nginx request → core request. The check server sees the client's request through an
 * auth_request subrequest proxied to it, so the original method, path, peer and scheme arrive in
 * X-MCP-Authz-* headers that the generated conf always overwrites (clients can't forge them).
 */
import type { CoreRequest } from '../core/types.ts';

function lowerHeaders(r: NginxHTTPRequest): Record<string, string> {
  const h: Record<string, string> = {};
  const raw = r.rawHeadersIn;
  for (let i = 0; i < raw.length; i++) {
    const name = raw[i][0].toLowerCase();
    h[name] = h[name] === undefined ? raw[i][1] : h[name] + ', ' + raw[i][1];
  }
  return h;
}

/** The client request as seen by the check server. */
export function checkRequest(r: NginxHTTPRequest): CoreRequest {
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

/** A request handled directly in the public server (metadata, preflight). */
export function directRequest(r: NginxHTTPRequest): CoreRequest {
  const v = r.variables;
  return {
    method: r.method,
    path: r.uri,
    query: v.args || '',
    host: v.host || '',
    scheme: v.scheme || 'http',
    headers: lowerHeaders(r),
    clientIp: r.remoteAddress,
    requestId: v.request_id,
  };
}

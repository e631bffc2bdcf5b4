/**
 * The upstream header allow-list (`pass_headers`): when an endpoint sets it, only the listed client
 * headers and the ones MCP and HTTP need reach the upstream. Identity headers are always ours and
 * Authorization passes only with `pass_authorization` (identity-headers.ts removes them first).
 */
import type { EndpointConfig } from './config-types.ts';

/**
 * Always passed with an allow-list: what the streamable HTTP transport needs (content-type, accept,
 * mcp-session-id, mcp-protocol-version, last-event-id for resumption, origin for the server's
 * DNS-rebinding check) and what the proxy itself manages for framing and forwarding.
 */
export const ALWAYS_PASSED = [
  'content-type',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'origin',
  'host',
  'content-length',
  'transfer-encoding',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
];

/** Every client header name the upstream may see (lower-cased), or null when all may pass. */
export function passedHeaderNames(endpoint: EndpointConfig): string[] | null {
  if (!endpoint.pass_headers) return null;
  const out = ALWAYS_PASSED.slice();
  for (let i = 0; i < endpoint.pass_headers.length; i++) {
    const name = endpoint.pass_headers[i].toLowerCase();
    if (out.indexOf(name) < 0) out.push(name);
  }
  if (endpoint.pass_authorization && out.indexOf('authorization') < 0) out.push('authorization');
  return out;
}

/** The request's header names (lower-cased) the allow-list keeps from the upstream. */
export function headersNotPassed(endpoint: EndpointConfig, headers: Record<string, string>): string[] {
  const passed = passedHeaderNames(endpoint);
  if (!passed) return [];
  return Object.keys(headers).filter(function (name) { return passed.indexOf(name) < 0; });
}

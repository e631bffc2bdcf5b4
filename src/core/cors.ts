/**
 * CORS for browser MCP clients (MCP Inspector, web IDEs): a preflight is always answered (never
 * blocked by auth), and our own 401/403/metadata responses expose WWW-Authenticate so the client
 * can read `resource_metadata`. Upstream responses get the same headers from the host proxy.
 */
import type { CorsConfig } from './config-types.ts';

/** Headers a browser client may read from MCP responses. */
export const EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, Retry-After';
/** Request headers an MCP client sends. */
export const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
export const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';

/** The Access-Control-Allow-Origin value for this Origin, or null when it is not allowed. */
export function allowedOrigin(origin: string | undefined, cors: CorsConfig): string | null {
  if (!origin) return null;
  if (cors.allowed_origins.indexOf('*') >= 0) return '*';
  return cors.allowed_origins.indexOf(origin) >= 0 ? origin : null;
}

/** CORS headers for a response we generate ourselves. */
export function corsHeaders(origin: string | undefined, cors: CorsConfig): Record<string, string> {
  const allow = allowedOrigin(origin, cors);
  if (!allow) return {};
  const h: Record<string, string> = { 'Access-Control-Allow-Origin': allow, 'Access-Control-Expose-Headers': EXPOSE_HEADERS };
  if (allow !== '*') h['Vary'] = 'Origin';
  return h;
}

/** A preflight is an OPTIONS request announcing the method it wants to make (Fetch standard). */
export function isPreflight(method: string, headers: Record<string, string>): boolean {
  return method === 'OPTIONS' && !!headers['access-control-request-method'];
}

/** Headers for a preflight answer; an origin that is not allowed gets none, so the browser stops. */
export function preflightHeaders(origin: string | undefined, cors: CorsConfig): Record<string, string> {
  const allow = allowedOrigin(origin, cors);
  if (!allow) return {};
  const h = corsHeaders(origin, cors);
  h['Access-Control-Allow-Methods'] = ALLOW_METHODS;
  h['Access-Control-Allow-Headers'] = ALLOW_HEADERS;
  h['Access-Control-Max-Age'] = String(cors.max_age);
  return h;
}

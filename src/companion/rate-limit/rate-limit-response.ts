/**
 * The answer to a request over its budget: 429 Too Many Requests with Retry-After (RFC 6585 §4).
 * /token and /register get an OAuth-style JSON error (RFC 6749 §5.2 shape, code `rate_limited`)
 * that clients read like any other error; /authorize gets a page for the person at the browser and
 * never a redirect: the redirect URI has not been checked yet, and the client learns nothing it
 * could act on. Configured CORS origins may read the JSON answers and their Retry-After (never
 * on /authorize, which is no API for scripts).
 */
import type { ServerResponse } from 'node:http';
import type { RateLimitedRoute } from '../../config/companion-rate-limits.ts';
import { allowedOrigin } from '../../core/cors.ts';
import type { CorsConfig } from '../../core/config-types.ts';
import { errorPage, pageHeaders } from '../interactions/pages.ts';

/** Write the 429 for `route`. */
export function sendRateLimited(res: ServerResponse, route: RateLimitedRoute, retryAfterSeconds: number, origin: string | undefined, cors: CorsConfig): void {
  const headers: Record<string, string> = { 'Retry-After': String(retryAfterSeconds), 'Cache-Control': 'no-store' };
  const allow = route === 'authorize' ? null : allowedOrigin(origin, cors);
  if (allow !== null) {
    headers['Access-Control-Allow-Origin'] = allow;
    headers['Access-Control-Expose-Headers'] = 'Retry-After';
    if (allow !== '*') headers['Vary'] = 'Origin';
  }
  let body: string;
  if (route === 'authorize') {
    Object.assign(headers, pageHeaders());
    body = errorPage('Too many requests', `Too many sign-in requests came from your network. Try again in ${retryAfterSeconds} seconds.`);
  } else {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ error: 'rate_limited', error_description: `too many requests from this address; retry after ${retryAfterSeconds} seconds` });
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(429, headers).end(body);
}

/**
 * The answer to a request over its budget: 429 Too Many Requests with Retry-After (RFC 6585 §4).
 * /token and /register get an OAuth-style JSON error (RFC 6749 §5.2 shape, code `rate_limited`)
 * that clients read like any other error; /authorize and the login form get a page for the person
 * at the browser and never a redirect: the redirect URI has not been checked yet, and the client
 * learns nothing it could act on. Configured CORS origins may read the JSON answers and their
 * Retry-After (never the pages, which are no API for scripts).
 */
import type { ServerResponse } from 'node:http';
import type { RateLimitedRoute } from '../../config/companion-rate-limits.ts';
import { allowedOrigin } from '../../core/cors.ts';
import type { CorsConfig } from '../../core/config-types.ts';
import { errorPage, pageHeaders } from '../interactions/pages.ts';

type PageRoute = 'authorize' | 'login' | 'login_username';

const PAGE_TEXT: Record<PageRoute, string> = {
  authorize: 'Too many sign-in requests came from your network.',
  login: 'Too many sign-in attempts came from your network.',
  // Said whether or not the account exists: unknown usernames are counted the same way.
  login_username: 'Too many sign-in attempts were made for this username.',
};

function isPageRoute(route: RateLimitedRoute): route is PageRoute {
  return route in PAGE_TEXT;
}

/** Write the 429 page of a browser route (no CORS: these are no API for scripts). */
export function sendRateLimitedPage(res: ServerResponse, route: PageRoute, retryAfterSeconds: number): void {
  sendRateLimited(res, route, retryAfterSeconds, undefined, { allowed_origins: [], max_age: 0 });
}

/** Write the 429 for `route`. */
export function sendRateLimited(res: ServerResponse, route: RateLimitedRoute, retryAfterSeconds: number, origin: string | undefined, cors: CorsConfig): void {
  const headers: Record<string, string> = { 'Retry-After': String(retryAfterSeconds), 'Cache-Control': 'no-store' };
  const allow = isPageRoute(route) ? null : allowedOrigin(origin, cors);
  if (allow !== null) {
    headers['Access-Control-Allow-Origin'] = allow;
    headers['Access-Control-Expose-Headers'] = 'Retry-After';
    if (allow !== '*') headers['Vary'] = 'Origin';
  }
  let body: string;
  if (isPageRoute(route)) {
    Object.assign(headers, pageHeaders());
    body = errorPage('Too many requests', `${PAGE_TEXT[route]} Try again in ${retryAfterSeconds} seconds.`);
  } else {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ error: 'rate_limited', error_description: `too many requests from this address; retry after ${retryAfterSeconds} seconds` });
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(429, headers).end(body);
}

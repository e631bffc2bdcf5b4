/**
 * Per-client-address budgets of the endpoints anyone may call before signing in: dynamic
 * registration (a flood fills the store with clients), the authorization endpoint (each request
 * stores an interaction and can start a federated sign-in) and the token endpoint (code and
 * refresh-token guessing, client-secret guessing). CORS preflights are
 * never counted.
 */
import type { IncomingMessage } from 'node:http';
import type { AsRateLimits, RateLimitedRoute } from '../../config/companion-rate-limits.ts';
import { ROUTES } from '../routes.ts';
import { clientAddressKey } from './client-address.ts';
import type { WindowCounter } from './window-counter.ts';

/** Outcome of counting one request. */
export type RateLimitDecision =
  | { limited: false }
  | { limited: true; route: RateLimitedRoute; retryAfterSeconds: number; clientKey: string };

/** Decides whether a request to the AS is over its budget. */
export interface RateLimiter {
  /** `path` is the provider path (below the issuer's path). */
  check(req: Pick<IncomingMessage, 'method' | 'headers' | 'socket'>, path: string): Promise<RateLimitDecision>;
}

/** The budgeted route a request hits, if any. */
export function rateLimitedRoute(method: string, path: string): RateLimitedRoute | undefined {
  if (method === 'OPTIONS') return undefined;
  if (path === ROUTES.authorization) return 'authorize';
  if (method !== 'POST') return undefined;
  if (path === ROUTES.token) return 'token';
  if (path === ROUTES.registration) return 'register';
  return undefined;
}

/** A limiter over `counter` (in process, or Redis for replicas). */
export function createRateLimiter(settings: AsRateLimits, counter: WindowCounter): RateLimiter {
  return {
    async check(req, path) {
      const route = rateLimitedRoute((req.method ?? 'GET').toUpperCase(), path);
      if (route === undefined) return { limited: false };
      const limit = settings[route];
      if (limit === null) return { limited: false };
      const clientKey = clientAddressKey(req, settings.trusted_proxies);
      const hit = await counter.hit(`${route}:${clientKey}`, limit.per_seconds);
      if (hit.count <= limit.requests) return { limited: false };
      return { limited: true, route, retryAfterSeconds: Math.max(1, Math.ceil(hit.resetInMs / 1000)), clientKey };
    },
  };
}

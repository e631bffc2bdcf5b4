/**
 * `authorization_server.rate_limits`: per-client-address budgets for the companion's endpoints
 * that anyone may call before signing in (`/register`, `/authorize`, `/token`), and which peers
 * may name the client address in X-Forwarded-For. `false` (for all, or for one route) or
 * `requests: 0` turns a limit off.
 */
import { z } from 'zod';
import { parseCidr } from '../core/cidr.ts';
import { int } from './schema-primitives.ts';

/** One budget: at most `requests` per client address in each window of `per_seconds`. */
export interface AsRateLimit {
  requests: number;
  per_seconds: number;
}

/** The routes with a budget. */
export type RateLimitedRoute = 'register' | 'authorize' | 'token';

/** `authorization_server.rate_limits` as loaded; a null route has no limit. */
export interface AsRateLimits {
  /** Peers (the host proxy) whose right-most X-Forwarded-For entry names the client. */
  trusted_proxies: string[];
  register: AsRateLimit | null;
  authorize: AsRateLimit | null;
  token: AsRateLimit | null;
}

/** Defaults: generous for people and NATed offices, tight enough to stop registration floods. */
export const RATE_LIMIT_DEFAULTS: Record<RateLimitedRoute, AsRateLimit> = {
  register: { requests: 30, per_seconds: 3600 },
  authorize: { requests: 60, per_seconds: 60 },
  token: { requests: 120, per_seconds: 60 },
};

const cidr = z.string().refine((value) => parseCidr(value) !== null, 'must be an IPv4 or IPv6 address or CIDR (e.g. 10.0.0.0/8)');

function routeLimit(route: RateLimitedRoute) {
  const d = RATE_LIMIT_DEFAULTS[route];
  return z.preprocess(
    (v) => (v === false ? { requests: 0 } : v),
    z
      .strictObject({ requests: int(0, 1_000_000).default(d.requests), per_seconds: int(1, 86_400).default(d.per_seconds) })
      .transform((l): AsRateLimit | null => (l.requests === 0 ? null : l)),
  ).prefault(d);
}

/** Schema of `rate_limits:`; absent means the defaults, `false` means no limits. */
export const rateLimits = z.preprocess(
  (v) => (v === false ? { register: false, authorize: false, token: false } : v),
  z.strictObject({
    trusted_proxies: z.array(cidr).default(() => ['127.0.0.1/32', '::1/128']),
    register: routeLimit('register'),
    authorize: routeLimit('authorize'),
    token: routeLimit('token'),
  }),
).prefault({}) satisfies z.ZodType<AsRateLimits>;

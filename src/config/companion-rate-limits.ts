/**
 * `authorization_server.rate_limits`: per-client-address budgets for the companion's endpoints
 * that anyone may call before signing in (`/register`, `/authorize`, `/token`, the login form),
 * a per-username budget of the login form (password guessing from many addresses), and which
 * peers may name the client address in X-Forwarded-For. `false` (for all, or for one route) or
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

/** The routes with a budget; `login_username` counts login attempts per username, not per address. */
export type RateLimitedRoute = 'register' | 'authorize' | 'token' | 'login' | 'login_username';

/** `authorization_server.rate_limits` as loaded; a null route has no limit. */
export interface AsRateLimits {
  /** Peers (the host proxy) whose right-most X-Forwarded-For entry names the client. */
  trusted_proxies: string[];
  register: AsRateLimit | null;
  authorize: AsRateLimit | null;
  token: AsRateLimit | null;
  /** Login form submissions (POST …/consent/<uid>/login) per client address. */
  login: AsRateLimit | null;
  /** Login form submissions per username, from any address. */
  login_username: AsRateLimit | null;
}

/** Defaults: generous for people and NATed offices, tight enough to stop registration floods. */
export const RATE_LIMIT_DEFAULTS: Record<RateLimitedRoute, AsRateLimit> = {
  register: { requests: 30, per_seconds: 3600 },
  authorize: { requests: 60, per_seconds: 60 },
  token: { requests: 120, per_seconds: 60 },
  login: { requests: 10, per_seconds: 60 },
  login_username: { requests: 10, per_seconds: 300 },
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
  (v) => (v === false ? { register: false, authorize: false, token: false, login: false, login_username: false } : v),
  z.strictObject({
    trusted_proxies: z.array(cidr).default(() => ['127.0.0.1/32', '::1/128']),
    register: routeLimit('register'),
    authorize: routeLimit('authorize'),
    token: routeLimit('token'),
    login: routeLimit('login'),
    login_username: routeLimit('login_username'),
  }),
).prefault({}) satisfies z.ZodType<AsRateLimits>;

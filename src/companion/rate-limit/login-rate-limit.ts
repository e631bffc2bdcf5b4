/**
 * Budgets of the login form (POST …/consent/<uid>/login): per client address, like the other
 * pre-auth endpoints, and per username from any address, so guessing one account's password
 * from many addresses is slowed too. Every submission counts, a successful one included (the
 * counter cannot tell before the password is checked, and checking first would be the guess).
 * The per-username budget is shared by everyone typing that name: a flood of wrong passwords
 * holds the account's sign-in back until the window ends (never longer), which is the price of
 * stopping distributed guessing; `login_username: false` turns it off.
 */
import type { IncomingMessage } from 'node:http';
import type { AsRateLimit, AsRateLimits, RateLimitedRoute } from '../../config/companion-rate-limits.ts';
import { sha256Base64url } from '../../node/sha256.ts';
import { clientAddressKey } from './client-address.ts';
import type { RateLimitDecision } from './rate-limiter.ts';
import type { WindowCounter, WindowHit } from './window-counter.ts';

/** Decides whether a login submission is over a budget. */
export interface LoginRateLimiter {
  /** `username` as submitted ('' or undefined for methods without one, e.g. federated login). */
  check(req: Pick<IncomingMessage, 'headers' | 'socket'>, username: string | undefined): Promise<RateLimitDecision>;
}

function over(limit: AsRateLimit, hit: WindowHit): number | undefined {
  return hit.count <= limit.requests ? undefined : Math.max(1, Math.ceil(hit.resetInMs / 1000));
}

/** A limiter over `counter` (the same counter as the other budgets: in process or Redis). */
export function createLoginRateLimiter(settings: AsRateLimits, counter: WindowCounter): LoginRateLimiter {
  return {
    async check(req, username) {
      const clientKey = clientAddressKey(req, settings.trusted_proxies);
      const limited = (route: RateLimitedRoute, retryAfterSeconds: number): RateLimitDecision => ({ limited: true, route, retryAfterSeconds, clientKey });
      // The address first: a refused address does not spend the username's budget as well.
      if (settings.login !== null) {
        const retry = over(settings.login, await counter.hit(`login:${clientKey}`, settings.login.per_seconds));
        if (retry !== undefined) return limited('login', retry);
      }
      if (settings.login_username !== null && username !== undefined && username !== '') {
        // Hashed: no typed username (sometimes a password in the wrong field) is kept as a key.
        const name = sha256Base64url(username);
        const retry = over(settings.login_username, await counter.hit(`login_username:${name}`, settings.login_username.per_seconds));
        if (retry !== undefined) return limited('login_username', retry);
      }
      return { limited: false };
    },
  };
}

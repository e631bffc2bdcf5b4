/** The limiter `serve` uses, chosen by the top-level `rate_limits` settings. */
import type { RateLimitSettings } from '../config/rate-limit-settings.ts';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { createRedisRateLimiter } from './redis-rate-limiter.ts';

/** In process without `redis_url`; otherwise shared through Redis with an in-process fallback. */
export function createRateLimiter(settings: RateLimitSettings | undefined, hooks: { onStoreError?: (err: Error) => void } = {}): RateLimiter {
  if (!settings || !settings.redis_url) return createMemoryRateLimiter();
  return createRedisRateLimiter({
    url: settings.redis_url,
    keyPrefix: settings.key_prefix,
    timeoutMs: settings.redis_timeout_ms,
    onStoreError: hooks.onStoreError,
    // The URL may carry a password: say only that the store is unreachable.
    onConnectionError: (err) => console.warn(`rate limits: redis unavailable (${err.constructor.name}); counting per instance until it is back`),
  });
}

/**
 * Schemas of the rate-limit settings: `endpoints[].rate_limit` (per subject, every proxy) and the
 * top-level `rate_limits` (where `mcp-authz serve` keeps the counters).
 */
import { z } from 'zod';
import type { RateLimit } from '../core/rate-limit-config.ts';
import type { RateLimitSettings } from './rate-limit-settings.ts';
import { checkedString, int, isRecord } from './schema-primitives.ts';

// nginx's limit_req takes whole requests per second or per minute; bounded to keep its math exact.
const count = int(1, 1_000_000);

/**
 * `rate_limit: { requests_per_second | requests_per_minute, burst }`. Exactly one rate; `burst`
 * (requests at once) defaults to one period's worth.
 */
export const endpointRateLimit = z
  .strictObject({
    requests_per_second: count.optional(),
    requests_per_minute: count.optional(),
    burst: count.optional(),
  })
  .superRefine(
    (v: unknown, ctx) => {
      if (!isRecord(v)) return;
      const given = ['requests_per_second', 'requests_per_minute'].filter((k) => v[k] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: given.length ? ['requests_per_minute'] : [],
          message: given.length ? 'set requests_per_second or requests_per_minute, not both' : 'must set requests_per_second or requests_per_minute',
        });
      }
    },
    { when: () => true },
  )
  .transform((v): RateLimit => {
    const perSecond = v.requests_per_second !== undefined;
    const requests = (perSecond ? v.requests_per_second : v.requests_per_minute) as number;
    return { requests, period: perSecond ? 1 : 60, burst: v.burst ?? requests };
  });

const redisUrl = checkedString((v) => {
  const url = URL.parse(v);
  return url !== null && (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== ''
    ? undefined
    : 'must be a redis:// or rediss:// URL';
});

/** Top-level `rate_limits`: counters in process (default) or shared through Redis. */
export const rateLimitsSettings = z.strictObject({
  redis_url: redisUrl.nullable().default(null),
  key_prefix: z.string().min(1, 'must not be empty').default('mcp-authz:rl:'),
  redis_timeout_ms: int(1, 10_000).default(100),
}) satisfies z.ZodType<RateLimitSettings>;

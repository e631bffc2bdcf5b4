/**
 * The per-subject limiter shared through Redis: one atomic Lua script per request runs the GCRA
 * step of rate-limiter.ts on Redis's own clock (TIME), so `serve` instances with skewed clocks
 * still share one budget. Key: `<key_prefix><endpoint>:<SHA-256 of the subject>` holding the TAT in
 * ms, expiring when it is back in the past (an idle subject costs nothing).
 *
 * Redis down, slow (past `timeoutMs`) or failing: the request is counted by an in-process limiter
 * instead, so limits degrade to per instance rather than to none, and the request is never refused
 * because of Redis. Authorization itself never depends on this store: a request reaches the limiter
 * only after core allowed it.
 */
import { createRedisClient, withTimeout } from '../companion/storage/redis-client.ts';
import { Script } from '../companion/storage/redis-scripts.ts';
import { sha256Base64url } from './sha256.ts';
import { createMemoryRateLimiter, gcraParams, type RateLimiter, type RateLimitVerdict } from './rate-limiter.ts';

/**
 * KEYS: the subject's key. ARGV: emission interval (ms), tolerance (ms). Returns {1, 0} allowed or
 * {0, wait ms} refused. Integer ms TATs keep the value exact through Lua's number formatting.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return {0, math.ceil(tat - tolerance - now)} end
local nextTat = math.floor(tat + interval + 0.5)
redis.call('SET', KEYS[1], nextTat, 'PX', math.max(1, nextTat - now))
return {1, 0}
`;

const script = new Script(GCRA);

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  url: string;
  keyPrefix: string;
  /** Longest wait for Redis per request before counting in process instead. */
  timeoutMs: number;
  /** Called once per request that Redis could not count (for a metric). */
  onStoreError?: (err: Error) => void;
  /** Connection errors, de-duplicated per outage (default: one console.warn line). */
  onConnectionError?: (err: Error) => void;
}

/** A limiter counting in Redis, falling back to an in-process one while Redis cannot answer. */
export function createRedisRateLimiter(o: RedisRateLimiterOptions): RateLimiter {
  const client = createRedisClient({ url: o.url, connectTimeoutMs: 1000, commandTimeoutMs: o.timeoutMs, onError: o.onConnectionError });
  // Connection happens in the background (and again after each outage); until then commands fail
  // at once and the fallback counts.
  client.connect().catch(() => undefined);
  const fallback = createMemoryRateLimiter();

  return {
    async take(endpoint, subject, limit): Promise<RateLimitVerdict> {
      const { interval, tolerance } = gcraParams(limit);
      const key = o.keyPrefix + endpoint + ':' + sha256Base64url(subject);
      try {
        const reply = await withTimeout(script.run(client, [key], [String(interval), String(tolerance)]), o.timeoutMs, `rate-limit store did not answer within ${o.timeoutMs} ms`);
        if (!Array.isArray(reply) || reply.length !== 2) throw new Error('unexpected reply from the rate-limit script');
        return { allowed: Number(reply[0]) === 1, retryAfterMs: Number(reply[1]) };
      } catch (err) {
        o.onStoreError?.(err as Error);
        return fallback.take(endpoint, subject, limit);
      }
    },
    async close() {
      await fallback.close();
      await client.close().catch(() => undefined);
    },
  };
}

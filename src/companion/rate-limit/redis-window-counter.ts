/**
 * The window counter on Redis, so every companion replica draws on one budget per client
 * address. One Lua script makes the increment and the expiry atomic (a key never lives without
 * its expiry, whatever replica or crash interleaves). While Redis cannot be reached the counts
 * continue in process: each replica still limits on its own.
 */
import { withTimeout } from '../storage/redis-client.ts';
import { Script, type RedisCommandClient } from '../storage/redis-scripts.ts';
import { createMemoryWindowCounter, type WindowCounter } from './window-counter.ts';

/** KEYS: counter. ARGV: window ms. Returns {count, ms left in the window}. */
const HIT = new Script(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`);

/** Options of {@link createRedisWindowCounter}. */
export interface RedisWindowCounterOptions {
  /** Key namespace; default `mcp-authz:ratelimit:`. */
  keyPrefix?: string;
  /** Upper bound for one hit before the in-process fallback answers, in ms (default 250). */
  timeoutMs?: number;
}

/** A counter on `client` (node-redis without offline queue, see redis-client.ts). */
export function createRedisWindowCounter(client: RedisCommandClient, o: RedisWindowCounterOptions = {}): WindowCounter {
  const prefix = o.keyPrefix ?? 'mcp-authz:ratelimit:';
  const timeoutMs = o.timeoutMs ?? 250;
  const fallback = createMemoryWindowCounter();
  return {
    async hit(key, windowSeconds) {
      const windowMs = windowSeconds * 1000;
      try {
        const reply = await withTimeout(HIT.run(client, [prefix + key], [String(windowMs)]), timeoutMs, 'rate limit counter timed out');
        const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN, Number.NaN];
        if (!Number.isFinite(count) || !Number.isFinite(ttl)) throw new Error('unexpected rate limit counter reply');
        return { count: count!, resetInMs: Math.max(1, Math.min(ttl!, windowMs)) };
      } catch {
        return fallback.hit(key, windowSeconds);
      }
    },
  };
}

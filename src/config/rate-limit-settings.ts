/** The top-level `rate_limits:` section: where `mcp-authz serve` keeps per-subject counters. */

/** Effective `rate_limits` settings (Node adapters only; nginx counts in its own shared memory). */
export interface RateLimitSettings {
  /**
   * `redis[s]://…` shared by every `serve` instance, so the budget is per subject across all of
   * them; null keeps counters in each process.
   */
  redis_url: string | null;
  /** Prefix of the Redis keys. */
  key_prefix: string;
  /**
   * Longest wait for Redis per request, in ms; past it (or with Redis down) the request is
   * counted in process instead.
   */
  redis_timeout_ms: number;
}

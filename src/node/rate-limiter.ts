/**
 * Per-subject rate limiting for the Node adapters: GCRA (the generic cell rate algorithm, a token
 * bucket kept as one timestamp per key), in process. src/node/redis-rate-limiter.ts runs the same
 * arithmetic in Redis so several `serve` instances share one budget.
 *
 * GCRA with emission interval T = period / requests and tolerance τ = T × (burst − 1): a key's
 * state is its theoretical arrival time TAT. A request at `now` is allowed when
 * max(TAT, now) − now ≤ τ, and then TAT becomes max(TAT, now) + T; otherwise it is refused and
 * one more request fits after max(TAT, now) − τ − now. So `burst` requests pass at once after
 * idling, then one per T — the same admission as nginx's `limit_req burst=<burst − 1> nodelay`.
 */
import type { RateLimit } from '../core/rate-limit-config.ts';

/** The limiter's answer for one request. */
export interface RateLimitVerdict {
  allowed: boolean;
  /** When refused: milliseconds until one more request would be allowed; 0 when allowed. */
  retryAfterMs: number;
}

/** Counts allowed requests per endpoint + subject. */
export interface RateLimiter {
  /** Count one request of `subject` at `endpoint` against `limit`. Never rejects. */
  take(endpoint: string, subject: string, limit: RateLimit): Promise<RateLimitVerdict>;
  /** Release connections and timers. */
  close(): Promise<void>;
}

/** GCRA parameters of a limit, in milliseconds. */
export function gcraParams(limit: RateLimit): { interval: number; tolerance: number } {
  const interval = (limit.period * 1000) / limit.requests;
  return { interval, tolerance: interval * (limit.burst - 1) };
}

/** One GCRA step: the verdict and the key's new TAT (unchanged when refused). */
function gcraStep(tat: number | undefined, now: number, limit: RateLimit): { verdict: RateLimitVerdict; tat: number } {
  const { interval, tolerance } = gcraParams(limit);
  const start = tat === undefined || tat < now ? now : tat;
  if (start - now > tolerance) return { verdict: { allowed: false, retryAfterMs: start - tolerance - now }, tat: start };
  return { verdict: { allowed: true, retryAfterMs: 0 }, tat: start + interval };
}

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Milliseconds since the epoch (tests pass a fake clock). */
  now?: () => number;
  /** Most keys kept; past it expired keys are swept, then the oldest dropped. */
  maxKeys?: number;
}

/** Keys are endpoint + subject joined by a byte no endpoint id contains. */
function limiterKey(endpoint: string, subject: string): string {
  return endpoint + '\n' + subject;
}

/** An in-process limiter: each process has its own budget per subject. */
export function createMemoryRateLimiter(o: MemoryRateLimiterOptions = {}): RateLimiter & { size(): number } {
  const now = o.now ?? Date.now;
  const maxKeys = o.maxKeys ?? 100_000;
  // key → TAT (ms). A TAT in the past is the same as no entry, so expired ones are dropped freely.
  const tats = new Map<string, number>();

  function makeRoom(at: number): void {
    if (tats.size < maxKeys) return;
    for (const [key, tat] of tats) if (tat <= at) tats.delete(key);
    // Still full: forget the oldest-inserted keys; they restart with a full burst (bounded memory wins).
    while (tats.size >= maxKeys) tats.delete(tats.keys().next().value as string);
  }

  return {
    async take(endpoint, subject, limit) {
      const at = now();
      const key = limiterKey(endpoint, subject);
      const step = gcraStep(tats.get(key), at, limit);
      if (step.verdict.allowed) {
        if (!tats.has(key)) makeRoom(at);
        tats.set(key, step.tat);
      }
      return step.verdict;
    },
    async close() {
      tats.clear();
    },
    size: () => tats.size,
  };
}

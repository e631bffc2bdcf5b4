/**
 * Applies endpoints' per-subject rate limits on top of the cached decider: every allow — fresh or
 * answered from the decision cache — is counted for its endpoint + principal subject, and one over
 * the limit becomes core's 429 with Retry-After. Denials and token-less requests are never counted,
 * so nobody can spend another subject's budget without that subject's credentials.
 */
import { endpointById } from '../core/endpoint-match.ts';
import { rateLimitedResponse, retryAfterFromMs } from '../core/rate-limit.ts';
import type { CoreConfig } from '../core/types.ts';
import type { CachedDecider } from './decision-cache.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Wrap `decider` so allowed requests are counted by `limiter`; endpoints without a limit pass. */
export function withRateLimits(decider: CachedDecider, config: CoreConfig, limiter: RateLimiter): CachedDecider {
  // Nothing to count when no endpoint has a limit: skip the lookup on every request.
  if (!config.endpoints.some((e) => e.rate_limit)) return decider;
  return {
    async decide(req, options) {
      const result = await decider.decide(req, options);
      const d = result.decision;
      if (d.action !== 'allow') return result;
      const endpoint = endpointById(config, d.endpoint);
      const limit = endpoint?.rate_limit;
      if (!endpoint || !limit) return result;
      const verdict = await limiter.take(endpoint.id, d.principal.subject, limit);
      if (verdict.allowed) return result;
      return { decision: rateLimitedResponse(req, config, endpoint, d.principal.subject, retryAfterFromMs(verdict.retryAfterMs)), cached: result.cached };
    },
  };
}

/**
 * The answer to a request over its subject's rate limit, the same in every adapter: 429 Too Many
 * Requests (RFC 6585 §4) with Retry-After (RFC 9110 §10.2.3, delay-seconds) and a JSON error body.
 * Counting itself lives where the state is: nginx's limit_req, or src/node/rate-limiter.ts.
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';
import { denial } from './responses.ts';
import type { CoreRequest, Respond } from './types.ts';

/** The reason tag of a rate-limited request (logs, metrics). */
export const RATE_LIMITED = 'rate_limited';

/** Retry-After for a wait in milliseconds: whole seconds, rounded up, at least 1. */
export function retryAfterFromMs(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** The 429 for `subject` at `endpoint`; `retryAfter` in whole seconds. */
export function rateLimitedResponse(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig, subject: string, retryAfter: number): Respond {
  const d = denial(req, config, endpoint, RATE_LIMITED);
  d.headers['Retry-After'] = String(retryAfter);
  d.subject = subject;
  return d;
}

/**
 * An endpoint's per-subject request rate limit, as core and the nginx renderer read it. Counted
 * only for allowed requests, keyed on the authenticated subject (never on anything the client
 * chooses), so a flood of token-less or rejected requests cannot spend someone else's budget.
 */

/** `rate_limit:` of an endpoint, normalised. */
export interface RateLimit {
  /** Requests a subject may make per `period` seconds, steadily. */
  requests: number;
  /** Length of the rate's period in seconds: 1 (`requests_per_second`) or 60 (`requests_per_minute`). */
  period: number;
  /** Requests a subject may make at once, after being idle (the bucket size); at least 1. */
  burst: number;
}

/**
 * What every Node adapter does after a decision: count it, time it, and write one JSON log line
 * (core's decision record plus the adapter and whether the cache answered). Never a token.
 */
import { decisionRecord } from '../core/decision-log.ts';
import { RATE_LIMITED } from '../core/rate-limit.ts';
import type { CoreRequest, Decision } from '../core/types.ts';
import { createMetrics, type Metrics } from '../node/metrics.ts';
import { COMPANION_COUNTERS } from './companion-metrics.ts';

export type Adapter = 'forward_auth' | 'ext_authz';

/** The companion's metrics, declared in one place. */
export function serviceMetrics(): Metrics {
  return createMetrics({
    counters: {
      ...COMPANION_COUNTERS,
      mcp_authz_decisions_total: 'Authorization decisions by adapter, endpoint, decision and reason.',
      mcp_authz_check_errors_total: 'Checks that failed inside the service (answered as errors, never allowed).',
      mcp_authz_rate_limited_total: 'Requests refused with 429 because their subject exceeded the endpoint rate limit, by adapter and endpoint.',
      mcp_authz_rate_limit_store_errors_total: 'Requests the shared rate-limit store (Redis) could not count; they were counted in process instead.',
    },
    histograms: {
      mcp_authz_decision_seconds: 'Time to decide, by adapter and whether the decision cache answered.',
    },
  });
}

export interface Observer {
  decided(adapter: Adapter, req: CoreRequest, d: Decision, seconds: number, cached: boolean): void;
  failed(adapter: Adapter, err: unknown): void;
}

/** Bind metrics and a line writer (stdout in production, an array in tests). */
export function createObserver(metrics: Metrics, writeLine: (line: string) => void): Observer {
  return {
    decided(adapter, req, d, seconds, cached) {
      const record = decisionRecord(req, d);
      metrics.inc('mcp_authz_decisions_total', { adapter, endpoint: record.endpoint ?? '', decision: record.decision, reason: record.reason });
      metrics.observe('mcp_authz_decision_seconds', seconds, { adapter, cached: String(cached) });
      if (d.reason === RATE_LIMITED) metrics.inc('mcp_authz_rate_limited_total', { adapter, endpoint: record.endpoint ?? '' });
      writeLine(JSON.stringify(Object.assign({ time: new Date().toISOString(), adapter, cache: cached ? 'HIT' : 'MISS' }, record)));
    },
    failed(adapter, err) {
      metrics.inc('mcp_authz_check_errors_total', { adapter });
      writeLine(JSON.stringify({ time: new Date().toISOString(), adapter, decision: 'error', reason: 'check_failed', detail: (err as Error).message }));
    },
  };
}

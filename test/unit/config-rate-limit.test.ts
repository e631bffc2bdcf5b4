import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig, type LoadResult } from '../../src/config/load.ts';
import { maskSecrets } from '../../src/config/mask.ts';
import { collectWarnings } from '../../src/config/warnings.ts';
import { errorLines, oneEndpointYaml, validConfig as ok } from '../support/config-results.ts';

/** One endpoint with `rate_limit: <limit>` (omitted when undefined), plus top-level `extra`. */
function withLimit(limit: string | undefined, extra = ''): LoadResult {
  const rateLimit = limit === undefined ? '' : `    rate_limit: ${limit}\n`;
  return parseConfig(oneEndpointYaml(rateLimit + extra), { REDIS_URL: 'redis://:s3cret-pass@127.0.0.1:6379/2' });
}

describe('config: endpoints[].rate_limit', () => {
  it('is off by default', () => {
    assert.equal(ok(withLimit(undefined)).endpoints[0].rate_limit, null);
  });

  it('normalises a per-second rate; burst defaults to one period worth', () => {
    assert.deepEqual(ok(withLimit('{ requests_per_second: 10 }')).endpoints[0].rate_limit, { requests: 10, period: 1, burst: 10 });
  });

  it('normalises a per-minute rate with an explicit burst', () => {
    assert.deepEqual(ok(withLimit('{ requests_per_minute: 120, burst: 20 }')).endpoints[0].rate_limit, { requests: 120, period: 60, burst: 20 });
  });

  it('reaches core (and so the nginx renderer) unchanged', () => {
    const core = toCoreConfig(ok(withLimit('{ requests_per_minute: 30, burst: 5 }')));
    assert.deepEqual(core.endpoints[0].rate_limit, { requests: 30, period: 60, burst: 5 });
  });

  it('requires exactly one rate', () => {
    assert.deepEqual(errorLines(withLimit('{ burst: 5 }')), ['endpoints[0].rate_limit: must set requests_per_second or requests_per_minute']);
    assert.deepEqual(errorLines(withLimit('{ requests_per_second: 1, requests_per_minute: 60 }')), [
      'endpoints[0].rate_limit.requests_per_minute: set requests_per_second or requests_per_minute, not both',
    ]);
  });

  it('warns when a none strategy puts every anonymous caller in one budget', () => {
    const warnings = collectWarnings(ok(withLimit('{ requests_per_second: 5 }')));
    assert.ok(warnings.includes('endpoint "mcp": rate_limit is per subject, and every unauthenticated caller is "anonymous" (strategy "none"), so they all share one budget'), warnings.join('\n'));
    assert.ok(!collectWarnings(ok(withLimit(undefined))).some((w) => w.includes('rate_limit')));
  });

  it('reports every bad number at its path, and unknown keys', () => {
    const lines = errorLines(withLimit('{ requests_per_second: 0, burst: 1.5, per_hour: 3 }'));
    assert.ok(lines.includes('endpoints[0].rate_limit.requests_per_second: must be a whole number between 1 and 1000000'), lines.join('\n'));
    assert.ok(lines.includes('endpoints[0].rate_limit.burst: must be a whole number between 1 and 1000000'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('endpoints[0].rate_limit.per_hour: unknown key')), lines.join('\n'));
  });
});

describe('config: rate_limits (serve)', () => {
  it('defaults to counting in process', () => {
    assert.deepEqual(ok(withLimit(undefined)).rate_limits, { redis_url: null, key_prefix: 'mcp-authz:rl:', redis_timeout_ms: 100 });
  });

  it('takes a Redis URL from the environment and masks it when printed', () => {
    const config = ok(withLimit('{ requests_per_second: 5 }', 'rate_limits: { redis_url: "${REDIS_URL}", key_prefix: "prod:rl:", redis_timeout_ms: 50 }\n'));
    assert.deepEqual(config.rate_limits, { redis_url: 'redis://:s3cret-pass@127.0.0.1:6379/2', key_prefix: 'prod:rl:', redis_timeout_ms: 50 });
    assert.equal(maskSecrets(config).rate_limits?.redis_url, '***');
  });

  it('rejects a URL that is not redis:// and a zero timeout, at their paths', () => {
    const lines = errorLines(withLimit(undefined, 'rate_limits: { redis_url: "http://127.0.0.1:6379", redis_timeout_ms: 0 }\n'));
    assert.deepEqual(lines, [
      'rate_limits.redis_url: must be a redis:// or rediss:// URL',
      'rate_limits.redis_timeout_ms: must be a whole number between 1 and 10000',
    ]);
  });
});

/**
 * The configuration the rate-limit tests run every adapter with: static bearer tokens (no IdP
 * needed), two tokens for one subject, and endpoints with a slow limit (to spend), a fast one (to
 * watch refill), an upstream path, and the same upstream path without a limit (for comparison).
 */
import { parseConfig } from '../../src/config/load.ts';
import { toCoreConfig, type AppConfig } from '../../src/config/app-config.ts';

export const RL_PUBLIC = 'https://mcp.example.test';

/** Bearer tokens by name; `alice2` is a second token of subject alice. */
export const TOKENS = {
  alice: 'tok_alice_0123456789abcdef',
  alice2: 'tok_alice_second_0123456789',
  bob: 'tok_bob_0123456789abcdefgh',
  carol: 'tok_carol_0123456789abcdef',
  dave: 'tok_dave_0123456789abcdefg',
  erin: 'tok_erin_0123456789abcdefg',
};

/**
 * /slow/mcp: 1 per minute, 3 at once → Retry-After 60 in serve; 63 in nginx, whose limit_req keeps
 * 1r/m as 16 requests per 1000 s (one per 62.5 s).
 */
export const SLOW = { path: '/slow/mcp', burst: 3, retryAfter: '60', nginxRetryAfter: '63' };
/** /fast/mcp: 5 per second, 2 at once → one more every 200 ms, Retry-After 1. */
export const FAST = { path: '/fast/mcp', burst: 2, retryAfter: '1', intervalMs: 200 };

function tokens(): string {
  return Object.entries(TOKENS)
    .map(([name, token]) => `          - { token: ${token}, subject: ${name === 'alice2' ? 'alice' : name} }`)
    .join('\n');
}

function endpoint(path: string, upstream: string, limit: string): string {
  return `  - path: ${path}
    resource: ${RL_PUBLIC}${path}
    upstream: ${upstream}
${limit}    strategies:
      - type: bearer
        tokens:
${tokens()}
`;
}

/** The fixture as YAML; `extra` is appended at the top level (e.g. `rate_limits:`). */
export function rateLimitYaml(upstreamUrl: string, extra = ''): string {
  return `cors:
  allowed_origins: ["*"]
endpoints:
${endpoint(SLOW.path, upstreamUrl, '    rate_limit: { requests_per_minute: 1, burst: 3 }\n')}${endpoint(FAST.path, upstreamUrl, '    rate_limit: { requests_per_second: 5, burst: 2 }\n')}${endpoint('/pathed/mcp', upstreamUrl + '/base', '    rate_limit: { requests_per_second: 1000 }\n')}${endpoint('/plain/mcp', upstreamUrl + '/base', '')}${extra}`;
}

/** The parsed fixture. */
export function rateLimitApp(upstreamUrl: string, extra = ''): AppConfig {
  const r = parseConfig(rateLimitYaml(upstreamUrl, extra), {}, 'rate-limit fixture');
  if (!r.ok) throw new Error('rate-limit fixture invalid: ' + JSON.stringify(r.errors));
  return r.config;
}

export const rateLimitConfig = (upstreamUrl: string) => toCoreConfig(rateLimitApp(upstreamUrl));

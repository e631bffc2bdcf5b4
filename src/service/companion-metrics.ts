/**
 * Companion metrics, read off its structured event lines (the companion stays unaware of the
 * registry): tokens issued by grant type, client registrations, grants revoked, and replays —
 * a grant revoked at the token endpoint, which oidc-provider does when a code or refresh token is
 * presented again; requests refused by a rate limit.
 */
import type { Metrics } from '../node/metrics.ts';

/** Counter names and help texts, declared with the service's other metrics. */
export const COMPANION_COUNTERS: Record<string, string> = {
  mcp_authz_tokens_issued_total: 'Tokens issued by the companion, by grant type.',
  mcp_authz_registrations_total: 'Clients registered dynamically.',
  mcp_authz_grants_revoked_total: 'Grants revoked, by route (token: reuse detected; revocation: on request).',
  mcp_authz_replays_detected_total: 'Authorization codes or refresh tokens presented again (the grant was revoked).',
  mcp_authz_rate_limited_total: 'Requests to the companion refused with 429 (per-client-address rate limit), by route.',
};

/** Wrap the line writer: count each companion event, then write the line unchanged. */
export function tapCompanionEvents(metrics: Metrics, write: (line: string) => void): (line: string) => void {
  return (line) => {
    try {
      const e = JSON.parse(line) as { component?: string; event?: string; grant_type?: string; route?: string };
      if (e.component === 'companion') count(metrics, e);
    } catch {
      // Not JSON: nothing to count.
    }
    write(line);
  };
}

function count(metrics: Metrics, e: { event?: string; grant_type?: string; route?: string }): void {
  if (e.event === 'token.issued') metrics.inc('mcp_authz_tokens_issued_total', { grant_type: e.grant_type ?? '' });
  else if (e.event === 'client.registered') metrics.inc('mcp_authz_registrations_total');
  else if (e.event === 'rate_limited') metrics.inc('mcp_authz_rate_limited_total', { route: e.route ?? '' });
  else if (e.event === 'grant.revoked') {
    metrics.inc('mcp_authz_grants_revoked_total', { route: e.route ?? '' });
    if (e.route === 'token') metrics.inc('mcp_authz_replays_detected_total');
  }
}

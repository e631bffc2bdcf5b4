/** Companion events become counters; other lines pass through untouched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tapCompanionEvents } from '../../src/service/companion-metrics.ts';
import { serviceMetrics } from '../../src/service/observe.ts';

test('counts tokens issued, registrations, revocations and replays; writes every line', () => {
  const metrics = serviceMetrics();
  const written: string[] = [];
  const write = tapCompanionEvents(metrics, (l) => written.push(l));
  const ev = (event: string, extra: Record<string, string> = {}) => JSON.stringify(Object.assign({ component: 'companion', event }, extra));
  const lines = [
    ev('token.issued', { grant_type: 'authorization_code' }),
    ev('token.issued', { grant_type: 'refresh_token' }),
    ev('client.registered'),
    ev('grant.revoked', { route: 'token' }),
    ev('grant.revoked', { route: 'revocation' }),
    ev('rate_limited', { route: 'token' }),
    ev('rate_limited', { route: 'token' }),
    ev('rate_limited', { route: 'register' }),
    '{"adapter":"forward_auth","decision":"allow"}',
    'not json',
  ];
  lines.forEach(write);
  assert.deepEqual(written, lines);
  const text = metrics.render();
  assert.match(text, /mcp_authz_tokens_issued_total\{grant_type="authorization_code"\} 1/);
  assert.match(text, /mcp_authz_tokens_issued_total\{grant_type="refresh_token"\} 1/);
  assert.match(text, /mcp_authz_registrations_total 1/);
  assert.match(text, /mcp_authz_grants_revoked_total\{route="token"\} 1/);
  assert.match(text, /mcp_authz_grants_revoked_total\{route="revocation"\} 1/);
  assert.match(text, /mcp_authz_replays_detected_total 1\n/);
  assert.match(text, /mcp_authz_rate_limited_total\{route="token"\} 2/);
  assert.match(text, /mcp_authz_rate_limited_total\{route="register"\} 1/);
});

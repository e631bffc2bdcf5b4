/**
 * Outbound credentials through forward-auth: REAL Caddy 2.6 forward_auth and REAL nginx
 * auth_request (the documented recipe plus this fixture's extra header) in front of the Node
 * forward-auth endpoint with the Node credential port and a real oidc-provider token endpoint.
 * Query API keys differ (forward-auth can only copy headers), see the scenario table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import type { CoreConfig } from '../../src/core/types.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { OUTBOUND_SCENARIOS } from '../contract/outbound-scenarios.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import type { RunningCaddy } from '../support/caddy.ts';
import { startForwardAuthEndpoint, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startCaddyForwardAuth, startNginxAuthRequest } from '../support/forward-auth-proxies.ts';
import { request } from '../support/http.ts';
import type { RunningNginx } from '../support/nginx.ts';
import { startOutboundWorld, type OutboundWorld } from '../support/outbound-world.ts';

/** This fixture's upstream key header, added to the shipped recipe (auth_request_set + proxy_set_header). */
const NGINX_KEY_HEADER: Array<[string, string]> = [
  ['        proxy_set_header Remote-Groups  $mcp_authz_remote_groups;\n', '        proxy_set_header Remote-Groups  $mcp_authz_remote_groups;\n        auth_request_set $mcp_authz_upstream_key $upstream_http_x_upstream_key;\n        proxy_set_header X-Upstream-Key $mcp_authz_upstream_key;\n'],
];

describe('outbound credentials: forward-auth behind Caddy forward_auth', () => {
  let world: OutboundWorld;
  let config: CoreConfig;
  let authz: ForwardAuthEndpoint;
  let caddy: RunningCaddy;
  before(async () => {
    world = await startOutboundWorld();
    config = toCoreConfig(world.app);
    authz = await startForwardAuthEndpoint(config);
    caddy = await startCaddyForwardAuth(authz.port, world.upstream.port, forwardAuthHeaderNames(config));
  });
  after(async () => {
    await caddy?.stop();
    await authz?.stop();
    await world?.stop();
  });

  const send = sendThroughProxy(() => caddy.url, () => world.upstream);
  runScenarioTable('forward_auth_caddy', () => ({ issuer: world.issuer, send }), OUTBOUND_SCENARIOS);

  it('the names to copy include Authorization and the upstream key header', () => {
    const names = forwardAuthHeaderNames(config).map((n) => n.toLowerCase());
    assert.ok(names.includes('authorization'));
    assert.ok(names.includes('x-upstream-key'));
  });

  it('client_credentials: 10 concurrent requests (distinct users) through Caddy → 1 token request', async () => {
    world.idp.calls.length = 0;
    world.idp.setDelay(300);
    // A fresh forward-auth endpoint: empty credential cache.
    const fresh = await startForwardAuthEndpoint(config);
    const c2 = await startCaddyForwardAuth(fresh.port, world.upstream.port, forwardAuthHeaderNames(config));
    try {
      const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => world.issuer.mint({ sub: 'c' + i, aud: PUBLIC + '/cc/mcp', scope: 'mcp:tools' })));
      world.upstream.clear();
      const res = await Promise.all(tokens.map((t) => request(c2.url + '/cc/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + t }, body: '{}' })));
      for (const r of res) assert.equal(r.status, 200);
      assert.equal(world.idp.calls.length, 1);
      assert.equal(new Set(world.upstream.requests.map((r) => r.headers.authorization)).size, 1);
    } finally {
      world.idp.setDelay(0);
      await c2.stop();
      await fresh.stop();
    }
  });

  it('IdP down, nothing cached → the client gets 503 from the check, the upstream nothing', async () => {
    const fresh = await startForwardAuthEndpoint(config);
    const c2 = await startCaddyForwardAuth(fresh.port, world.upstream.port, forwardAuthHeaderNames(config));
    await world.idp.down();
    try {
      const t = await world.issuer.mint({ sub: 'alice', aud: PUBLIC + '/cc/mcp', scope: 'mcp:tools' });
      world.upstream.clear();
      const r = await request(c2.url + '/cc/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + t }, body: '{}' });
      assert.equal(r.status, 503);
      assert.equal(world.upstream.requests.length, 0);
    } finally {
      await world.idp.up();
      await c2.stop();
      await fresh.stop();
    }
  });
});

describe('outbound credentials: forward-auth behind nginx auth_request', () => {
  let world: OutboundWorld;
  let authz: ForwardAuthEndpoint;
  let nginx: RunningNginx;
  before(async () => {
    world = await startOutboundWorld();
    authz = await startForwardAuthEndpoint(toCoreConfig(world.app));
    nginx = await startNginxAuthRequest(authz.port, world.upstream.port, NGINX_KEY_HEADER);
  });
  after(async () => {
    await nginx?.stop();
    await authz?.stop();
    await world?.stop();
  });

  const send = sendThroughProxy(() => nginx.url as string, () => world.upstream);
  runScenarioTable('forward_auth_nginx', () => ({ issuer: world.issuer, send }), OUTBOUND_SCENARIOS);
});

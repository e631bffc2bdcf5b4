/**
 * The scenario table through REAL Caddy 2.6 (Debian) `forward_auth` → the forward-auth endpoint,
 * with `reverse_proxy` to a recording upstream. Caddy speaks Traefik's forwardAuth contract
 * (X-Forwarded-Method/Uri/Proto/Host/For; 2xx continues with copied headers; anything else is
 * returned to the client), so this is also the executable Traefik recipe minus Traefik.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import type { RunningCaddy } from '../support/caddy.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startForwardAuthEndpoint, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startCaddyForwardAuth } from '../support/forward-auth-proxies.ts';
import { request } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';

/** The names the brief (and the README) tell Caddy users to copy, for this configuration. */
const COPY = ['X-MCP-Subject', 'X-MCP-Email', 'X-MCP-Groups', 'X-MCP-Scopes', 'Authorization', 'X-API-Key', 'Remote-User', 'Remote-Email', 'Remote-Groups'];

describe('scenario table: forward-auth behind Caddy forward_auth', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: ForwardAuthEndpoint;
  let caddy: RunningCaddy;
  let config: CoreConfig;
  const lines: string[] = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    authz = await startForwardAuthEndpoint(config, { writeLine: (line) => lines.push(line) });
    caddy = await startCaddyForwardAuth(authz.port, upstream.port, COPY, { metadataRoute: true });
  });
  after(async () => {
    await caddy?.stop();
    await authz?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const send = sendThroughProxy(() => caddy.url, () => upstream);

  runScenarioTable('forward_auth_caddy', () => ({ issuer, send }));

  it('the names to copy are exactly what forwardAuthHeaderNames reports', () => {
    assert.deepEqual(forwardAuthHeaderNames(config).map((n) => n.toLowerCase()), COPY.map((n) => n.toLowerCase()));
  });

  it('the upstream gets the body and the original path; no placeholder text leaks', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: 'https://mcp.example.test/mcp', scope: 'mcp:tools' });
    upstream.clear();
    const res = await request(caddy.url + '/mcp?x=1', { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0"}' });
    assert.equal(res.status, 200);
    const seen = upstream.requests[0];
    assert.equal(seen.body, '{"jsonrpc":"2.0"}');
    assert.equal(seen.url, '/mcp?x=1');
    for (let i = 1; i < seen.rawHeaders.length; i += 2) assert.doesNotMatch(seen.rawHeaders[i], /\{http\./, seen.rawHeaders[i - 1]);
  });

  it('logs one line per decision, with Caddy\'s client address', () => {
    const allowed = lines.map((l) => JSON.parse(l)).filter((r) => r.decision === 'allow');
    assert.ok(allowed.length > 0);
    assert.equal(allowed[0].adapter, 'forward_auth');
    assert.equal(allowed[0].client_ip, '127.0.0.1');
  });
});

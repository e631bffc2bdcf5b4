/**
 * The scenario table through REAL nginx (Debian's 1.22) `auth_request` → the forward-auth endpoint,
 * using nginx/auth-request-example.conf verbatim (only its three addresses are replaced), so the
 * documented recipe is what is tested.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureConfig } from '../contract/fixture-config.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startForwardAuthEndpoint, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startNginxAuthRequest } from '../support/forward-auth-proxies.ts';
import { request } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import type { RunningNginx } from '../support/nginx.ts';

describe('scenario table: forward-auth behind nginx auth_request', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let authz: ForwardAuthEndpoint;
  let nginx: RunningNginx;
  const lines: string[] = [];
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream();
    const config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url });
    authz = await startForwardAuthEndpoint(config, { writeLine: (line) => lines.push(line) });
    nginx = await startNginxAuthRequest(authz.port, upstream.port);
  });
  after(async () => {
    await nginx?.stop();
    await authz?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const send = sendThroughProxy(() => nginx.url as string, () => upstream);

  runScenarioTable('forward_auth_nginx', () => ({ issuer, send }));

  it('a status auth_request cannot pass (404; it becomes a bare 500) is replayed exactly', async () => {
    const res = await request(nginx.url + '/nope', { headers: { origin: 'https://x.example' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['www-authenticate'], undefined);
    assert.deepEqual(JSON.parse(res.body), { error: 'not_found', error_description: 'Not found' });
  });

  it('the check sees the original method, raw URI and client, and the upstream gets the body', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: 'https://mcp.example.test/mcp', scope: 'mcp:tools' });
    upstream.clear();
    lines.length = 0;
    const res = await request(nginx.url + '/mcp?x=1', { method: 'DELETE', headers: { authorization: 'Bearer ' + token }, body: 'bye', localAddress: '127.0.0.2' });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests[0].body, 'bye');
    const record = JSON.parse(lines[0]);
    assert.deepEqual([record.method, record.path, record.client_ip, record.decision], ['DELETE', '/mcp', '127.0.0.2', 'allow']);
    assert.match(record.request_id, /^[0-9a-f]{32}$/);
  });
});

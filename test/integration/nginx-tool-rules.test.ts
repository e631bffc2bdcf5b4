/**
 * Per-tool rules and the header allow-list in real nginx (Debian's 1.22 + njs 0.7.9): the tool
 * gate reads POST bodies after auth_request, refuses or internal-redirects to the named upstream
 * location; the recording upstream shows what got through, byte for byte, and SSE still streams.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { toolFixtureConfig } from '../contract/tool-fixture.ts';
import { TOOL_SCENARIOS } from '../contract/tool-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { request } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';
import { readArrivals } from '../support/event-stream.ts';

describe('tool rules table: njs in nginx', () => {
  let issuer: RunningIssuer;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    issuer = await startIssuer();
    upstream = await startEchoUpstream({ sseEvents: 3, sseDelayMs: 300 });
    nginx = await startProtectedNginx(toolFixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: upstream.url }));
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await issuer?.stop();
  });

  const send = sendThroughProxy(() => nginx.url, () => upstream);
  runScenarioTable('njs', () => ({ issuer, send }), TOOL_SCENARIOS);

  const token = (scope: string): Promise<string> => issuer.mint({ sub: 'alice', aud: PUBLIC + '/tools/mcp', scope });

  it('an allowed tools/call reaches the upstream with its body intact (internal redirect keeps it)', async () => {
    upstream.clear();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_repo', arguments: { note: 'héllo ✓' } } });
    const res = await request(nginx.url + '/tools/mcp?x=1', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + (await token('mcp:tools admin')) }, body });
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0].body, body);
    assert.equal(upstream.requests[0].url, '/tools/mcp?x=1');
    assert.equal(upstream.requests[0].method, 'POST');
  });

  it('after the gate, an SSE response streams event by event (proxy_buffering off in the named location)', async () => {
    upstream.clear();
    const started = Date.now();
    const res = await fetch(nginx.url + '/tools/mcp/sse', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer ' + (await token('mcp:tools')) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_file' } }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const { text, arrivals } = await readArrivals(res, started);
    assert.equal((text.match(/event: tick/g) ?? []).length, 3);
    // Three events 300 ms apart: the first arrives well before the last was written.
    assert.ok(arrivals.length >= 2, 'events arrive in more than one read: ' + arrivals.join(','));
    assert.ok(arrivals[arrivals.length - 1] - arrivals[0] >= 400, 'spread over time: ' + arrivals.join(','));
  });

  it('logs the tool refusal with its reason in the decision log', async () => {
    await request(nginx.url + '/tools/mcp', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + (await token('mcp:tools')) }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_x' } }) });
    // nginx writes the line when the request is finalised, just after the response.
    let last: Record<string, string> = {};
    for (let i = 0; i < 40 && last.status !== '403'; i++) {
      const lines = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8').trim().split('\n');
      last = JSON.parse(lines[lines.length - 1]);
      if (last.status !== '403') await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(last.status, '403');
    assert.equal(last.decision, 'deny');
    assert.equal(last.reason, 'insufficient_scope');
    assert.equal(last.subject, 'alice');
  });
});

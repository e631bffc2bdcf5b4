/**
 * Several protected MCP endpoints in one configuration, through real nginx with the generated
 * module (issue 5 item 4): each endpoint has its own recording upstream, strategies, policy,
 * resource metadata, outbound credential, tool rules and rate limit (test/contract/combined-fixture.ts).
 * The features were built and tested one by one; here they meet in one conf, where an endpoint
 * ends in the tool gate, which continues to the rate-limited named location, which proxies with
 * the outbound credential, the allow-list and an upstream path rewrite.
 * The second suite runs the same configuration in `mcp-authz serve` (startService) behind real Caddy
 * forward_auth, one route per endpoint, for what forward-auth supports (no request body: tool-gated
 * POSTs are 500 there, as the README says; no allow-list; no query key), and asks the same
 * service's ext_authz listener over gRPC what it would tell Envoy (which gets the body).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { resolveTokenEndpoints } from '../../src/config/resolve-token-endpoints.ts';
import { fetchJson } from '../../src/node/node-ports.ts';
import { A_LIMIT, B_KEYS, B_LIMIT, D_LIMIT, E_LIMIT, F_TOKEN, G_LIMIT, COMBO_CC_CLIENT, COMBO_XCHG_CLIENT, COMBO_STATIC, COMBO_UPSTREAM_KEY, comboConfig } from '../contract/combined-fixture.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { startEchoUpstream, type EchoUpstream, type Recorded } from '../support/echo-upstream.ts';
import { request, type HttpResponse } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';
import { startTokenIdp, type TokenIdp } from '../support/token-idp.ts';
import { startIntrospectionIdp, type IntrospectionIdp } from '../support/introspection-idp.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { createExtAuthzClient, type DecodedCheckResponse } from '../../src/envoy/client.ts';
import { ENDPOINT_EXTENSION, type CheckRequestMessage } from '../../src/envoy/request.ts';
import { startCaddy, type RunningCaddy } from '../support/caddy.ts';
import { freePort } from '../support/free-port.ts';
import { readArrivals } from '../support/event-stream.ts';

/** The one request an upstream recorded. */
function only(r: Recorded[], what: string): Recorded {
  assert.equal(r.length, 1, what + ': ' + JSON.stringify(r.map((x) => x.url)));
  return r[0];
}

/** The token IdP: client_credentials for C, token exchange (subject tokens for E) for E. */
function startComboIdp(issuer: RunningIssuer): Promise<TokenIdp> {
  return startTokenIdp({
    clients: [
      { ...COMBO_CC_CLIENT, token_endpoint_auth_method: 'client_secret_basic' },
      { ...COMBO_XCHG_CLIENT, token_endpoint_auth_method: 'client_secret_basic' },
    ],
    subjectIssuer: { url: issuer.url, jwksUri: issuer.jwksUri },
    subjectAudience: PUBLIC + '/e/mcp',
  });
}

function introspectionDeps(i: IntrospectionIdp): { issuer: string; endpoint: string; clientId: string } {
  return { issuer: i.issuer, endpoint: i.introspectionUrl, clientId: i.basicClient.id };
}

const call = (name: string, id = 1, args: Record<string, unknown> = {}): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('nginx: seven endpoints in one configuration, every feature combined', () => {
  let issuer: RunningIssuer;
  let idp: TokenIdp;
  let upA: EchoUpstream;
  let upB: EchoUpstream;
  let upC: EchoUpstream;
  let upD: EchoUpstream;
  let upE: EchoUpstream;
  let upF: EchoUpstream;
  let upG: EchoUpstream;
  let intro: IntrospectionIdp;
  let nginx: ProtectedNginx;

  before(async () => {
    issuer = await startIssuer();
    upA = await startEchoUpstream({ sseEvents: 3, sseDelayMs: 300 });
    upB = await startEchoUpstream();
    upC = await startEchoUpstream();
    upD = await startEchoUpstream();
    upE = await startEchoUpstream();
    upF = await startEchoUpstream();
    upG = await startEchoUpstream();
    intro = await startIntrospectionIdp();
    idp = await startComboIdp(issuer);
    const app = comboConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamA: upA.url, upstreamB: upB.url, upstreamC: upC.url, upstreamD: upD.url, upstreamE: upE.url, upstreamF: upF.url, upstreamG: upG.url, introspection: introspectionDeps(intro), idpUrl: idp.issuer }, intro.basicClient.secret);
    const resolved = await resolveTokenEndpoints(app, fetchJson);
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    nginx = await startProtectedNginx(toCoreConfig(resolved.config));
  });
  after(async () => {
    await nginx?.stop();
    await idp?.stop();
    await intro?.stop();
    await upG?.stop();
    await upF?.stop();
    await upE?.stop();
    await upD?.stop();
    await upC?.stop();
    await upB?.stop();
    await upA?.stop();
    await issuer?.stop();
  });

  const clearAll = (): void => {
    upA.clear();
    upB.clear();
    upC.clear();
    upD.clear();
    upE.clear();
    upF.clear();
    upG.clear();
  };
  const token = (sub: string, endpoint: 'a' | 'c' | 'e', scope: string): Promise<string> =>
    issuer.mint({ sub, aud: `${PUBLIC}/${endpoint}/mcp`, scope });
  const post = (path: string, headers: Record<string, string>, body: string): Promise<HttpResponse> =>
    request(nginx.url + path, { method: 'POST', headers: Object.assign({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, headers), body });

  it('resource metadata differs per endpoint (resource, scopes_supported, resource_name)', async () => {
    const prm = async (p: string): Promise<Record<string, unknown>> => {
      const res = await request(nginx.url + '/.well-known/oauth-protected-resource' + p);
      assert.equal(res.status, 200, p + ': ' + res.body);
      return JSON.parse(res.body);
    };
    const a = await prm('/a/mcp');
    const b = await prm('/b/mcp');
    const c = await prm('/c/mcp');
    assert.equal(a.resource, PUBLIC + '/a/mcp');
    assert.equal(b.resource, PUBLIC + '/b/mcp');
    assert.equal(c.resource, PUBLIC + '/c/mcp');
    assert.deepEqual(a.scopes_supported, ['mcp:tools']);
    assert.deepEqual(b.scopes_supported, ['b:use']);
    assert.deepEqual(c.scopes_supported, ['c:read', 'c:write']);
    assert.equal(a.resource_name, 'Endpoint A');
    assert.equal(c.resource_name, undefined);
    assert.deepEqual(a.authorization_servers, [issuer.url]);
    // The challenge on each endpoint points at its own document.
    const none = await post('/c/mcp', {}, call('read_x'));
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /resource_metadata="[^"]*\/\.well-known\/oauth-protected-resource\/c\/mcp"/);
    assert.match(String(none.headers['www-authenticate']), /scope="c:read"/);
  });

  it('A: an allowed tool call reaches only A, body intact, with our static token, identity set, allow-list enforced', async () => {
    clearAll();
    const client = await token('alice', 'a', 'mcp:tools');
    const body = call('read_file', 7, { note: 'héllo ✓' });
    const res = await post('/a/mcp?x=1', { authorization: 'Bearer ' + client, 'x-trace-id': 'trace-123', 'x-other': 'secret-ish', 'x-mcp-subject': 'mallory', 'mcp-session-id': 'sess-1' }, body);
    assert.equal(res.status, 200, res.body);
    const got = only(upA.requests, 'A');
    assert.equal(upB.requests.length + upC.requests.length, 0, 'nothing at B or C');
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/a/mcp?x=1');
    assert.equal(got.body, body);
    assert.equal(got.headers.authorization, 'Bearer ' + COMBO_STATIC, 'our credential, not the client token');
    assert.ok(!JSON.stringify(got.rawHeaders).includes(client), 'the client token reaches the upstream nowhere');
    assert.equal(got.headers['x-mcp-subject'], 'alice');
    assert.equal(got.headers['x-mcp-scopes'], 'mcp:tools');
    assert.equal(got.headers['x-trace-id'], 'trace-123', 'allow-listed header passes');
    assert.equal(got.headers['x-other'], undefined, 'a header not on the allow-list is dropped');
    assert.equal(got.headers['mcp-session-id'], 'sess-1', 'MCP headers always pass');
  });

  it("A: a forbidden tool → 403 insufficient_scope with the step-up scope; nothing upstream; with mcp:admin → 200", async () => {
    clearAll();
    const weak = await token('alice', 'a', 'mcp:tools');
    const res = await post('/a/mcp', { authorization: 'Bearer ' + weak }, call('delete_repo'));
    assert.equal(res.status, 403, res.body);
    const challenge = String(res.headers['www-authenticate']);
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="mcp:tools mcp:admin"/);
    assert.match(challenge, /resource_metadata="[^"]*\/a\/mcp"/);
    assert.equal(upA.requests.length + upB.requests.length + upC.requests.length + upD.requests.length, 0);
    const admin = await token('root', 'a', 'mcp:tools mcp:admin');
    const ok = await post('/a/mcp', { authorization: 'Bearer ' + admin }, call('delete_repo', 2));
    assert.equal(ok.status, 200, ok.body);
    assert.equal(only(upA.requests, 'A').body, call('delete_repo', 2));
  });

  it('B: the API key strategy; B upstream gets our key in X-Upstream-Key, never the client key or Authorization', async () => {
    clearAll();
    const res = await post('/b/mcp/x?y=2', { 'x-api-key': B_KEYS.bot, authorization: 'Basic Y2xpZW50OnNlY3JldA==', 'x-upstream-key': 'client-forged' }, call('anything'));
    assert.equal(res.status, 200, res.body);
    const got = only(upB.requests, 'B');
    assert.equal(upA.requests.length + upC.requests.length, 0);
    assert.equal(got.url, '/b/mcp/x?y=2');
    assert.equal(got.headers['x-upstream-key'], COMBO_UPSTREAM_KEY);
    assert.equal(got.headers['x-api-key'], undefined, 'the client key is stripped');
    assert.equal(got.headers.authorization, undefined, "the client's Authorization is stripped");
    assert.equal(got.headers['x-mcp-subject'], 'bot');
    assert.equal(got.headers['x-mcp-scopes'], 'b:use');
    // A jwt for A is no credential on B.
    const wrong = await post('/b/mcp', { authorization: 'Bearer ' + (await token('alice', 'a', 'mcp:tools')) }, '{}');
    assert.equal(wrong.status, 401);
  });

  it('B: the bypass path reaches B without any credential or identity', async () => {
    clearAll();
    const res = await request(nginx.url + '/b/mcp/health', { headers: { authorization: 'Bearer client-junk', 'x-api-key': B_KEYS.bot, 'x-mcp-subject': 'mallory' } });
    assert.equal(res.status, 200, res.body);
    const got = only(upB.requests, 'B bypass');
    assert.equal(got.url, '/b/mcp/health');
    assert.equal(got.headers['x-upstream-key'], undefined, 'our credential is not sent on a public path');
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-api-key'], undefined);
    assert.equal(got.headers['x-mcp-subject'], undefined);
    // Only the listed path is public.
    assert.equal((await request(nginx.url + '/b/mcp/healthz')).status, 401);
  });

  it('C: upstream gets the client_credentials token from the IdP, under /base/; client token never', async () => {
    clearAll();
    idp.calls.length = 0;
    const client = await token('alice', 'c', 'c:read');
    const r1 = await post('/c/mcp', { authorization: 'Bearer ' + client }, call('read_x'));
    assert.equal(r1.status, 200, r1.body);
    const r2 = await post('/c/mcp/sub/path?q=1', { authorization: 'Bearer ' + client }, call('read_y'));
    assert.equal(r2.status, 200, r2.body);
    assert.equal(upC.requests.length, 2);
    assert.equal(upA.requests.length + upB.requests.length, 0);
    assert.equal(upC.requests[0].url, '/base/');
    assert.equal(upC.requests[1].url, '/base/sub/path?q=1');
    assert.equal(upC.requests[1].body, call('read_y'));
    const auth = String(upC.requests[0].headers.authorization);
    assert.match(auth, /^Bearer /);
    assert.notEqual(auth, 'Bearer ' + client);
    assert.ok(await idp.provider.ClientCredentials.find(auth.slice(7)), 'a token the IdP issued');
    assert.equal(upC.requests[1].headers.authorization, auth, 'cached: the same token');
    assert.equal(idp.calls.length, 1);
    assert.deepEqual(idp.calls[0].form, { grant_type: 'client_credentials', scope: 'upstream:read' });
    assert.equal(upC.requests[0].headers['x-mcp-subject'], 'alice');
    // C's own policy and tool rule; A's token is for another audience.
    assert.equal((await post('/c/mcp', { authorization: 'Bearer ' + (await token('alice', 'c', 'mcp:tools')) }, call('read_x'))).status, 403);
    const step = await post('/c/mcp', { authorization: 'Bearer ' + client }, call('write_x'));
    assert.equal(step.status, 403);
    assert.match(String(step.headers['www-authenticate']), /scope="c:read c:write"/);
    assert.equal((await post('/c/mcp', { authorization: 'Bearer ' + (await token('alice', 'a', 'c:read')) }, call('read_x'))).status, 401);
    assert.equal(upC.requests.length, 2, 'refusals reach nothing');
  });

  it('rate limits count per subject and per endpoint: exhausting A leaves B, C and other A subjects alone; a gated POST over the limit gets 429', async () => {
    upA.clear();
    const carol = await token('carol', 'a', 'mcp:tools');
    // Forbidden tool calls are refused by the gate before the limit: they spend nothing.
    for (let i = 0; i < 4; i++) assert.equal((await post('/a/mcp', { authorization: 'Bearer ' + carol }, call('delete_' + i))).status, 403);
    for (let i = 0; i < A_LIMIT.burst; i++) {
      const r = await post('/a/mcp', { authorization: 'Bearer ' + carol }, call('read_' + i));
      assert.equal(r.status, 200, 'carol ' + (i + 1) + ': ' + r.body);
    }
    // Repeats of one token are decision-cache hits: the cached decision still carries our credential.
    const carols = upA.requests.filter((r) => r.headers['x-mcp-subject'] === 'carol');
    assert.equal(carols.length, A_LIMIT.burst);
    for (const r of carols) assert.equal(r.headers.authorization, 'Bearer ' + COMBO_STATIC);
    clearAll();
    const over = await post('/a/mcp', { authorization: 'Bearer ' + carol, origin: 'https://inspector.example' }, call('read_more'));
    assert.equal(over.status, 429, over.body);
    assert.equal(over.headers['retry-after'], A_LIMIT.retryAfter);
    assert.equal(JSON.parse(over.body).error, 'rate_limited');
    assert.equal(over.headers['access-control-allow-origin'], '*');
    // A GET (no body for the gate) is limited too.
    assert.equal((await request(nginx.url + '/a/mcp', { headers: { authorization: 'Bearer ' + carol } })).status, 429);
    assert.equal(upA.requests.length, 0, 'nothing over the limit reached A');
    // Another subject on A still has its own budget.
    assert.equal((await post('/a/mcp', { authorization: 'Bearer ' + (await token('dave', 'a', 'mcp:tools')) }, call('read_z'))).status, 200);
    // The same subject name on C (unlimited) and on B (its own zone) is unaffected.
    for (let i = 0; i < 5; i++) assert.equal((await post('/c/mcp', { authorization: 'Bearer ' + (await token('carol', 'c', 'c:read')) }, call('read_' + i))).status, 200);
    const bCarol = await post('/b/mcp', { 'x-api-key': B_KEYS.carol }, '{}');
    assert.equal(bCarol.status, 200, bCarol.body);
    assert.equal(upB.requests.at(-1)?.headers['x-mcp-subject'], 'carol');
    assert.equal((await post('/b/mcp', { 'x-api-key': B_KEYS.alice }, '{}')).status, 200);

    // B: alice has spent 1 above; one more fits (burst 2), then 429. A's alice is a separate budget.
    assert.equal((await post('/b/mcp', { 'x-api-key': B_KEYS.alice }, '{}')).status, 200);
    upB.clear();
    const bOver = await post('/b/mcp', { 'x-api-key': B_KEYS.alice }, '{}');
    assert.equal(bOver.status, 429);
    assert.equal(bOver.headers['retry-after'], B_LIMIT.retryAfter);
    assert.equal(upB.requests.length, 0);
    // The public path is never limited (no subject).
    for (let i = 0; i < 4; i++) assert.equal((await request(nginx.url + '/b/mcp/health')).status, 200);
    const aliceA = await token('alice2', 'a', 'mcp:tools');
    assert.equal((await post('/a/mcp', { authorization: 'Bearer ' + aliceA }, call('read_q'))).status, 200);
    assert.equal((await post('/c/mcp', { authorization: 'Bearer ' + (await token('alice', 'c', 'c:read')) }, call('read_q'))).status, 200);
  });

  it('A: SSE still streams event by event through the gate, the limit and our credential', async () => {
    upA.clear();
    const t = await token('sse-user', 'a', 'mcp:tools');
    const started = Date.now();
    const res = await fetch(nginx.url + '/a/mcp/sse', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer ' + t },
      body: call('read_stream'),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const { text, arrivals } = await readArrivals(res, started);
    assert.equal((text.match(/event: tick/g) ?? []).length, 3);
    assert.ok(arrivals.length >= 2 && arrivals[arrivals.length - 1] - arrivals[0] >= 400, 'spread over time: ' + arrivals.join(','));
    const got = only(upA.requests, 'A sse');
    assert.equal(got.headers.authorization, 'Bearer ' + COMBO_STATIC);
    assert.equal(got.url, '/a/mcp/sse');
  });

  it('A: its public path reaches A through the tool gate and the rate limit, without credential or identity', async () => {
    clearAll();
    for (let i = 0; i < A_LIMIT.burst + 2; i++) {
      const res = await request(nginx.url + '/a/mcp/health', { headers: { authorization: 'Bearer client-junk', 'x-trace-id': 't' + i } });
      assert.equal(res.status, 200, 'public GET ' + (i + 1) + ': ' + res.body);
    }
    const got = upA.requests[0];
    assert.equal(upA.requests.length, A_LIMIT.burst + 2, 'never limited (no subject)');
    assert.equal(got.url, '/a/mcp/health');
    assert.equal(got.headers.authorization, undefined, 'neither the client token nor ours');
    assert.equal(got.headers['x-mcp-subject'], undefined);
    assert.equal(got.headers['x-trace-id'], 't0');

    // The tool rules still judge a public path's POSTs, with no principal: a ruled tool is refused,
    // a non-JSON body is 400 (core's bypass decision does the same since this test found the
    // Node adapters skipping them).
    assert.equal((await post('/a/mcp/health', {}, call('delete_x'))).status, 403);
    assert.equal((await post('/a/mcp/health', {}, 'not json')).status, 400);
    assert.equal((await post('/a/mcp/health', {}, call('read_x'))).status, 200);
  });

  it('D: script validator + group tool rule + query API key + rate limit, through the gate and the limited location', async () => {
    clearAll();
    const body = call('deploy', 3);
    const ok = await post('/d/mcp/run?x=1&api_key=client-copy', { authorization: 'Bearer alice-token' }, body);
    assert.equal(ok.status, 200, ok.body);
    const got = only(upD.requests, 'D');
    assert.equal(upA.requests.length + upB.requests.length + upC.requests.length, 0);
    const url = new URL(got.url, 'http://upstream');
    assert.equal(url.pathname, '/d/mcp/run');
    assert.equal(url.searchParams.get('x'), '1');
    assert.deepEqual(url.searchParams.getAll('api_key'), [COMBO_UPSTREAM_KEY], 'our key replaces the client copy');
    assert.equal(got.body, body);
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-mcp-subject'], 'alice');
    assert.equal(got.headers['x-mcp-groups'], 'eng,ops');
    // The session subject has no groups: the deploy rule refuses it (access_denied, no step-up).
    const denied = await post('/d/mcp', { 'x-session': 'sess-alice' }, call('deploy'));
    assert.equal(denied.status, 403, denied.body);
    assert.equal(JSON.parse(denied.body).error, 'access_denied');
    const other = await post('/d/mcp', { 'x-session': 'sess-alice' }, call('status'));
    assert.equal(other.status, 200, other.body);
    assert.equal(upD.requests[1].headers['x-session'], undefined, 'strip_headers: the session never reaches the upstream');
    assert.equal(upD.requests[1].headers['x-mcp-subject'], 'alice-session');
    // alice-session: 1 spent, then the rest of the burst, then 429.
    for (let i = 1; i < D_LIMIT.burst; i++) assert.equal((await post('/d/mcp', { 'x-session': 'sess-alice' }, call('status'))).status, 200, 'D ' + (i + 1));
    const over = await post('/d/mcp', { 'x-session': 'sess-alice' }, call('status'));
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], D_LIMIT.retryAfter);
    assert.equal((await post('/d/mcp', { authorization: 'Bearer alice-token' }, call('status'))).status, 200, 'alice has her own budget');
  });

  it('E: token exchange per user through the gate and the limit; empty allow-list; per-second limit refills', async () => {
    clearAll();
    idp.calls.length = 0;
    const erin = await token('erin', 'e', 'e:use');
    const frank = await token('frank', 'e', 'e:use');
    const r1 = await post('/e/mcp', { authorization: 'Bearer ' + erin, 'x-trace-id': 'dropped' }, call('list'));
    assert.equal(r1.status, 200, r1.body);
    const r2 = await post('/e/mcp', { authorization: 'Bearer ' + frank }, call('list'));
    assert.equal(r2.status, 200, r2.body);
    assert.equal(upE.requests.length, 2);
    assert.equal(upA.requests.length + upB.requests.length + upC.requests.length + upD.requests.length, 0);
    const [e1, e2] = upE.requests;
    assert.equal(idp.exchanged[String(e1.headers.authorization).slice(7)], 'erin', 'an exchanged token bound to erin');
    assert.equal(idp.exchanged[String(e2.headers.authorization).slice(7)], 'frank');
    assert.equal(idp.calls.filter((c) => c.form.grant_type === 'urn:ietf:params:oauth:grant-type:token-exchange').length, 2);
    assert.equal(e1.headers['x-trace-id'], undefined, 'pass_headers: [] drops every other client header');
    assert.equal(e1.headers['content-type'], 'application/json');
    assert.equal(e1.headers['x-mcp-subject'], 'erin');
    const step = await post('/e/mcp', { authorization: 'Bearer ' + erin }, call('admin_reset'));
    assert.equal(step.status, 403);
    assert.match(String(step.headers['www-authenticate']), /scope="e:use e:admin"/);
    // erin: 1 spent, burst 2 → one more, then 429 (Retry-After 1); a second later one more fits.
    assert.equal((await post('/e/mcp', { authorization: 'Bearer ' + erin }, call('list'))).status, 200);
    const over = await post('/e/mcp', { authorization: 'Bearer ' + erin }, call('list'));
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], E_LIMIT.retryAfter);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await post('/e/mcp', { authorization: 'Bearer ' + erin }, call('list'))).status, 200);
  });

  it("F: pass_authorization with an allow-list: the client's token goes upstream once, but never on the public path", async () => {
    clearAll();
    const ok = await request(nginx.url + '/f/mcp', { headers: { authorization: 'Bearer ' + F_TOKEN, 'x-trace-id': 'f1', 'x-other': 'no' } });
    assert.equal(ok.status, 200, ok.body);
    const got = only(upF.requests, 'F');
    const auths = got.rawHeaders.filter((_, i) => i % 2 === 0 && got.rawHeaders[i].toLowerCase() === 'authorization');
    assert.equal(auths.length, 1, 'one Authorization header: ' + JSON.stringify(got.rawHeaders));
    assert.equal(got.headers.authorization, 'Bearer ' + F_TOKEN);
    assert.equal(got.headers['x-trace-id'], 'f1');
    assert.equal(got.headers['x-other'], undefined);
    assert.equal(got.headers['x-mcp-subject'], 'svc');
    upF.clear();
    const pub = await request(nginx.url + '/f/mcp/health', { headers: { authorization: 'Bearer ' + F_TOKEN, 'x-trace-id': 'f2', 'x-other': 'no' } });
    assert.equal(pub.status, 200, pub.body);
    const p = only(upF.requests, 'F bypass');
    assert.equal(p.headers.authorization, undefined, "README: a public path never gets the client's Authorization, even with pass_authorization");
    assert.equal(p.headers['x-trace-id'], 'f2');
    assert.equal(p.headers['x-mcp-subject'], undefined);
    assert.equal(p.headers['x-other'], undefined, 'the allow-list holds on the public path too');
  });

  it('the decision log names each endpoint: tool refusals, limits and allows per endpoint and subject', async () => {
    // nginx writes a line when the request is finalised, just after the response.
    await new Promise((r) => setTimeout(r, 200));
    const lines = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    const has = (f: Record<string, string>): boolean => lines.some((l) => Object.keys(f).every((k) => l[k] === f[k]));
    assert.ok(has({ endpoint: 'a-mcp', status: '429', reason: 'rate_limited', subject: 'carol', decision: 'deny' }));
    assert.ok(has({ endpoint: 'a-mcp', status: '403', reason: 'insufficient_scope', subject: 'carol' }));
    assert.ok(has({ endpoint: 'b-mcp', status: '429', reason: 'rate_limited', subject: 'alice' }));
    assert.ok(has({ endpoint: 'c-mcp', status: '200', decision: 'allow', subject: 'alice' }));
    assert.ok(has({ endpoint: 'd-mcp', status: '403', subject: 'alice-session' }));
    assert.ok(has({ endpoint: 'e-mcp', status: '200', subject: 'erin' }));
    for (const l of lines) assert.ok(!JSON.stringify(l).includes(COMBO_STATIC) && !JSON.stringify(l).includes(F_TOKEN), 'no secret in the log');
  });

  it('G: introspection + tool rule + rate limit + header key + upstream path (/g-base), through gate and limit', async () => {
    clearAll();
    const t = await intro.issue({ sub: 'gus', scope: 'mcp:tools', aud: PUBLIC + '/g/mcp' });
    const body = call('read_g', 4);
    const ok = await post('/g/mcp/x?y=1', { authorization: 'Bearer ' + t }, body);
    assert.equal(ok.status, 200, ok.body);
    const got = only(upG.requests, 'G');
    assert.equal(upA.requests.length + upB.requests.length + upC.requests.length + upD.requests.length + upE.requests.length + upF.requests.length, 0);
    assert.equal(got.url, '/g-basex?y=1', 'as proxy_pass http://…/g-base would map /g/mcp/x');
    assert.equal(got.body, body);
    assert.equal(got.headers['x-g-key'], COMBO_UPSTREAM_KEY);
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-mcp-subject'], 'gus');
    const step = await post('/g/mcp', { authorization: 'Bearer ' + t }, call('secret_x'));
    assert.equal(step.status, 403);
    assert.match(String(step.headers['www-authenticate']), /scope="mcp:tools mcp:admin"/);
    assert.match(String(step.headers['www-authenticate']), /oauth-protected-resource\/g\/mcp"/);
    // gus: 1 spent; burst 2 → one more, then 429.
    assert.equal((await post('/g/mcp', { authorization: 'Bearer ' + t }, call('read_g'))).status, 200);
    const over = await post('/g/mcp', { authorization: 'Bearer ' + t }, call('read_g'));
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], G_LIMIT.retryAfter);
    assert.equal(upG.requests.length, 2);
    // A revoked token is refused once the cached decision is gone: here a fresh token's first use.
    const t2 = await intro.issue({ sub: 'hal', scope: 'mcp:tools', aud: PUBLIC + '/g/mcp' });
    await intro.revoke(t2);
    assert.equal((await post('/g/mcp', { authorization: 'Bearer ' + t2 }, call('read_g'))).status, 401);
  });
});

type Key = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';
const KEYS: readonly Key[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

/** One Caddy site: PRM from serve, then forward_auth for everything and a route per endpoint. */
function caddySite(port: number, authz: number, up: Record<Key, number>, copy: string[]): string {
  return `
http://127.0.0.1:${port} {
	bind 127.0.0.1
	handle /.well-known/oauth-protected-resource* {
		reverse_proxy 127.0.0.1:${authz} {
			header_up -X-Forwarded-Uri
			header_up -X-Forwarded-Method
		}
	}
	handle {
		route {
			forward_auth 127.0.0.1:${authz} {
				uri /auth
				copy_headers ${copy.join(' ')}
			}
${copy.map((h) => `			@empty_${h.replace(/-/g, '_')} header ${h} ""\n			request_header @empty_${h.replace(/-/g, '_')} -${h}`).join('\n')}
			@a path /a/mcp /a/mcp/*
			reverse_proxy @a 127.0.0.1:${up.a}
			@b path /b/mcp /b/mcp/*
			reverse_proxy @b 127.0.0.1:${up.b}
			@c path_regexp c ^/c/mcp/?(.*)$
			rewrite @c /base/{re.c.1}?{query}
			@base path /base/*
			reverse_proxy @base 127.0.0.1:${up.c}
			@d path /d/mcp /d/mcp/*
			reverse_proxy @d 127.0.0.1:${up.d}
			@e path /e/mcp /e/mcp/*
			reverse_proxy @e 127.0.0.1:${up.e}
			@f path /f/mcp /f/mcp/*
			reverse_proxy @f 127.0.0.1:${up.f}
			@g path /g/mcp /g/mcp/*
			reverse_proxy @g 127.0.0.1:${up.g}
			respond 404
		}
	}
}
`;
}

describe('mcp-authz serve behind Caddy forward_auth: the same seven endpoints', () => {
  let issuer: RunningIssuer;
  let idp: TokenIdp;
  const up = {} as Record<Key, EchoUpstream>;
  let service: RunningService;
  let caddy: RunningCaddy;
  let intro: IntrospectionIdp;

  before(async () => {
    issuer = await startIssuer();
    intro = await startIntrospectionIdp();
    for (const k of KEYS) up[k] = await startEchoUpstream({ sseEvents: 3, sseDelayMs: 300 });
    idp = await startComboIdp(issuer);
    const serve = 'serve:\n  forward_auth: { listen: "127.0.0.1:0", trusted_proxies: [127.0.0.1/32] }\n  ext_authz: { listen: "127.0.0.1:0" }\n  admin: { listen: "127.0.0.1:0" }\n';
    const app = comboConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamA: up.a.url, upstreamB: up.b.url, upstreamC: up.c.url, upstreamD: up.d.url, upstreamE: up.e.url, upstreamF: up.f.url, upstreamG: up.g.url, introspection: introspectionDeps(intro), idpUrl: idp.issuer }, intro.basicClient.secret, serve);
    service = await startService(app, { writeLine: () => undefined });
    const port = await freePort();
    const copy = forwardAuthHeaderNames(toCoreConfig(app));
    caddy = await startCaddy(port, () => caddySite(port, service.ports.forwardAuth, { a: up.a.port, b: up.b.port, c: up.c.port, d: up.d.port, e: up.e.port, f: up.f.port, g: up.g.port }, copy));
  });
  after(async () => {
    await caddy?.stop();
    await service?.stop();
    await intro?.stop();
    await idp?.stop();
    for (const k of KEYS) await up[k]?.stop();
    await issuer?.stop();
  });

  const clearAll = (): void => {
    for (const k of KEYS) up[k].clear();
  };
  const total = (): number => KEYS.reduce((n, k) => n + up[k].requests.length, 0);
  const token = (sub: string, endpoint: 'a' | 'c' | 'e', scope: string): Promise<string> =>
    issuer.mint({ sub, aud: `${PUBLIC}/${endpoint}/mcp`, scope });
  const get = (path: string, headers: Record<string, string>): Promise<HttpResponse> => request(caddy.url + path, { headers });
  const post = (path: string, headers: Record<string, string>, body: string): Promise<HttpResponse> =>
    request(caddy.url + path, { method: 'POST', headers: Object.assign({ 'content-type': 'application/json' }, headers), body });

  it('resource metadata per endpoint, from serve', async () => {
    const a = JSON.parse((await get('/.well-known/oauth-protected-resource/a/mcp', {})).body);
    const c = JSON.parse((await get('/.well-known/oauth-protected-resource/c/mcp', {})).body);
    assert.equal(a.resource, PUBLIC + '/a/mcp');
    assert.deepEqual(a.scopes_supported, ['mcp:tools']);
    assert.equal(c.resource, PUBLIC + '/c/mcp');
    assert.deepEqual(c.scopes_supported, ['c:read', 'c:write']);
  });

  it('A: a GET (SSE) reaches only A with our static token and identity; a tools/call POST is 500 (forward_auth sends no body)', async () => {
    clearAll();
    const t = await token('alice', 'a', 'mcp:tools');
    const res = await get('/a/mcp', { authorization: 'Bearer ' + t, accept: 'text/event-stream' });
    assert.equal(res.status, 200, res.body);
    assert.equal((res.body.match(/event: tick/g) ?? []).length, 3);
    const got = only(up.a.requests, 'A');
    assert.equal(total(), 1);
    assert.equal(got.headers.authorization, 'Bearer ' + COMBO_STATIC);
    assert.equal(got.headers['x-mcp-subject'], 'alice');
    const post1 = await post('/a/mcp', { authorization: 'Bearer ' + t }, call('read_file'));
    assert.equal(post1.status, 500, 'differs from nginx: the tool rules need the body');
    assert.equal(total(), 1, 'nothing more upstream');
  });

  it('B: API key in, our key in X-Upstream-Key out; bypass without credentials; per-subject limit 429 + Retry-After 60', async () => {
    clearAll();
    const r = await post('/b/mcp', { 'x-api-key': B_KEYS.bot, authorization: 'Basic Y2xpZW50OnNlY3JldA==' }, '{}');
    assert.equal(r.status, 200, r.body);
    const got = only(up.b.requests, 'B');
    assert.equal(got.headers['x-upstream-key'], COMBO_UPSTREAM_KEY);
    assert.equal(got.headers['x-api-key'], undefined);
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-mcp-subject'], 'bot');
    up.b.clear();
    const pub = await get('/b/mcp/health', { 'x-api-key': B_KEYS.bot });
    assert.equal(pub.status, 200);
    const p = only(up.b.requests, 'B bypass');
    assert.equal(p.headers['x-upstream-key'], undefined);
    assert.equal(p.headers['x-api-key'], undefined);
    assert.equal(p.headers['x-mcp-subject'], undefined);
    // bot: 1 spent; the burst is 2.
    assert.equal((await post('/b/mcp', { 'x-api-key': B_KEYS.bot }, '{}')).status, 200);
    const over = await post('/b/mcp', { 'x-api-key': B_KEYS.bot }, '{}');
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], '60');
    // Per endpoint: the bot's exhaustion on B leaves alice's budget on B and every A subject alone.
    assert.equal((await post('/b/mcp', { 'x-api-key': B_KEYS.alice }, '{}')).status, 200);
    assert.equal((await get('/a/mcp/x', { authorization: 'Bearer ' + (await token('bot', 'a', 'mcp:tools')) })).status, 200);
  });

  it('A: limits per subject; exhausting A leaves C alone', async () => {
    const t = await token('carol', 'a', 'mcp:tools');
    for (let i = 0; i < A_LIMIT.burst; i++) assert.equal((await get('/a/mcp/x', { authorization: 'Bearer ' + t })).status, 200, 'carol ' + (i + 1));
    const over = await get('/a/mcp/x', { authorization: 'Bearer ' + t });
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], '60');
    assert.equal((await get('/a/mcp/x', { authorization: 'Bearer ' + (await token('dave', 'a', 'mcp:tools')) })).status, 200);
    assert.equal((await get('/c/mcp/x', { authorization: 'Bearer ' + (await token('carol', 'c', 'c:read')) })).status, 200);
  });

  it("A's public path: a GET passes with no identity; a POST is 500 here (tool rules need the body forward_auth does not send)", async () => {
    clearAll();
    const pub = await get('/a/mcp/health', { authorization: 'Bearer junk' });
    assert.equal(pub.status, 200, pub.body);
    const got = only(up.a.requests, 'A bypass');
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-mcp-subject'], undefined);
    const res = await post('/a/mcp/health', {}, call('delete_x'));
    assert.equal(res.status, 500, res.body);
    assert.equal(total(), 1, 'the POST reached nothing');
  });

  it('C: a GET reaches C under /base/ with the IdP client_credentials token', async () => {
    clearAll();
    const t = await token('alice', 'c', 'c:read');
    const res = await get('/c/mcp/sub/path?q=1', { authorization: 'Bearer ' + t });
    assert.equal(res.status, 200, res.body);
    const got = only(up.c.requests, 'C');
    assert.equal(got.url, '/base/sub/path?q=1');
    const auth = String(got.headers.authorization);
    assert.match(auth, /^Bearer /);
    assert.notEqual(auth, 'Bearer ' + t);
    assert.ok(await idp.provider.ClientCredentials.find(auth.slice(7)), 'a token the IdP issued');
    assert.equal(got.headers['x-mcp-subject'], 'alice');
    assert.equal((await get('/c/mcp', { authorization: 'Bearer ' + (await token('alice', 'c', 'mcp:tools')) })).status, 403);
  });

  it('E: a GET reaches E with a token exchanged for this user', async () => {
    clearAll();
    const res = await get('/e/mcp/x', { authorization: 'Bearer ' + (await token('erin', 'e', 'e:use')) });
    assert.equal(res.status, 200, res.body);
    const got = only(up.e.requests, 'E');
    assert.equal(total(), 1);
    assert.equal(idp.exchanged[String(got.headers.authorization).slice(7)], 'erin');
  });

  it("F: pass_authorization: the client's token reaches F on the protected path, not on the public one", async () => {
    clearAll();
    assert.equal((await get('/f/mcp', { authorization: 'Bearer ' + F_TOKEN })).status, 200);
    assert.equal(only(up.f.requests, 'F').headers.authorization, 'Bearer ' + F_TOKEN);
    up.f.clear();
    assert.equal((await get('/f/mcp/health', { authorization: 'Bearer ' + F_TOKEN })).status, 200);
    const p = only(up.f.requests, 'F bypass');
    assert.equal(p.headers.authorization, undefined);
    assert.equal(p.headers['x-mcp-subject'], undefined);
  });

  /** A CheckRequest as Envoy sends it with envoy/envoy.yaml (route-pinned endpoint, raw body). */
  async function extAuthz(endpointId: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<DecodedCheckResponse> {
    const client = createExtAuthzClient('127.0.0.1:' + service.ports.extAuthz);
    try {
      const h: Record<string, string> = Object.assign({ ':authority': 'mcp.example.test', ':method': method, ':path': path, ':scheme': 'https' }, headers);
      const bytes = body === undefined ? undefined : Buffer.from(body);
      if (bytes) h['content-length'] = String(bytes.length);
      const check = {
        attributes: {
          source: { address: { socket_address: { address: '127.0.0.1', port_value: 40001 } } },
          request: { http: { id: 'r', method, headers: h, path, host: 'mcp.example.test', scheme: 'https', protocol: 'HTTP/1.1', size: String(bytes ? bytes.length : 0), raw_body: bytes } },
          context_extensions: { [ENDPOINT_EXTENSION]: endpointId },
        },
      };
      return await client.check(check as CheckRequestMessage);
    } finally {
      client.close();
    }
  }
  const okHeader = (r: DecodedCheckResponse, name: string): string | undefined => r.ok_response?.headers?.find((h) => h.header?.key?.toLowerCase() === name)?.header?.value;
  const removed = (r: DecodedCheckResponse): string[] => r.ok_response?.headers_to_remove ?? [];

  it('ext_authz (Envoy) from the same serve: per-endpoint credential, allow-list, tool rules with the body, query key, public path', async () => {
    const t = await token('gina', 'a', 'mcp:tools');
    const ok = await extAuthz('a-mcp', 'POST', '/a/mcp', { authorization: 'Bearer ' + t, 'x-trace-id': 't', 'x-other': 'o', 'content-type': 'application/json' }, call('read_file'));
    assert.equal(ok.status?.code ?? 0, 0, JSON.stringify(ok));
    assert.equal(okHeader(ok, 'authorization'), 'Bearer ' + COMBO_STATIC);
    assert.equal(okHeader(ok, 'x-mcp-subject'), 'gina');
    assert.ok(removed(ok).includes('x-other'));
    assert.ok(!removed(ok).includes('x-trace-id'));
    const refused = await extAuthz('a-mcp', 'POST', '/a/mcp', { authorization: 'Bearer ' + t, 'content-type': 'application/json' }, call('delete_x'));
    assert.notEqual(refused.status?.code ?? 0, 0);
    assert.match(JSON.stringify(refused.denied_response), /insufficient_scope/);
    assert.match(JSON.stringify(refused.denied_response), /mcp:tools mcp:admin/);
    const d = await extAuthz('d-mcp', 'POST', '/d/mcp', { authorization: 'Bearer alice-token', 'content-type': 'application/json' }, call('deploy'));
    assert.equal(d.status?.code ?? 0, 0, JSON.stringify(d));
    assert.deepEqual(d.ok_response?.query_parameters_to_set, [{ key: 'api_key', value: COMBO_UPSTREAM_KEY }]);
    // A's public path: the allow-list holds (headers_to_remove), a ruled tool is refused.
    const pub = await extAuthz('a-mcp', 'GET', '/a/mcp/health', { 'x-other': 'o', authorization: 'Bearer junk' });
    assert.equal(pub.status?.code ?? 0, 0);
    assert.ok(removed(pub).includes('x-other'), JSON.stringify(pub.ok_response));
    assert.ok(removed(pub).includes('authorization'));
    assert.equal(okHeader(pub, 'authorization'), undefined);
    const pubTool = await extAuthz('a-mcp', 'POST', '/a/mcp/health', { 'content-type': 'application/json' }, call('delete_x'));
    assert.notEqual(pubTool.status?.code ?? 0, 0);
  });

  it('G: an introspected token through serve: our header key, identity, no client token', async () => {
    clearAll();
    const t = await intro.issue({ sub: 'gus', scope: 'mcp:tools', aud: PUBLIC + '/g/mcp' });
    const res = await get('/g/mcp/x', { authorization: 'Bearer ' + t });
    assert.equal(res.status, 200, res.body);
    const got = only(up.g.requests, 'G');
    assert.equal(total(), 1);
    assert.equal(got.headers['x-g-key'], COMBO_UPSTREAM_KEY);
    assert.equal(got.headers.authorization, undefined);
    assert.equal(got.headers['x-mcp-subject'], 'gus');
  });
});

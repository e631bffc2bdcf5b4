/**
 * Whom the forward-auth endpoint believes. X-Forwarded-* (and the `?endpoint=` pin) count only from
 * a trusted proxy (127.0.0.1 here); a direct caller from 127.0.0.2 is judged on what it literally
 * sent. Also: right-most X-Forwarded-For, path normalisation, what an allow answer carries, and
 * failures that must never become an allow. A real issuer and the real endpoint on node:http.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { createForwardAuthHandler } from '../../src/forward-auth/server.ts';
import { createCachedDecider, type CachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import type { AdapterDeps } from '../../src/service/adapter-deps.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { API_KEY, PUBLIC, fixtureConfig } from '../contract/fixture-config.ts';
import { request, type HttpResponse, type RequestHeaders } from '../support/http.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { closeServer, listen } from '../support/listen.ts';

const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.2';
const MANAGED = ['x-mcp-subject', 'x-mcp-email', 'x-mcp-groups', 'x-mcp-scopes', 'authorization', 'x-api-key', 'remote-user', 'remote-email', 'remote-groups'];

describe('forward-auth: trust, normalisation, failures', () => {
  let issuer: RunningIssuer;
  let config: CoreConfig;
  const lines: string[] = [];
  const servers: Server[] = [];

  /** Start the endpoint for `deps`; returns its base URL. */
  async function serve(deps: AdapterDeps): Promise<string> {
    const s = createServer(createForwardAuthHandler(deps, { trustedProxies: ['127.0.0.1/32'] }));
    servers.push(s);
    return `http://127.0.0.1:${await listen(s)}`;
  }
  function depsFor(c: CoreConfig, decider?: CachedDecider): AdapterDeps {
    return { config: c, decider: decider ?? createCachedDecider(c, nodePorts()), observer: createObserver(serviceMetrics(), (line) => lines.push(line)) };
  }
  const lastLog = (): Record<string, unknown> => JSON.parse(lines[lines.length - 1]);
  const token = (claims: Record<string, unknown> = {}): Promise<string> => issuer.mint(Object.assign({ sub: 'alice', aud: PUBLIC + '/mcp', scope: 'mcp:tools' }, claims));

  let url: string;
  /** A request from `from`; GET /auth unless a path is given. */
  function ask(from: string, headers: RequestHeaders, path = '/auth', method = 'GET'): Promise<HttpResponse> {
    return request(url + path, { method, headers, localAddress: from });
  }

  before(async () => {
    issuer = await startIssuer();
    config = fixtureConfig({ issuerUrl: issuer.url, jwksUri: issuer.jwksUri, upstreamUrl: 'http://127.0.0.1:9' });
    url = await serve(depsFor(config));
  });
  after(async () => {
    for (const s of servers) await closeServer(s);
    await issuer?.stop();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  describe('from an untrusted peer, X-Forwarded-* are ignored', () => {
    it('X-Forwarded-Uri pointing at public metadata does not make /mcp public', async () => {
      const res = await ask(UNTRUSTED, { 'x-forwarded-uri': '/.well-known/oauth-protected-resource/mcp', 'x-forwarded-method': 'GET' }, '/mcp', 'POST');
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /^Bearer resource_metadata=/);
      assert.deepEqual([lastLog().path, lastLog().method, lastLog().client_ip], ['/mcp', 'POST', UNTRUSTED]);
    });

    it('a forged preflight (X-Forwarded-Method: OPTIONS) is not waved through', async () => {
      const res = await ask(UNTRUSTED, { 'x-forwarded-method': 'OPTIONS', 'access-control-request-method': 'POST', origin: 'https://x.example' }, '/mcp', 'POST');
      assert.equal(res.status, 401);
    });

    it('X-Forwarded-For spoofing a trusted peer does not unlock trusted_header', async () => {
      const res = await ask(UNTRUSTED, { 'x-forwarded-for': TRUSTED, 'remote-user': 'dave' }, '/sso/mcp', 'POST');
      assert.equal(res.status, 401);
      assert.deepEqual([lastLog().reason, lastLog().client_ip], ['untrusted_peer', UNTRUSTED]);
    });

    it('the ?endpoint= pin is the caller\'s own query, not a pin', async () => {
      const res = await ask(UNTRUSTED, { 'x-api-key': API_KEY }, '/mcp?endpoint=keys-mcp', 'POST');
      assert.equal(res.status, 401);
      assert.equal(lastLog().endpoint, 'mcp');
    });
  });

  describe('from a trusted peer, X-Forwarded-* are the original request', () => {
    it('allow: 200, identity, and every managed header (stripped ones empty)', async () => {
      const res = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp?x=1', 'x-forwarded-for': '198.51.100.7', authorization: 'Bearer ' + (await token({ email: 'a@example.com' })), 'x-mcp-groups': 'admins' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-mcp-subject'], 'alice');
      assert.equal(res.headers['x-mcp-email'], 'a@example.com');
      assert.equal(res.headers['x-mcp-scopes'], 'mcp:tools');
      for (const name of ['x-mcp-groups', 'authorization', 'remote-user', 'remote-email', 'remote-groups']) assert.equal(res.headers[name], '', name);
      // X-API-Key is not /mcp's credential: the client's (absent) value is echoed, i.e. empty.
      assert.equal(res.headers['x-api-key'], '');
      const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      for (const name of MANAGED) assert.ok(names.includes(name), 'answer carries ' + name);
      assert.deepEqual([lastLog().method, lastLog().path, lastLog().client_ip, lastLog().decision], ['POST', '/mcp', '198.51.100.7', 'allow']);
    });

    it('deny: the decision\'s status, challenge, CORS and JSON body', async () => {
      const res = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', 'x-forwarded-for': '198.51.100.7', origin: 'https://x.example' });
      assert.equal(res.status, 401);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.deepEqual(JSON.parse(res.body), { error: 'unauthorized', error_description: 'Authorization required' });
      assert.equal(res.headers['x-mcp-subject'], undefined);
    });

    it('X-Forwarded-For: only the right-most entry (the one our proxy added) counts', async () => {
      const base = { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/sso/mcp', 'remote-user': 'dave' };
      const spoofed = await ask(TRUSTED, { ...base, 'x-forwarded-for': `${TRUSTED}, ${UNTRUSTED}` });
      assert.equal(spoofed.status, 401);
      assert.equal(lastLog().client_ip, UNTRUSTED);
      const real = await ask(TRUSTED, { ...base, 'x-forwarded-for': `10.9.9.9, ${TRUSTED}` });
      assert.equal(real.status, 200);
      assert.equal(real.headers['x-mcp-subject'], 'dave');
      assert.equal(real.headers['remote-user'], '', 'the trusted header is consumed');
      // Repeated headers read as one list.
      const repeated = await ask(TRUSTED, [['x-forwarded-method', 'POST'], ['x-forwarded-uri', '/sso/mcp'], ['remote-user', 'dave'], ['x-forwarded-for', TRUSTED], ['x-forwarded-for', UNTRUSTED]]);
      assert.equal(repeated.status, 401);
    });

    it('no or unparsable X-Forwarded-For: no client address, never the proxy\'s own', async () => {
      const base = { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/sso/mcp', 'remote-user': 'dave' };
      assert.equal((await ask(TRUSTED, base)).status, 401);
      assert.equal(lastLog().client_ip, '');
      assert.equal((await ask(TRUSTED, { ...base, 'x-forwarded-for': 'unknown' })).status, 401);
      assert.equal((await ask(TRUSTED, { ...base, 'x-forwarded-for': `[::1]:5000, ${TRUSTED}:4711` })).status, 200, 'ports are stripped');
    });

    it('?endpoint=<id> on the auth URL pins the endpoint; an unknown id is a 404', async () => {
      const pinned = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/anything', 'x-forwarded-for': '198.51.100.7', 'x-api-key': API_KEY }, '/auth?endpoint=keys-mcp');
      assert.equal(pinned.status, 200);
      assert.equal(pinned.headers['x-mcp-subject'], 'ci-bot');
      assert.equal(pinned.headers['x-api-key'], '', 'the pinned endpoint strips its key');
      const unknown = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', 'x-api-key': API_KEY }, '/auth?endpoint=nope');
      assert.equal(unknown.status, 404);
    });

    it('a CORS preflight check continues (200) without identity, credentials stripped', async () => {
      const res = await ask(TRUSTED, { 'x-forwarded-method': 'OPTIONS', 'x-forwarded-uri': '/mcp', 'access-control-request-method': 'POST', origin: 'https://x.example', 'x-mcp-subject': 'mallory' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-mcp-subject'], '');
      assert.equal(res.headers['www-authenticate'], undefined);
      assert.equal(lastLog().reason, 'preflight');
    });

    it('the path is normalised before matching: dot segments (also %2e), double slashes', async () => {
      const cases: Array<[string, string]> = [
        ['/keys/mcp/%2e%2e/%2E%2E/mcp', '/mcp'],
        ['/keys/mcp/../../mcp?x=1', '/mcp'],
        ['//mcp', '/mcp'],
        ['/mcp/./a/../', '/mcp/'],
        ['http://evil.example/keys/../mcp', '/mcp'],
        ['/keys%2Fmcp', '/keys%2Fmcp'],
      ];
      for (const [uri, path] of cases) {
        const res = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': uri, 'x-api-key': API_KEY });
        assert.notEqual(res.status, 200, uri + ' must not be allowed with the /keys/mcp API key');
        assert.equal(lastLog().path, path, uri);
      }
    });

    it('metadata reached through a check continues without identity (route it to mcp-authz directly)', async () => {
      const res = await ask(TRUSTED, { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/.well-known/oauth-protected-resource/mcp' });
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
      const direct = await ask(TRUSTED, { 'x-forwarded-for': '198.51.100.7' }, '/.well-known/oauth-protected-resource/mcp');
      assert.equal(direct.status, 200);
      assert.equal(JSON.parse(direct.body).resource, PUBLIC + '/mcp');
    });
  });

  describe('failures never allow', () => {
    it('an exception in the decider → 500 JSON, counted as a failed check', async () => {
      const broken: CachedDecider = { decide: () => Promise.reject(new Error('boom')) };
      const brokenUrl = await serve(depsFor(config, broken));
      const res = await request(brokenUrl + '/auth', { headers: { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', authorization: 'Bearer ' + (await token()) } });
      assert.equal(res.status, 500);
      assert.deepEqual(JSON.parse(res.body), { error: 'server_error', error_description: 'The authorization check failed' });
      assert.equal(res.headers['x-mcp-subject'], undefined);
      assert.deepEqual([lastLog().decision, lastLog().detail], ['error', 'boom']);
    });

    it('a repeated X-Forwarded-Uri (which one is the proxy\'s?) → 500', async () => {
      const res = await ask(TRUSTED, [['x-forwarded-method', 'GET'], ['x-forwarded-uri', '/.well-known/oauth-protected-resource'], ['x-forwarded-uri', '/mcp']]);
      assert.equal(res.status, 500);
      assert.equal(lastLog().decision, 'error');
    });
  });

  describe('answers', () => {
    it('/healthz answers only requests that carry no forwarded request', async () => {
      const health = await ask(UNTRUSTED, {}, '/healthz');
      assert.deepEqual([health.status, health.body], [200, '{"status":"ok"}']);
      assert.equal(lines.length, 0, 'not a decision');
      // An auth URL of /healthz must not allow everything.
      const check = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp' }, '/healthz');
      assert.equal(check.status, 401);
    });

    it('identity is sent as UTF-8 bytes', async () => {
      const res = await ask(TRUSTED, { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', authorization: 'Bearer ' + (await token({ sub: 'zoë' })) });
      assert.equal(res.status, 200);
      assert.equal(Buffer.from(String(res.headers['x-mcp-subject']), 'latin1').toString('utf8'), 'zoë');
    });

    it('a pass_authorization endpoint gets the client\'s Authorization echoed, not emptied', async () => {
      const passing: CoreConfig = { ...config, endpoints: config.endpoints.map((e) => (e.id === 'mcp' ? { ...e, pass_authorization: true } : e)) };
      const passUrl = await serve(depsFor(passing));
      const auth = 'Bearer ' + (await token());
      const res = await request(passUrl + '/auth', { headers: { 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/mcp', authorization: auth } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['authorization'], auth);
    });
  });
});

/**
 * The introspection (RFC 7662) and remote-validation scenarios, run against every adapter with
 * test/contract/introspection-fixture.ts: a stateless table (runScenarioTable), then behaviour that
 * needs call counts and time (caching, negative caching, outages, fallback routing, what the
 * services receive, secrets kept out of logs), registered by {@link runIntrospectionBehaviour}.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { IntrospectionIdp } from '../support/introspection-idp.ts';
import type { RunningIssuer } from '../support/issuer.ts';
import { tamper } from '../support/issuer.ts';
import { VALIDATOR_KEY, type ValidationServer } from '../support/validation-server.ts';
import { ORIGIN_A, ORIGIN_B, PUBLIC } from './introspection-fixture.ts';
import type { Send } from './run-scenarios.ts';
import type { AdapterName, Scenario, ScenarioRequest } from './scenarios.ts';

export interface IntrospectionEnv {
  idp: IntrospectionIdp;
  validator: ValidationServer;
  issuer: RunningIssuer;
}

function challenge(path: string, description?: string): string {
  const base = `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource${path}", scope="mcp:tools"`;
  return description === undefined ? base : `${base}, error="invalid_token", error_description="${description}"`;
}

function post(path: string, token?: string, extra: Record<string, string> = {}): ScenarioRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
  if (token !== undefined) headers.authorization = 'Bearer ' + token;
  return { method: 'POST', path, headers };
}

const aud = (path: string): string => PUBLIC + path;
const UNKNOWN_OPAQUE = (): string => 'opaque-' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
const NOT_ACTIVE = 'The access token is not active';
const UNAVAILABLE = { error: 'temporarily_unavailable', error_description: 'Token introspection is unavailable; try again later' };
const REMOTE_UNAVAILABLE = { error: 'temporarily_unavailable', error_description: 'Token validation is unavailable; try again later' };

/** The stateless table; `env` is read when a scenario runs. */
export function introspectionScenarios(env: () => IntrospectionEnv): Scenario[] {
  const opaque = (path: string, sub = 'alice', scope = 'mcp:tools', resource = aud(path)) => env().idp.issue({ sub, scope, aud: resource });
  const jwt = (c: { issuer: RunningIssuer }, path: string) => c.issuer.mint({ sub: 'jwt-alice', aud: aud(path), scope: 'mcp:tools' });
  return [
    {
      name: 'introspection: active opaque token → 200, identity upstream, no Authorization upstream',
      request: async () => post('/intro/mcp', await opaque('/intro/mcp')),
      expect: { status: 200, upstream: { 'x-mcp-subject': 'alice', 'x-mcp-scopes': 'mcp:tools' }, upstreamAbsent: ['authorization', 'x-mcp-email'] },
    },
    {
      name: 'introspection: no token → 401 challenge without error',
      request: () => post('/intro/mcp'),
      expect: { status: 401, challenge: challenge('/intro/mcp') },
    },
    {
      name: 'introspection: unknown token (active: false) → 401 invalid_token',
      request: () => post('/intro/mcp', UNKNOWN_OPAQUE()),
      expect: { status: 401, challenge: challenge('/intro/mcp', NOT_ACTIVE), error: 'invalid_token' },
    },
    {
      name: 'introspection: revoked token → 401 invalid_token',
      request: async () => {
        const token = await opaque('/intro/mcp');
        await env().idp.revoke(token);
        return post('/intro/mcp', token);
      },
      expect: { status: 401, challenge: challenge('/intro/mcp', NOT_ACTIVE) },
    },
    {
      name: 'introspection: token issued for another resource (aud) → 401',
      request: async () => post('/intro/mcp', await opaque('/intro/mcp', 'alice', 'mcp:tools', aud('/other/mcp'))),
      expect: { status: 401, challenge: challenge('/intro/mcp', 'The access token was not issued for this resource') },
    },
    {
      name: 'introspection: active token without the required scope → 403 insufficient_scope',
      request: async () => post('/intro/mcp', await opaque('/intro/mcp', 'alice', 'openid')),
      expect: { status: 403, error: 'insufficient_scope' },
    },
    {
      name: 'introspection: discovered endpoint + client_secret_post → 200',
      request: async () => post('/intro-post/mcp', await opaque('/intro-post/mcp', 'dora')),
      expect: { status: 200, upstream: { 'x-mcp-subject': 'dora' } },
    },
    {
      name: 'fallback (tokens: all): a valid JWT is accepted by jwt',
      request: async (c) => post('/fallback/mcp', await jwt(c, '/fallback/mcp')),
      expect: { status: 200, upstream: { 'x-mcp-subject': 'jwt-alice' } },
    },
    {
      name: 'fallback (tokens: all): an active opaque token is accepted by introspection',
      request: async () => post('/fallback/mcp', await opaque('/fallback/mcp', 'bob')),
      expect: { status: 200, upstream: { 'x-mcp-subject': 'bob' } },
    },
    {
      name: 'fallback (tokens: all): an inactive opaque token → introspection\'s 401 (not jwt\'s "malformed")',
      request: () => post('/fallback/mcp', UNKNOWN_OPAQUE()),
      expect: { status: 401, challenge: challenge('/fallback/mcp', NOT_ACTIVE) },
    },
    {
      name: 'fallback (tokens: all): a JWT with a bad signature → jwt\'s 401 (the first rejection)',
      request: async (c) => post('/fallback/mcp', tamper(await jwt(c, '/fallback/mcp'))),
      expect: { status: 401, challenge: challenge('/fallback/mcp', 'The access token signature is invalid') },
    },
    {
      name: 'fallback (tokens: opaque): an active opaque token → 200',
      request: async () => post('/fallback-opaque/mcp', await opaque('/fallback-opaque/mcp', 'erin')),
      expect: { status: 200, upstream: { 'x-mcp-subject': 'erin' } },
    },
    {
      name: 'fallback (tokens: opaque): a JWT with a bad signature → jwt\'s 401',
      request: async (c) => post('/fallback-opaque/mcp', tamper(await jwt(c, '/fallback-opaque/mcp'))),
      expect: { status: 401, challenge: challenge('/fallback-opaque/mcp', 'The access token signature is invalid') },
    },
    {
      name: 'introspection endpoint down → 503, fail closed',
      request: () => post('/intro-down/mcp', UNKNOWN_OPAQUE()),
      expect: { status: 503, challenge: null, json: UNAVAILABLE, responseHeaders: { 'retry-after': '5' } },
    },
    {
      name: 'introspection endpoint slower than timeout → 503, fail closed',
      request: () => post('/intro-slow/mcp', UNKNOWN_OPAQUE()),
      expect: { status: 503, challenge: null, json: UNAVAILABLE },
    },
    {
      name: 'remote: valid → 200 with subject, scopes, email and groups from the validator',
      request: () => post('/remote/mcp', 'good-carol'),
      expect: { status: 200, upstream: { 'x-mcp-subject': 'carol', 'x-mcp-email': 'carol@example.com', 'x-mcp-groups': 'staff,ops', 'x-mcp-scopes': 'mcp:tools' }, upstreamAbsent: ['authorization', 'x-validator-key'] },
    },
    {
      name: 'remote: valid: false → 401 invalid_token',
      request: () => post('/remote/mcp', 'bad-' + UNKNOWN_OPAQUE()),
      expect: { status: 401, challenge: challenge('/remote/mcp', 'The access token is not valid'), error: 'invalid_token' },
    },
    {
      name: 'remote: a malformed answer → 503, fail closed',
      request: () => post('/remote/mcp', 'junk-1'),
      expect: { status: 503, json: REMOTE_UNAVAILABLE },
    },
    {
      name: 'remote: validator error (500) → 503, fail closed',
      request: () => post('/remote/mcp', 'boom-1'),
      expect: { status: 503, json: REMOTE_UNAVAILABLE },
    },
    {
      name: 'remote: no token → 401 challenge without error',
      request: () => post('/remote/mcp'),
      expect: { status: 401, challenge: challenge('/remote/mcp') },
    },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BehaviourDeps {
  env: IntrospectionEnv;
  send: Send;
  /** Everything the adapter logged so far (decision log, proxy logs). */
  logs: () => string;
}

/**
 * How many checks one uncached denial costs, when not 1, and why (nginx auth_request's recipe asks
 * the forward-auth endpoint again to replay the full denial): a documented adapter difference.
 */
export interface ChecksPerDenial {
  count: number;
  why: string;
}

/** Register the stateful checks for one adapter. */
export function runIntrospectionBehaviour(adapter: AdapterName, deps: () => BehaviourDeps, checksPerDenial?: ChecksPerDenial): void {
  async function counted(req: ScenarioRequest): Promise<{ status: number; calls: number; headers: Record<string, unknown> }> {
    const d = deps();
    const before = d.env.idp.introspections;
    const got = await d.send(req);
    return { status: got.status, calls: d.env.idp.introspections - before, headers: got.headers };
  }
  const used: string[] = [];
  const perDenial = (): number => checksPerDenial?.count ?? 1;
  const differs = checksPerDenial ? ` [${adapter}: ${checksPerDenial.why}]` : '';
  async function token(path: string, ttl?: number): Promise<string> {
    const t = await deps().env.idp.issue({ sub: 'alice', aud: PUBLIC + path, ttl });
    used.push(t);
    return t;
  }

  it(`[${adapter}] an active token is introspected once, then served from the cache`, async () => {
    const t = await token('/intro/mcp');
    assert.deepEqual([(await counted(post('/intro/mcp', t))).calls, (await counted(post('/intro/mcp', t))).calls], [1, 0]);
  });

  it(`[${adapter}] the cached decision lives no longer than cache_ttl`, async () => {
    const t = await token('/intro-short/mcp');
    const first = await counted(post('/intro-short/mcp', t));
    const second = await counted(post('/intro-short/mcp', t));
    await sleep(2200);
    const third = await counted(post('/intro-short/mcp', t));
    assert.deepEqual([first.status, second.status, third.status], [200, 200, 200]);
    assert.deepEqual([first.calls, second.calls, third.calls], [1, 0, 1]);
  });

  it(`[${adapter}] the cached decision lives no longer than the token's exp`, async () => {
    const t = await token('/intro/mcp', 2);
    const first = await counted(post('/intro/mcp', t));
    const second = await counted(post('/intro/mcp', t));
    await sleep(3200);
    const third = await counted(post('/intro/mcp', t));
    assert.deepEqual([first.status, second.status, third.status], [200, 200, 401]);
    assert.deepEqual([first.calls, second.calls, third.calls], [1, 0, 1]);
  });

  it(`[${adapter}] an inactive token's denial is cached for negative_cache_ttl, then asked again`, async () => {
    const t = 'inactive-' + Math.random().toString(36).slice(2);
    used.push(t);
    const first = await counted(post('/intro-short/mcp', t));
    const second = await counted(post('/intro-short/mcp', t));
    await sleep(2200);
    const third = await counted(post('/intro-short/mcp', t));
    assert.deepEqual([first.status, second.status, third.status], [401, 401, 401]);
    assert.deepEqual([first.calls, second.calls, third.calls], [1, 0, 1]);
  });

  it(`[${adapter}] a cached denial carries the CORS headers of each request's own Origin`, async () => {
    const t = 'inactive-' + Math.random().toString(36).slice(2);
    const a = await counted(post('/intro/mcp', t, { origin: ORIGIN_A }));
    const b = await counted(post('/intro/mcp', t, { origin: ORIGIN_B }));
    const a2 = await counted(post('/intro/mcp', t, { origin: ORIGIN_A }));
    assert.deepEqual([a.status, b.status, a2.status], [401, 401, 401]);
    assert.equal(a.headers['access-control-allow-origin'], ORIGIN_A);
    assert.equal(b.headers['access-control-allow-origin'], ORIGIN_B);
    assert.equal(a2.headers['access-control-allow-origin'], ORIGIN_A);
    assert.equal(a2.calls, 0, 'the repeat is a cache hit');
  });

  it(`[${adapter}] other denials are never cached (a policy 403 is decided again)${differs}`, async () => {
    const t = await deps().env.idp.issue({ sub: 'alice', scope: 'openid', aud: PUBLIC + '/intro/mcp' });
    const first = await counted(post('/intro/mcp', t));
    const second = await counted(post('/intro/mcp', t));
    assert.deepEqual([first.status, second.status, first.calls, second.calls], [403, 403, perDenial(), perDenial()]);
  });

  it(`[${adapter}] a failing endpoint fails closed and the failure is not cached${differs}`, async () => {
    const { idp } = deps().env;
    const t = await token('/intro/mcp');
    await idp.setMode('500');
    const failed = await counted(post('/intro/mcp', t));
    await idp.setMode('ok');
    const recovered = await counted(post('/intro/mcp', t));
    assert.deepEqual([failed.status, failed.calls, recovered.status, recovered.calls], [503, perDenial(), 200, 1]);
  });

  it(`[${adapter}] an endpoint that is down fails closed, and works again when it is back`, async () => {
    const { idp } = deps().env;
    const t = await token('/intro/mcp');
    await idp.setMode('down');
    try {
      assert.equal((await deps().send(post('/intro/mcp', t))).status, 503);
    } finally {
      await idp.setMode('ok');
    }
    await sleep(200);
    assert.equal((await deps().send(post('/intro/mcp', t))).status, 200);
  });

  it(`[${adapter}] tokens: opaque keeps JWT-shaped tokens away from the endpoint; tokens: all sends them${differs}`, async () => {
    const { issuer } = deps().env;
    const bad = tamper(await issuer.mint({ sub: 'x', aud: PUBLIC + '/fallback-opaque/mcp', scope: 'mcp:tools' }));
    const opaque = await counted(post('/fallback-opaque/mcp', bad));
    const all = await counted(post('/fallback/mcp', tamper(await issuer.mint({ sub: 'y', aud: PUBLIC + '/fallback/mcp', scope: 'mcp:tools' }))));
    // jwt's bad_signature is reported and not cached, so every check asks the endpoint again.
    assert.deepEqual([opaque.status, opaque.calls, all.status, all.calls], [401, 0, 401, perDenial()]);
  });

  it(`[${adapter}] client_secret_basic: form-encoded credentials in Basic, token in the body`, async () => {
    const { idp } = deps().env;
    const t = await token('/intro/mcp');
    await deps().send(post('/intro/mcp', t, { 'x-probe': '1' }));
    const last = idp.seen[idp.seen.length - 1];
    const expected = Buffer.from(encodeURIComponent(idp.basicClient.id) + ':' + encodeURIComponent(idp.basicClient.secret)).toString('base64');
    assert.equal(last.authorization, 'Basic ' + expected);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(last.body)), { token: t, token_type_hint: 'access_token' });
  });

  it(`[${adapter}] client_secret_post: credentials in the form, no Authorization`, async () => {
    const { idp } = deps().env;
    const t = await token('/intro-post/mcp');
    assert.equal((await deps().send(post('/intro-post/mcp', t))).status, 200);
    const last = idp.seen[idp.seen.length - 1];
    assert.equal(last.authorization, undefined);
    assert.match(last.body, /client_secret=post\+secret%3A/, 'space as +, ":" escaped');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(last.body)), { token: t, token_type_hint: 'access_token', client_id: idp.postClient.id, client_secret: idp.postClient.secret });
  });

  it(`[${adapter}] remote: JSON body, static headers, nothing of the client's; valid and invalid answers are cached`, async () => {
    const { validator } = deps().env;
    const good = 'good-frank' + Math.random().toString(36).slice(2);
    const bad = 'bad-' + Math.random().toString(36).slice(2);
    used.push(good, bad);
    const before = validator.calls.length;
    const statuses = [];
    for (const t of [good, good, bad, bad]) statuses.push((await deps().send(post('/remote/mcp', t, { cookie: 'session=client-cookie' }))).status);
    assert.deepEqual(statuses, [200, 200, 401, 401]);
    const calls = validator.calls.slice(before);
    assert.equal(calls.length, 2, 'one call per token, the repeats are cached');
    assert.deepEqual(JSON.parse(calls[0].body), { token: good });
    assert.equal(calls[0].headers['x-validator-key'], VALIDATOR_KEY);
    assert.match(String(calls[0].headers['content-type']), /^application\/json/);
    assert.equal(calls[0].headers.authorization, undefined);
    assert.equal(calls[0].headers.cookie, undefined);
  });

  it(`[${adapter}] secrets and tokens never appear in the logs`, async () => {
    const { idp } = deps().env;
    const text = deps().logs();
    assert.ok(text.length > 0, 'something was logged');
    for (const secret of [idp.basicClient.secret, idp.postClient.secret, VALIDATOR_KEY, Buffer.from(idp.basicClient.id + ':' + idp.basicClient.secret).toString('base64')]) {
      assert.equal(text.includes(secret), false, 'a secret was logged');
    }
    for (const t of used) assert.equal(text.includes(t), false, 'a token was logged');
  });
}

/**
 * The introspection and remote strategies' response rules, against a real small HTTP server whose
 * answer each test sets, through the Node ports (real fetch): what RFC 7662 §2.2 allows, every
 * fail-closed path, caching lifetimes, and the strategy-precedence rule of run-strategies.ts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { EndpointConfig, IntrospectionStrategy, RemoteStrategy, Strategy } from '../../src/core/config-types.ts';
import { basicCredentials, formBody } from '../../src/core/form-encoding.ts';
import { bearerToken } from '../../src/core/bearer-token.ts';
import { introspectionStrategy } from '../../src/core/strategies/introspection.ts';
import type { Outcome } from '../../src/core/strategies/outcome.ts';
import { remoteStrategy } from '../../src/core/strategies/remote.ts';
import { runStrategies } from '../../src/core/strategies/run-strategies.ts';
import { isJwtShaped } from '../../src/core/token-shape.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { closeServer, listen } from '../support/listen.ts';

const RESOURCE = 'https://mcp.example.com/mcp';
const now = (): number => Math.floor(Date.now() / 1000);

let reply: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '{}' };
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body));
});
let base = '';
before(async () => {
  base = `http://127.0.0.1:${await listen(server)}`;
});
after(() => closeServer(server));

function answer(body: unknown, status = 200): void {
  reply = { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function intro(o: Partial<IntrospectionStrategy> = {}): IntrospectionStrategy {
  return {
    type: 'introspection', endpoint: base + '/introspect', client_id: 'rs', client_secret: 's', client_auth: 'client_secret_basic',
    issuer: null, audience: [RESOURCE], require_audience: false, token_type: null, tokens: 'all', clock_skew: 60, cache_ttl: 300,
    negative_cache_ttl: 5, timeout: 2, ...o,
  };
}

function endpoint(strategies: Strategy[]): EndpointConfig {
  return {
    id: 'mcp', path: '/mcp', resource: RESOURCE, upstream: 'http://127.0.0.1:9', authorization_servers: [], scopes_supported: [], resource_name: null,
    strategies, pass_authorization: false,
    policy: { required_scopes: [], allowed_subjects: [], allowed_emails: [], allowed_groups: [], require_email_verified: false },
    claims: { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope', 'scp'] },
  };
}

function input(token: string | null, s: Strategy, headers: Record<string, string> = {}) {
  const authorization = token === null ? undefined : 'Bearer ' + token;
  return {
    req: { method: 'POST', path: '/mcp', query: '', host: 'h', scheme: 'https', headers: authorization ? { ...headers, authorization } : headers, clientIp: '127.0.0.1' },
    bearer: bearerToken(authorization),
    endpoint: endpoint([s]),
    ports: nodePorts(),
  };
}

const run = (s: IntrospectionStrategy, token = 'opaque-token'): Promise<Outcome> => introspectionStrategy(s, input(token, s));
const reason = (o: Outcome): string => (o.kind === 'reject' ? o.reason : o.kind);

describe('form encoding and client credentials (RFC 6749 §2.3.1)', () => {
  it('matches the RFC example and form-encodes before base64', () => {
    assert.equal(basicCredentials('s6BhdRkqt3', 'gX1fBat3bV'), 'Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW');
    assert.equal(basicCredentials('a:b', 'p w+é'), 'Basic ' + Buffer.from('a%3Ab:p+w%2B%C3%A9').toString('base64'));
    assert.equal(formBody([['token', "x y!'()~*"]]), 'token=x+y%21%27%28%29%7E*');
  });

  it('tells JWT-shaped tokens from opaque ones', () => {
    for (const t of ['eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln', 'a.b.', 'a.b.c.d.e']) assert.equal(isJwtShaped(t), true, t);
    for (const t of ['opaque', 'a.b', '.b.c', 'a.b.c.d', 'a+b.c.d', 'a.b.c=']) assert.equal(isJwtShaped(t), false, t);
  });
});

describe('introspection: what is accepted', () => {
  it('active with exp: cached until exp at most', async () => {
    answer({ active: true, sub: 'alice', scope: 'a b', exp: now() + 30, aud: RESOURCE + '/' });
    const o = await run(intro());
    assert.equal(o.kind, 'accept');
    if (o.kind !== 'accept') return;
    assert.deepEqual([o.principal.subject, o.principal.scopes, o.principal.strategy], ['alice', ['a', 'b'], 'introspection']);
    assert.ok(o.ttl <= 30 && o.ttl >= 28, String(o.ttl));
  });

  it('active without exp or aud: cached for cache_ttl; username stands in for a missing sub', async () => {
    answer({ active: true, username: 'bob', groups: ['g'] });
    const o = await run(intro({ cache_ttl: 42 }));
    assert.deepEqual(o.kind === 'accept' ? [o.principal.subject, o.principal.groups, o.ttl] : o, ['bob', ['g'], 42]);
  });

  it('the configured token_type, case-insensitively', async () => {
    answer({ active: true, sub: 'a', token_type: 'bearer' });
    assert.equal((await run(intro({ token_type: 'Bearer' }))).kind, 'accept');
  });
});

describe('introspection: what is refused', () => {
  const cases: Array<[string, unknown, Partial<IntrospectionStrategy>, string]> = [
    ['active: false (negative-cacheable)', { active: false }, {}, 'token_inactive'],
    ['active as a string', { active: 'true', sub: 'a' }, {}, 'introspection_unavailable'],
    ['no active member', { sub: 'a' }, {}, 'introspection_unavailable'],
    ['an array', [true], {}, 'introspection_unavailable'],
    ['expired by our clock (beyond skew)', { active: true, sub: 'a', exp: now() - 120 }, {}, 'token_expired'],
    ['exp not a number', { active: true, sub: 'a', exp: 'soon' }, {}, 'introspection_unavailable'],
    ['nbf in the future', { active: true, sub: 'a', nbf: now() + 600 }, {}, 'token_not_yet_valid'],
    ['a refresh token', { active: true, sub: 'a', token_type: 'refresh_token' }, {}, 'typ_mismatch'],
    ['no token_type when one is required', { active: true, sub: 'a' }, { token_type: 'Bearer' }, 'typ_mismatch'],
    ['another issuer', { active: true, sub: 'a', iss: 'https://evil.example.com' }, { issuer: 'https://auth.example.com' }, 'iss_mismatch'],
    ['no iss when an issuer is configured', { active: true, sub: 'a' }, { issuer: 'https://auth.example.com' }, 'iss_mismatch'],
    ['another audience', { active: true, sub: 'a', aud: ['https://other.example.com'] }, {}, 'aud_mismatch'],
    ['no aud with require_audience', { active: true, sub: 'a' }, { require_audience: true }, 'aud_mismatch'],
    ['no subject at all', { active: true, scope: 'a' }, {}, 'missing_claim'],
    ['not JSON', 'active=true', {}, 'introspection_unavailable'],
  ];
  for (const [name, body, o, expected] of cases) {
    it(name + ' → ' + expected, async () => {
      answer(body);
      const out = await run(intro(o));
      assert.equal(reason(out), expected);
      assert.equal(out.kind === 'reject' && out.ttl, expected === 'token_inactive' ? 5 : undefined, 'only inactive is negative-cacheable');
    });
  }

  for (const [status, expected] of [[500, 'introspection_unavailable'], [401, 'introspection_unavailable'], [429, 'introspection_unavailable'], [400, 'introspection_refused']] as const) {
    it(`HTTP ${status} → ${expected}`, async () => {
      answer({ active: true, sub: 'a' }, status);
      assert.equal(reason(await run(intro())), expected);
    });
  }

  it('a redirect is not followed', async () => {
    reply = { status: 302, body: '', headers: { location: base + '/elsewhere' } };
    assert.equal(reason(await run(intro())), 'introspection_unavailable');
  });

  it('an oversized answer is refused', async () => {
    answer({ active: true, sub: 'a', pad: 'x'.repeat(70 * 1024) });
    assert.equal(reason(await run(intro())), 'introspection_unavailable');
  });

  it('no token → skip; a malformed Authorization → malformed_token; tokens: opaque skips a JWT', async () => {
    const s = intro({ tokens: 'opaque' });
    assert.deepEqual(await introspectionStrategy(s, input(null, s)), { kind: 'skip' });
    assert.equal(reason(await introspectionStrategy(s, input('a b', s))), 'malformed_token');
    assert.deepEqual(await run(s, 'eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln'), { kind: 'skip', reason: 'unknown_token' });
  });
});

describe('remote', () => {
  const remote = (o: Partial<RemoteStrategy> = {}): RemoteStrategy => ({ type: 'remote', url: base + '/validate', headers: {}, timeout: 2, cache_ttl: 60, negative_cache_ttl: 5, ...o });
  const go = (s: RemoteStrategy) => remoteStrategy(s, input('tok', s));

  it('scopes as a space-delimited string; claims feed email and groups, not the subject', async () => {
    answer({ valid: true, subject: 'carol', scopes: 'a  b', claims: { sub: 'mallory', email: 'c@example.com', groups: ['x'] } });
    const o = await go(remote());
    assert.deepEqual(o.kind === 'accept' ? [o.principal.subject, o.principal.scopes, o.principal.email, o.principal.groups, o.ttl] : o, ['carol', ['a', 'b'], 'c@example.com', ['x'], 60]);
  });

  for (const [name, body, expected] of [
    ['valid: false', { valid: false }, 'token_invalid'],
    ['no subject', { valid: true, scopes: [] }, 'remote_unavailable'],
    ['scopes of numbers', { valid: true, subject: 's', scopes: [1] }, 'remote_unavailable'],
    ['claims not an object', { valid: true, subject: 's', claims: ['x'] }, 'remote_unavailable'],
    ['valid as a string', { valid: 'yes', subject: 's' }, 'remote_unavailable'],
  ] as const) {
    it(name + ' → ' + expected, async () => {
      answer(body);
      assert.equal(reason(await go(remote())), expected);
    });
  }
});

describe('strategy precedence (run-strategies.ts)', () => {
  const jwt: Strategy = { type: 'jwt', issuer: 'https://a', jwks_uri: 'http://127.0.0.1:9/jwks', audience: [RESOURCE], algorithms: ['RS256'], clock_skew: 60, required_claims: ['exp'], max_token_age: 0, typ: null, cache_ttl: 300 };

  it('jwt then introspection, opaque inactive token: introspection\'s rejection is reported, negative-cacheable', async () => {
    answer({ active: false });
    const s = intro();
    const o = await runStrategies([jwt, s], input('opaque-token', s));
    assert.deepEqual(o, { kind: 'reject', reason: 'token_inactive', ttl: 5 });
  });

  it('a strategy that reads other headers makes the denial uncacheable', async () => {
    answer({ active: false });
    const s = intro();
    const apikey: Strategy = { type: 'apikey', header: 'x-api-key', keys: [{ key: 'k'.repeat(20), subject: 'bot', scopes: [], groups: [] }] };
    assert.deepEqual(await runStrategies([s, apikey], input('opaque-token', s)), { kind: 'reject', reason: 'token_inactive' });
  });

  it('an inactive answer beside a failing service is not cacheable', async () => {
    answer({ active: false });
    const s = intro();
    const down: Strategy = { type: 'remote', url: 'http://127.0.0.1:9/none', headers: {}, timeout: 1, cache_ttl: 60, negative_cache_ttl: 5 };
    assert.deepEqual(await runStrategies([s, down], input('opaque-token', s)), { kind: 'reject', reason: 'token_inactive' });
  });

  it('a failure is never cacheable, whatever came first', async () => {
    answer('{}', 503);
    const s = intro();
    assert.deepEqual(await runStrategies([jwt, s], input('opaque-token', s)), { kind: 'reject', reason: 'introspection_unavailable' });
  });
});

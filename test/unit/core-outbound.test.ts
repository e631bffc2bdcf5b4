/**
 * The pure pieces of outbound credentials: bypass matching, the token request form (RFC 6749
 * §2.3.1 / §4.4.2, RFC 8693 §2.1), token response parsing, the query rewrite for nginx, and the
 * Node decision cache never answering a public sub-path from a cached token decision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBypassed } from '../../src/core/bypass.ts';
import type { CoreConfig, EndpointConfig, Ports } from '../../src/core/types.ts';
import { parseTokenResponse, tokenRequestForm } from '../../src/core/token-request-form.ts';
import type { UpstreamTokenAuth } from '../../src/core/upstream-auth-config.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { withQuery } from '../../src/core/with-query.ts';

function ep(path: string, bypass: string[]): EndpointConfig {
  return { id: 'e', path, resource: 'https://x' + path, upstream: 'http://u', authorization_servers: [], scopes_supported: [], resource_name: null, strategies: [{ type: 'bearer', tokens: [{ token: 'tok-0123456789abcdef', subject: 'svc', scopes: [], groups: [] }] }], policy: { required_scopes: [], allowed_subjects: [], allowed_emails: [], allowed_groups: [], require_email_verified: false }, claims: { subject: 'sub', email: 'email', email_verified: 'email_verified', groups: 'groups', scopes: ['scope'] }, pass_authorization: false, upstream_auth: { type: 'static', token: 'ours-0123456789' }, bypass };
}

const AUTH: UpstreamTokenAuth = {
  type: 'client_credentials', token_endpoint: 'https://idp/token', issuer: null, client_id: 'my client:1', client_secret: 's&cret+/=', auth_method: 'client_secret_basic',
  scope: 'read write', audience: 'api', resource: 'https://api.example.com', expiry_margin: 30, default_ttl: 300, retries: 2, retry_delay_ms: 200,
};

describe('bypass matching', () => {
  const e = ep('/mcp', ['/mcp/health', '/mcp/public/*']);
  it('exact entries match only themselves', () => {
    assert.equal(isBypassed(e, '/mcp/health'), true);
    assert.equal(isBypassed(e, '/mcp/healthz'), false);
    assert.equal(isBypassed(e, '/mcp/health/x'), false);
    assert.equal(isBypassed(e, '/mcp'), false);
  });
  it('a /* entry matches everything below the directory, not the directory itself', () => {
    assert.equal(isBypassed(e, '/mcp/public/a'), true);
    assert.equal(isBypassed(e, '/mcp/public/a/b'), true);
    assert.equal(isBypassed(e, '/mcp/public/'), false);
    assert.equal(isBypassed(e, '/mcp/public'), false);
    assert.equal(isBypassed(e, '/mcp/publicity'), false);
  });
  it('no bypass list, nothing bypassed', () => {
    assert.equal(isBypassed(ep('/mcp', []), '/mcp/health'), false);
  });
});

describe('token request form', () => {
  it('client_credentials with Basic: id and secret form-encoded before base64 (RFC 6749 §2.3.1)', () => {
    const f = tokenRequestForm(AUTH, null);
    assert.equal(Buffer.from(f.basic ?? '', 'base64').toString(), 'my+client%3A1:s%26cret%2B%2F%3D');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(f.body)), { grant_type: 'client_credentials', scope: 'read write', audience: 'api', resource: 'https://api.example.com' });
  });
  it('client_secret_post puts both in the body, no Basic', () => {
    const f = tokenRequestForm({ ...AUTH, auth_method: 'client_secret_post', scope: null, audience: null, resource: null }, null);
    assert.equal(f.basic, null);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(f.body)), { grant_type: 'client_credentials', client_id: 'my client:1', client_secret: 's&cret+/=' });
  });
  it('token exchange: the subject token as an access token (RFC 8693 §2.1)', () => {
    const f = tokenRequestForm({ ...AUTH, type: 'token_exchange', scope: null, resource: null }, 'eyJ.user.token');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(f.body)), {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'eyJ.user.token',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: 'api',
    });
  });
  it('parses token responses; refuses ones without an access_token', () => {
    assert.deepEqual(parseTokenResponse('{"access_token":"a","expires_in":60}'), { accessToken: 'a', expiresIn: 60 });
    assert.deepEqual(parseTokenResponse('{"access_token":"a"}'), { accessToken: 'a', expiresIn: null });
    assert.equal(parseTokenResponse('{"token_type":"Bearer"}'), null);
    assert.equal(parseTokenResponse('<html>'), null);
  });
});

describe('withQuery (nginx upstream args)', () => {
  it('replaces a client copy, keeps other args, encodes the value', () => {
    assert.equal(withQuery('x=1&api_key=guess&y=2', { api_key: 'k&v' }), 'x=1&y=2&api_key=k%26v');
    assert.equal(withQuery('', { api_key: 'k' }), 'api_key=k');
    assert.equal(withQuery('api%5Fkey=guess', { api_key: 'k' }), 'api_key=k');
  });
});

describe('Node decision cache and bypass', () => {
  it('a cached token decision never answers a public sub-path (no credential, no identity there)', async () => {
    const e = ep('/mcp', ['/mcp/health']);
    const config: CoreConfig = { endpoints: [e], identity_headers: { subject: 'X-MCP-Subject', email: 'X-MCP-Email', groups: 'X-MCP-Groups', scopes: 'X-MCP-Scopes' }, cors: { allowed_origins: ['*'], max_age: 600 }, max_token_length: 4096 };
    // Cache the decision for the static token: bearer strategy accepts with a TTL.
    const ports: Ports = { now: () => 1000, supportsAlg: () => false, verify: async () => false, getJwks: async () => ({ ok: false, reason: 'x' }) };
    const decider = createCachedDecider(config, ports);
    const req = (path: string) => ({ method: 'GET', path, query: '', host: 'x', scheme: 'https', headers: { authorization: 'Bearer tok-0123456789abcdef' }, clientIp: '127.0.0.1' });
    const first = await decider.decide(req('/mcp'));
    assert.equal(first.decision.action, 'allow');
    assert.equal((first.decision as { setHeaders: Record<string, string> }).setHeaders['Authorization'], 'Bearer ours-0123456789');
    const health = await decider.decide(req('/mcp/health'));
    assert.equal(health.cached, false);
    assert.equal(health.decision.action, 'allow');
    assert.deepEqual((health.decision as { setHeaders: Record<string, string> }).setHeaders, {});
    assert.ok((health.decision as { removeHeaders: string[] }).removeHeaders.includes('authorization'));
  });
});

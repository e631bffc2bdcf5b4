/**
 * Two companions on one real redis-server: single-use authorization codes and refresh-token reuse
 * detection hold across replicas; with Redis down the token endpoint fails closed with 503 while
 * nginx keeps admitting requests with valid tokens (the data plane never needs Redis).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startCompanionReplicas, type CompanionReplicas } from '../support/companion-replicas.ts';
import { authorizeInBrowser, pkce, registerClient, tokenRequest, USERS, type TestCompanion } from '../support/companion.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { request } from '../support/http.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';
import type { RunningRedis } from '../support/redis.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const REDIRECT = 'http://127.0.0.1:43210/callback';

describe('companion replicas on Redis', () => {
  let replicas: CompanionReplicas;
  let redis: RunningRedis;
  let a: TestCompanion;
  let b: TestCompanion;
  let clientId: string;
  before(async () => {
    // Replicas share the issuer and the store; each listens on its own port here.
    replicas = await startCompanionReplicas();
    ({ redis, a, b } = replicas);
    clientId = (await registerClient(replicas.issuer, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'replica test' })).client_id;
  });
  after(async () => {
    await replicas?.stop();
  });

  async function code(): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const url = new URL(`${a.issuer}/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE, state: 's' })) url.searchParams.set(k, v);
    const { redirect } = await authorizeInBrowser(url.toString(), USERS.alice);
    return { code: new URL(redirect).searchParams.get('code') as string, verifier };
  }

  it('a code is redeemed once across replicas, even when both race', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await code();
      const params = { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT, client_id: clientId };
      const results = await Promise.all([tokenRequest(a.url, params), tokenRequest(b.url, params)]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 400], JSON.stringify(results.map((r) => r.json)));
      assert.equal(results.filter((r) => r.status === 400)[0].json.error, 'invalid_grant');
    }
  });

  it('refresh rotation and reuse detection hold across replicas', async () => {
    const c = await code();
    const first = await tokenRequest(a.url, { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT, client_id: clientId });
    assert.equal(first.status, 200);
    const rt1 = String(first.json.refresh_token);
    const second = await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: rt1, client_id: clientId });
    assert.equal(second.status, 200, 'the other replica rotates it');
    const reuse = await tokenRequest(a.url, { grant_type: 'refresh_token', refresh_token: rt1, client_id: clientId });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json.error, 'invalid_grant');
    const family = await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: String(second.json.refresh_token), client_id: clientId });
    assert.equal(family.status, 400, 'reuse on one replica revoked the grant for both');
  });

  describe('with Redis down', () => {
    let upstream: EchoUpstream;
    let nginx: ProtectedNginx;
    let accessToken: string;
    let refreshToken: string;
    before(async () => {
      const c = await code();
      const t = await tokenRequest(a.url, { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT, client_id: clientId });
      accessToken = String(t.json.access_token);
      refreshToken = String(t.json.refresh_token);
      upstream = await startEchoUpstream();
      const parsed = parseConfig(`endpoints:
  - path: /mcp
    resource: ${RESOURCE}
    upstream: ${upstream.url}
    authorization_servers: [${a.issuer}]
    strategies: [{ type: jwt, issuer: ${a.issuer}, jwks_uri: ${a.url}/jwks, algorithms: [ES256], typ: at+jwt }]
    policy: { required_scopes: [mcp:tools] }
`, {});
      assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
      nginx = await startProtectedNginx(toCoreConfig(parsed.config));
      await redis.stop();
    });
    after(async () => {
      await nginx?.stop();
      await upstream?.stop();
    });

    it('the token endpoint fails closed with a clear 503', async () => {
      const r = await tokenRequest(a.url, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
      assert.equal(r.status, 503, JSON.stringify(r.json));
      assert.ok(typeof r.json.error === 'string', 'an error code in the body');
    });

    it('nginx keeps admitting requests with valid tokens', async () => {
      const res = await request(nginx.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer ' + accessToken }, body: '{}' });
      assert.equal(res.status, 200, res.body);
      assert.equal(upstream.requests[upstream.requests.length - 1].headers['x-mcp-subject'] !== undefined, true);
    });
  });
});

/**
 * Federated accounts live in the companion's storage: a person who signed in at the upstream IdP
 * (test/support/upstream-idp.ts) can refresh their token after the companion restarted on the
 * same SQLite file, and on another replica sharing a real redis-server, with the same `sub`,
 * email, groups and scopes in the new access token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { startCompanionReplicas, type CompanionReplicas } from '../support/companion-replicas.ts';
import { registerClient, startTestCompanion, tokenRequest, type TestCompanion } from '../support/companion.ts';
import { federatedTokens } from '../support/federated-sign-in.ts';
import { freePort } from '../support/free-port.ts';
import { loginOidcYaml, startUpstreamIdp, type UpstreamIdp, type UpstreamUser } from '../support/upstream-idp.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const REDIRECT = 'http://127.0.0.1:43219/callback';
const IDP_SECRET = 'upstream-client-secret-persist-0123456789';
const DANA: UpstreamUser = { sub: 'u-dana', email: 'Dana@Example.com', email_verified: true, groups: ['ops', 'mcp-users'], password: 'pw-dana' };

/** The identity claims of an access token, for comparing before and after. */
function identity(accessToken: string): Record<string, unknown> {
  const c = decodeJwt(accessToken);
  return { sub: c.sub, email: c.email, groups: c.groups, scope: String(c.scope).split(' ').sort(), aud: c.aud, iss: c.iss };
}

const EXPECTED_SCOPES = ['mcp:admin', 'mcp:tools'];

async function startIdp(redirectBase: string): Promise<UpstreamIdp> {
  return startUpstreamIdp({ clients: [{ client_id: 'mcp-authz', client_secret: IDP_SECRET, redirect_uris: [`${redirectBase}/consent/callback`] }], users: [DANA] });
}

describe('federated accounts in the companion storage', () => {
  describe('one companion on SQLite, restarted', () => {
    let idp: UpstreamIdp;
    let as: TestCompanion;
    let clientId: string;
    before(async () => {
      const port = await freePort();
      idp = await startIdp(`http://127.0.0.1:${port}`);
      as = await startTestCompanion({
        port,
        resources: [{ path: '/mcp', resource: RESOURCE, scopes: ['mcp:tools', 'mcp:admin'] }],
        env: { IDP_SECRET },
        extra: loginOidcYaml(idp.issuer, ['dana@example.com']),
      });
      clientId = (await registerClient(as.issuer, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'persist test' })).client_id;
    });
    after(async () => {
      await as?.dispose();
      await idp?.stop();
    });

    it('refreshes a federated token after a restart, with the same sub and claims, without signing in again', async () => {
      const first = await federatedTokens({
        issuer: as.issuer, idpIssuer: idp.issuer, clientId, redirectUri: REDIRECT, resource: RESOURCE,
        scope: 'mcp:tools mcp:admin', login: DANA.email, password: DANA.password,
      });
      const before = identity(first.access_token);
      assert.deepEqual(before, {
        sub: `${idp.issuer}#u-dana`, email: 'dana@example.com', groups: ['ops', 'mcp-users'], scope: EXPECTED_SCOPES, aud: RESOURCE, iss: as.issuer,
      });
      const logins = idp.loginCount;

      await as.restart();
      const refreshed = await tokenRequest(as.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
      assert.deepEqual(identity(String(refreshed.json.access_token)), before);
      assert.notEqual(refreshed.json.refresh_token, first.refresh_token, 'rotated');
      assert.equal(idp.loginCount, logins, 'nobody signed in at the IdP again');

      // And again after a second restart, with the rotated token (findAccount reads the store each time).
      await as.restart();
      const again = await tokenRequest(as.url, { grant_type: 'refresh_token', refresh_token: String(refreshed.json.refresh_token), client_id: clientId });
      assert.equal(again.status, 200, JSON.stringify(again.json));
      assert.deepEqual(identity(String(again.json.access_token)), before);
    });

    it('keeps what the IdP said at the last sign-in: a new sign-in updates the stored groups', async () => {
      idp.setUser({ ...DANA, groups: ['ops'] });
      try {
        const t = await federatedTokens({
          issuer: as.issuer, idpIssuer: idp.issuer, clientId, redirectUri: REDIRECT, resource: RESOURCE,
          scope: 'mcp:tools', login: DANA.email, password: DANA.password,
        });
        assert.deepEqual(decodeJwt(t.access_token).groups, ['ops']);
        await as.restart();
        const r = await tokenRequest(as.url, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: clientId });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assert.deepEqual(decodeJwt(String(r.json.access_token)).groups, ['ops']);
      } finally {
        idp.setUser(DANA);
      }
    });
  });

  describe('two replicas on one redis-server', () => {
    let replicas: CompanionReplicas;
    let idp: UpstreamIdp;
    let a: TestCompanion;
    let b: TestCompanion;
    let clientId: string;
    before(async () => {
      replicas = await startCompanionReplicas(async (issuer) => {
        idp = await startIdp(issuer);
        return {
          resources: [{ path: '/mcp', resource: RESOURCE, scopes: ['mcp:tools', 'mcp:admin'] }],
          env: { IDP_SECRET },
          extra: loginOidcYaml(idp.issuer, ['dana@example.com']),
        };
      });
      ({ a, b } = replicas);
      clientId = (await registerClient(replicas.issuer, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'replica test' })).client_id;
    });
    after(async () => {
      await replicas?.stop();
      await idp?.stop();
    });

    it('a person who signed in on A refreshes on B with the same sub and claims', async () => {
      const first = await federatedTokens({
        issuer: a.issuer, idpIssuer: idp.issuer, clientId, redirectUri: REDIRECT, resource: RESOURCE,
        scope: 'mcp:tools mcp:admin', login: DANA.email, password: DANA.password,
      });
      const expected = identity(first.access_token);
      assert.equal(expected.sub, `${idp.issuer}#u-dana`);
      assert.deepEqual(expected.scope, EXPECTED_SCOPES);
      const onB = await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
      assert.equal(onB.status, 200, JSON.stringify(onB.json));
      assert.deepEqual(identity(String(onB.json.access_token)), expected);
      // Back on A with B's rotated token.
      const onA = await tokenRequest(a.url, { grant_type: 'refresh_token', refresh_token: String(onB.json.refresh_token), client_id: clientId });
      assert.equal(onA.status, 200, JSON.stringify(onA.json));
      assert.deepEqual(identity(String(onA.json.access_token)), expected);
    });
  });
});

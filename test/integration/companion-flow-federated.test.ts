/**
 * The whole MCP authorization flow of companion-flow.test.ts, with the sign-in at an upstream
 * OpenID Provider (`authorization_server.login.oidc`, no built-in users): the official MCP SDK
 * client against the sample MCP server behind real nginx with the mcp-authz module, the
 * companion AS hosted by `serve` (in-process) behind the same nginx, and a second oidc-provider
 * (test/support/upstream-idp.ts) as the IdP. The test plays the person at the browser.
 *
 * 401 → PRM → AS metadata → DCR → authorize → the IdP's login form → the companion's callback →
 * consent → token (federated `sub`, the IdP user's email and groups) → tools/list and a streamed
 * tools/call → refresh (rotation) → the old refresh token is refused and revokes the family.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { flowCompanionYaml, startFlowStack, type FlowStack } from '../support/companion-flow-stack.ts';
import type { RunningMcpServer } from '../support/mcp-server.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { callToolsStreaming, createSdkFlow, discoverAndRegister, finishAuthorization, refreshThenReuse } from '../support/mcp-sdk-flow.ts';
import { loginOidcYaml, startUpstreamIdp, type UpstreamIdp, type UpstreamUser } from '../support/upstream-idp.ts';
import { createUserAgent, parseForms } from '../support/user-agent.ts';

const IDP_SECRET = 'upstream-client-secret-flow-0123456789abcdef';
const CLIENT_REDIRECT = 'http://127.0.0.1:47998/callback';
const CAROL: UpstreamUser = { sub: 'u-carol', email: 'Carol@Example.com', email_verified: true, groups: ['staff', 'mcp-users'], password: 'pw-carol-upstream' };

describe('MCP SDK client → nginx (mcp-authz) → sample MCP server, signed in at an upstream IdP', () => {
  let stack: FlowStack;
  let mcp: RunningMcpServer;
  let idp: UpstreamIdp;
  let issuer: string;
  let resource: string;
  const logs: string[] = [];

  before(async () => {
    stack = await startFlowStack({
      dirPrefix: 'mcp-authz-flow-fed-',
      authorizationServer: async (o) => {
        // The companion's callback is reached through nginx, at the issuer.
        idp = await startUpstreamIdp({
          clients: [{ client_id: 'mcp-authz', client_secret: IDP_SECRET, redirect_uris: [`${o.issuer}/consent/callback`] }],
          users: [CAROL],
        });
        return flowCompanionYaml(o, loginOidcYaml(idp.issuer));
      },
      parseEnv: { IDP_SECRET },
      serviceEnv: { IDP_SECRET },
      writeLine: (line) => logs.push(line),
    });
    ({ mcp, issuer, resource } = stack);
  });
  after(async () => {
    await stack?.stop();
    await idp?.stop();
  });

  it('authorizes through the IdP, calls tools with streaming, refreshes, and revokes the family on reuse', async () => {
    const oauth = createTestOAuthClient(CLIENT_REDIRECT);
    const flow = createSdkFlow(issuer, resource, oauth);
    const { transport, registered, authUrl } = await discoverAndRegister(flow, 'flow-fed-test');

    // The browser: the companion's login page offers only the IdP (no built-in users).
    const ua = createUserAgent();
    const loginPage = await ua.follow(await ua.get(authUrl.href), issuer);
    assert.ok(!('redirect' in loginPage), 'expected the login page');
    assert.equal(loginPage.status, 200);
    const forms = parseForms(loginPage.body, loginPage.url);
    assert.deepEqual(forms.map((f) => f.fields.method), ['oidc'], 'only the IdP is offered');
    const toIdp = await ua.post(forms[0]!.action, forms[0]!.fields);
    assert.equal(toIdp.status, 303);
    const idpAuthorize = new URL(toIdp.headers.get('location')!);
    assert.equal(idpAuthorize.origin, idp.issuer);
    assert.equal(idpAuthorize.searchParams.get('redirect_uri'), `${issuer}/consent/callback`);
    assert.equal(idpAuthorize.searchParams.get('code_challenge_method'), 'S256');

    // At the IdP: its own login form; signing in sends the browser back to the companion.
    const idpLogin = await ua.follow(await ua.get(idpAuthorize.href), idp.issuer);
    assert.ok(!('redirect' in idpLogin) && idpLogin.status === 200, 'IdP login form');
    assert.match(idpLogin.body, /Sign in to the upstream IdP/);
    const idpForm = parseForms(idpLogin.body, idpLogin.url)[0]!;
    const logins = idp.loginCount;
    const fromIdp = await ua.follow(await ua.post(idpForm.action, { ...idpForm.fields, login: CAROL.email, password: CAROL.password }), idp.issuer);
    assert.ok('redirect' in fromIdp, 'IdP redirects back');
    assert.equal(idp.loginCount, logins + 1);
    const callback = new URL(fromIdp.redirect);
    assert.equal(callback.origin + callback.pathname, `${issuer}/consent/callback`);
    assert.equal(callback.searchParams.get('state'), idpAuthorize.searchParams.get('state'));

    // Back at the companion (through nginx): consent, then the client's loopback redirect.
    const consentPage = await ua.follow(await ua.get(callback.href), issuer);
    assert.ok(!('redirect' in consentPage), 'consent page expected');
    assert.equal(consentPage.status, 200, consentPage.body.slice(0, 300));
    assert.match(consentPage.body, /Allow access\?/);
    assert.match(consentPage.body, /mcp-authz flow test/);
    const allow = parseForms(consentPage.body, consentPage.url).find((f) => f.action.endsWith('/confirm'));
    assert.ok(allow, 'allow form');
    const done = await ua.follow(await ua.post(allow.action, allow.fields), issuer);
    assert.ok('redirect' in done, 'redirect to the client expected');
    const { tokens, claims } = await finishAuthorization(flow, transport, done.redirect);
    const federatedSub = `${idp.issuer}#${CAROL.sub}`;
    assert.equal(claims.sub, federatedSub, 'the federated account id');
    assert.equal(claims.email, 'carol@example.com');
    assert.deepEqual(claims.groups, CAROL.groups);
    assert.deepEqual(String(claims.scope).split(' '), ['mcp:tools']);

    await callToolsStreaming(flow, 'flow-fed-test');

    // The MCP server saw the federated identity, never the token.
    const lastSeen = mcp.received.at(-1)!;
    assert.equal(lastSeen.authorization, undefined);
    assert.equal(lastSeen['x-mcp-subject'], federatedSub);

    // Refresh: a new pair, same federated identity; the rotated-out refresh token then revokes the grant.
    const refreshed = await refreshThenReuse(flow, registered, tokens, 'flow-fed-test', (r) => {
      const refreshedClaims = decodeJwt(r.access_token);
      assert.equal(refreshedClaims.sub, federatedSub);
      assert.equal(refreshedClaims.email, 'carol@example.com');
      assert.deepEqual(refreshedClaims.groups, CAROL.groups);
    });
    const log = logs.join('\n');
    assert.match(log, /"event":"login.success"[^\n]*"method":"oidc"/);
    assert.ok(logs.some((l) => l.includes('"grant.revoked"')));
    for (const secret of [tokens.access_token, tokens.refresh_token, refreshed.refresh_token, CAROL.password, IDP_SECRET, callback.searchParams.get('code')!]) {
      assert.equal(log.includes(secret), false, 'no token, code or password in the service log');
    }
  });
});

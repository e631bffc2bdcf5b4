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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { discoverAuthorizationServerMetadata, refreshAuthorization, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { toCoreConfig, type AppConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { freePort } from '../support/free-port.ts';
import { startMcpServer, type RunningMcpServer } from '../support/mcp-server.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';
import { startUpstreamIdp, type UpstreamIdp, type UpstreamUser } from '../support/upstream-idp.ts';
import { createUserAgent, parseForms } from '../support/user-agent.ts';

const IDP_SECRET = 'upstream-client-secret-flow-0123456789abcdef';
const CLIENT_REDIRECT = 'http://127.0.0.1:47998/callback';
const CAROL: UpstreamUser = { sub: 'u-carol', email: 'Carol@Example.com', email_verified: true, groups: ['staff', 'mcp-users'], password: 'pw-carol-upstream' };

/** The AS routes of docker/nginx/nginx.conf, pointed at the companion's port. */
function asRoutes(companionPort: number): string {
  return `location ~ ^/\\.well-known/(oauth-authorization-server|openid-configuration)(/|$) {
        proxy_pass http://127.0.0.1:${companionPort};
    }
    location ~ ^/(authorize|token|register|jwks|consent)(/|$) {
        proxy_pass http://127.0.0.1:${companionPort};
    }`;
}

function configYaml(o: { issuer: string; resource: string; upstream: string; companionPort: number; dir: string; idpIssuer: string }): string {
  return `serve:
  forward_auth: { listen: 127.0.0.1:0 }
  ext_authz: { listen: 127.0.0.1:0 }
  admin: { listen: 127.0.0.1:0 }
  companion: { listen: 127.0.0.1:${o.companionPort} }
endpoints:
  - path: /mcp
    resource: ${o.resource}
    upstream: ${o.upstream}
    authorization_servers: [${o.issuer}]
    strategies:
      - { type: jwt, issuer: ${o.issuer}, jwks_uri: http://127.0.0.1:${o.companionPort}/jwks, algorithms: [ES256], typ: at+jwt }
    policy: { required_scopes: [mcp:tools] }
authorization_server:
  issuer: ${o.issuer}
  keys: { dir: ${o.dir}/keys }
  storage: { type: sqlite, path: ${o.dir}/companion.sqlite }
  login:
    oidc:
      issuer: ${o.idpIssuer}
      client_id: mcp-authz
      client_secret_env: IDP_SECRET
      scopes: [openid, email, profile]
      allowed_email_domains: [example.com]
      require_email_verified: true
      groups_claim: groups
      user_scopes: [mcp:tools]
`;
}

describe('MCP SDK client → nginx (mcp-authz) → sample MCP server, signed in at an upstream IdP', () => {
  let dir: string;
  let mcp: RunningMcpServer;
  let idp: UpstreamIdp;
  let service: RunningService;
  let nginx: ProtectedNginx;
  let config: AppConfig;
  let issuer: string;
  let resource: string;
  const seen: Array<{ method: string; url: string; status: number }> = [];
  const logs: string[] = [];

  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    seen.push({ method: init?.method ?? (input instanceof Request ? input.method : 'GET'), url, status: res.status });
    return res;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-authz-flow-fed-'));
    mcp = await startMcpServer();
    const nginxPort = await freePort();
    const companionPort = await freePort();
    issuer = `http://127.0.0.1:${nginxPort}`;
    resource = `${issuer}/mcp`;
    // The companion's callback is reached through nginx, at the issuer.
    idp = await startUpstreamIdp({
      clients: [{ client_id: 'mcp-authz', client_secret: IDP_SECRET, redirect_uris: [`${issuer}/consent/callback`] }],
      users: [CAROL],
    });
    const parsed = parseConfig(configYaml({ issuer, resource, upstream: `http://127.0.0.1:${mcp.port}`, companionPort, dir, idpIssuer: idp.issuer }), { IDP_SECRET });
    if (!parsed.ok) assert.fail(JSON.stringify(parsed.errors));
    config = parsed.config;
    service = await startService(config, { env: { IDP_SECRET }, writeLine: (line) => logs.push(line) });
    nginx = await startProtectedNginx(toCoreConfig(config), { port: nginxPort, serverExtra: asRoutes(companionPort) });
  });
  after(async () => {
    await nginx?.stop();
    await service?.stop();
    await idp?.stop();
    await mcp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authorizes through the IdP, calls tools with streaming, refreshes, and revokes the family on reuse', async () => {
    const oauth = createTestOAuthClient(CLIENT_REDIRECT);
    const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: oauth, fetch: recordingFetch });
    const first = new Client({ name: 'flow-fed-test', version: '1.0.0' });
    await assert.rejects(first.connect(transport), UnauthorizedError);

    // 401 with resource_metadata → PRM (nginx) → AS metadata and DCR (the companion, via nginx).
    const path = (u: string): string => new URL(u).pathname;
    assert.deepEqual(seen[0] && { method: seen[0].method, path: path(seen[0].url), status: seen[0].status }, { method: 'POST', path: '/mcp', status: 401 });
    assert.ok(seen.some((r) => path(r.url) === '/.well-known/oauth-protected-resource/mcp' && r.status === 200), 'PRM fetched');
    assert.ok(seen.some((r) => path(r.url) === '/.well-known/oauth-authorization-server' && r.status === 200), 'AS metadata fetched');
    assert.ok(seen.some((r) => r.method === 'POST' && path(r.url) === '/register' && r.status === 201), 'client registered');
    const registered = await oauth.clientInformation();
    assert.ok(registered?.client_id);

    assert.ok(oauth.authorizationUrl, 'the SDK asked to open the authorization URL');
    const authUrl = new URL(oauth.authorizationUrl);
    assert.equal(authUrl.origin + authUrl.pathname, `${issuer}/authorize`);
    assert.equal(authUrl.searchParams.get('resource'), resource);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');

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
    const back = new URL(done.redirect);
    assert.equal(back.origin + back.pathname, CLIENT_REDIRECT);
    assert.equal(back.searchParams.get('iss'), issuer, 'RFC 9207');
    assert.equal(back.searchParams.get('state'), oauth.states.at(-1));
    await transport.finishAuth(back.searchParams.get('code')!);

    const tokens = await oauth.tokens();
    assert.ok(tokens?.access_token && tokens.refresh_token);
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
    const claims = decodeJwt(tokens.access_token);
    const federatedSub = `${idp.issuer}#${CAROL.sub}`;
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, resource);
    assert.equal(claims.sub, federatedSub, 'the federated account id');
    assert.equal(claims.email, 'carol@example.com');
    assert.deepEqual(claims.groups, CAROL.groups);
    assert.deepEqual(String(claims.scope).split(' '), ['mcp:tools']);

    // A fresh connection with the token: tools/list, then a tool call streamed over SSE.
    const client = new Client({ name: 'flow-fed-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: oauth, fetch: recordingFetch }));
    const tools = await client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['countdown', 'echo']);
    const messages: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      messages.push(n.params.data);
    });
    const progress: Progress[] = [];
    const result = await client.callTool({ name: 'countdown', arguments: { from: 3, delayMs: 50 } }, undefined, { onprogress: (p) => progress.push(p) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'liftoff' }]);
    assert.deepEqual(progress.map((p) => p.progress), [1, 2, 3]);
    assert.deepEqual(messages, ['3', '2', '1']);
    await client.close();

    // The MCP server saw the federated identity, never the token.
    const lastSeen = mcp.received.at(-1)!;
    assert.equal(lastSeen.authorization, undefined);
    assert.equal(lastSeen['x-mcp-subject'], federatedSub);

    // Refresh: a new pair, same federated identity; the rotated-out refresh token then revokes the grant.
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    assert.ok(metadata);
    const refreshed = await refreshAuthorization(issuer, { metadata, clientInformation: registered, refreshToken: tokens.refresh_token, resource: new URL(resource) });
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
    const refreshedClaims = decodeJwt(refreshed.access_token);
    assert.equal(refreshedClaims.sub, federatedSub);
    assert.equal(refreshedClaims.email, 'carol@example.com');
    assert.deepEqual(refreshedClaims.groups, CAROL.groups);
    oauth.setTokens(refreshed);
    const again = new Client({ name: 'flow-fed-test', version: '1.0.0' });
    await again.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: oauth, fetch: recordingFetch }));
    assert.equal((await again.listTools()).tools.length, 2);
    await again.close();

    await assert.rejects(
      refreshAuthorization(issuer, { metadata, clientInformation: registered, refreshToken: tokens.refresh_token, resource: new URL(resource) }),
      (err: Error) => /invalid_grant|already used/i.test(`${err.name} ${err.message} ${(err as { errorCode?: string }).errorCode ?? ''}`),
    );
    await assert.rejects(
      refreshAuthorization(issuer, { metadata, clientInformation: registered, refreshToken: refreshed.refresh_token, resource: new URL(resource) }),
      (err: Error) => /invalid_grant|grant/i.test(`${err.name} ${err.message} ${(err as { errorCode?: string }).errorCode ?? ''}`),
      'the newer refresh token died with its grant',
    );
    const log = logs.join('\n');
    assert.match(log, /"event":"login.success"[^\n]*"method":"oidc"/);
    assert.ok(logs.some((l) => l.includes('"grant.revoked"')));
    for (const secret of [tokens.access_token, tokens.refresh_token, refreshed.refresh_token, CAROL.password, IDP_SECRET, callback.searchParams.get('code')!]) {
      assert.equal(log.includes(secret), false, 'no token, code or password in the service log');
    }
  });
});

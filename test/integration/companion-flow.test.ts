/**
 * The whole MCP authorization flow with real components: the official MCP SDK client
 * (StreamableHTTPClientTransport + an OAuthClientProvider) against the sample MCP server behind
 * real nginx with the mcp-authz module, the companion AS hosted by `serve` (in-process), and nginx
 * routing the AS paths to it as in production (docker/nginx/nginx.conf), so the issuer is the
 * nginx URL. The test plays the person at the browser.
 *
 * 401 → PRM → AS metadata → DCR → authorize (login, consent) → token → tools/list and a streamed
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
import { authorizeInBrowser, USERS } from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';
import { startMcpServer, type RunningMcpServer } from '../support/mcp-server.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

/** The AS routes of docker/nginx/nginx.conf, pointed at the companion's port. */
function asRoutes(companionPort: number): string {
  return `location ~ ^/\\.well-known/(oauth-authorization-server|openid-configuration)(/|$) {
        proxy_pass http://127.0.0.1:${companionPort};
    }
    location ~ ^/(authorize|token|register|jwks|consent)(/|$) {
        proxy_pass http://127.0.0.1:${companionPort};
    }`;
}

function configYaml(o: { issuer: string; resource: string; upstream: string; companionPort: number; dir: string }): string {
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
      # nginx fetches the keys from the companion directly (no jwks_uri would mean <issuer>/jwks).
      - { type: jwt, issuer: ${o.issuer}, jwks_uri: http://127.0.0.1:${o.companionPort}/jwks, algorithms: [ES256], typ: at+jwt }
    policy: { required_scopes: [mcp:tools] }
authorization_server:
  issuer: ${o.issuer}
  keys: { dir: ${o.dir}/keys }
  storage: { type: sqlite, path: ${o.dir}/companion.sqlite }
  users:
    - { username: alice, password_env: ALICE_PASSWORD, scopes: [mcp:tools], email: alice@example.com }
`;
}

describe('MCP SDK client → nginx (mcp-authz) → sample MCP server, tokens from the companion', () => {
  let dir: string;
  let mcp: RunningMcpServer;
  let service: RunningService;
  let nginx: ProtectedNginx;
  let config: AppConfig;
  let issuer: string;
  let resource: string;
  const seen: Array<{ method: string; url: string; status: number }> = [];
  const logs: string[] = [];

  // Every request the SDK makes (MCP and OAuth alike), with its status.
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    seen.push({ method: init?.method ?? (input instanceof Request ? input.method : 'GET'), url, status: res.status });
    return res;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-authz-flow-'));
    mcp = await startMcpServer();
    const nginxPort = await freePort();
    const companionPort = await freePort();
    issuer = `http://127.0.0.1:${nginxPort}`;
    resource = `${issuer}/mcp`;
    const parsed = parseConfig(configYaml({ issuer, resource, upstream: `http://127.0.0.1:${mcp.port}`, companionPort, dir }), {});
    if (!parsed.ok) assert.fail(JSON.stringify(parsed.errors));
    config = parsed.config;
    service = await startService(config, { env: { ALICE_PASSWORD: USERS.alice.password }, writeLine: (line) => logs.push(line) });
    nginx = await startProtectedNginx(toCoreConfig(config), { port: nginxPort, serverExtra: asRoutes(companionPort) });
  });
  after(async () => {
    await nginx?.stop();
    await service?.stop();
    await mcp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authorizes, calls tools with streaming, refreshes, and revokes the family on refresh-token reuse', async () => {
    const oauth = createTestOAuthClient('http://127.0.0.1:47999/callback');
    const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: oauth, fetch: recordingFetch });
    const first = new Client({ name: 'flow-test', version: '1.0.0' });
    await assert.rejects(first.connect(transport), UnauthorizedError);

    // 401 with resource_metadata → PRM (served by nginx) → AS metadata and DCR (routed to the companion).
    const path = (u: string): string => new URL(u).pathname;
    assert.deepEqual(seen[0] && { method: seen[0].method, path: path(seen[0].url), status: seen[0].status }, { method: 'POST', path: '/mcp', status: 401 });
    assert.ok(seen.some((r) => path(r.url) === '/.well-known/oauth-protected-resource/mcp' && r.status === 200), 'PRM fetched');
    assert.ok(seen.some((r) => path(r.url) === '/.well-known/oauth-authorization-server' && r.status === 200), 'AS metadata fetched');
    assert.ok(seen.some((r) => r.method === 'POST' && path(r.url) === '/register' && r.status === 201), 'client registered');
    const registered = await oauth.clientInformation();
    assert.ok(registered?.client_id);

    // The person signs in and allows; the browser lands on the client's loopback redirect.
    assert.ok(oauth.authorizationUrl, 'the SDK asked to open the authorization URL');
    const authUrl = new URL(oauth.authorizationUrl);
    assert.equal(authUrl.origin + authUrl.pathname, `${issuer}/authorize`);
    assert.equal(authUrl.searchParams.get('resource'), resource);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    const { redirect, loginPage, consentPage } = await authorizeInBrowser(authUrl.href, USERS.alice);
    assert.ok(loginPage && consentPage, 'login and consent pages shown');
    assert.match(consentPage.body, /mcp-authz flow test/);
    const back = new URL(redirect);
    assert.equal(back.origin + back.pathname, 'http://127.0.0.1:47999/callback');
    assert.equal(back.searchParams.get('iss'), issuer, 'RFC 9207');
    assert.equal(back.searchParams.get('state'), oauth.states.at(-1));
    await transport.finishAuth(back.searchParams.get('code')!);

    const tokens = await oauth.tokens();
    assert.ok(tokens?.access_token && tokens.refresh_token);
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, resource);

    // A fresh connection with the token: tools/list, then a tool call streamed over SSE.
    const client = new Client({ name: 'flow-test', version: '1.0.0' });
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

    // The MCP server saw the identity, never the token.
    const lastSeen = mcp.received.at(-1)!;
    assert.equal(lastSeen.authorization, undefined);
    assert.equal(lastSeen['x-mcp-subject'], 'alice');

    // Refresh: a new pair; the rotated-out refresh token then revokes the whole grant.
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    assert.ok(metadata);
    const refreshed = await refreshAuthorization(issuer, { metadata, clientInformation: registered, refreshToken: tokens.refresh_token, resource: new URL(resource) });
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
    oauth.setTokens(refreshed);
    const again = new Client({ name: 'flow-test', version: '1.0.0' });
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
    assert.ok(logs.some((l) => l.includes('"grant.revoked"')));
    for (const secret of [tokens.access_token, tokens.refresh_token, refreshed.refresh_token, USERS.alice.password]) {
      assert.equal(logs.join('\n').includes(secret), false, 'no token or password in the service log');
    }
  });
});

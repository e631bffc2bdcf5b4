/**
 * The phases of the MCP authorization flow that every SDK end-to-end test asserts the same way,
 * whoever the person signs in with: the nginx routes to the companion, the discovery and
 * registration the SDK does after a 401, the tool calls with a token, and refresh rotation with
 * reuse detection, and the browser's return to the client with the code. The sign-in itself
 * differs per test and stays in the test.
 */
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { discoverAuthorizationServerMetadata, refreshAuthorization, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { LoggingMessageNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { TestOAuthClient } from './mcp-oauth-client.ts';

/** The AS routes of docker/nginx/nginx.conf, pointed at the companion's port. */
export function asRoutes(companionPort: number): string {
  return `location ~ ^/\\.well-known/(oauth-authorization-server|openid-configuration)(/|$) {
        proxy_pass http://127.0.0.1:${companionPort};
    }
    location ~ ^/(authorize|token|register|jwks|consent)(/|$) {
        proxy_pass http://127.0.0.1:${companionPort};
        proxy_set_header X-Forwarded-For $remote_addr;
    }`;
}

/** The `serve:` and `endpoints:` part of a flow test's configuration. */
export function flowServeYaml(o: { issuer: string; resource: string; upstream: string; companionPort: number }): string {
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
`;
}

export interface SdkFlow {
  issuer: string;
  resource: string;
  oauth: TestOAuthClient;
  /** Every request the SDK made (MCP and OAuth alike), with its status. */
  seen: Array<{ method: string; url: string; status: number }>;
  fetch: typeof fetch;
}

/** An SDK OAuth client whose requests are recorded. */
export function createSdkFlow(issuer: string, resource: string, oauth: TestOAuthClient): SdkFlow {
  const seen: SdkFlow['seen'] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    seen.push({ method: init?.method ?? (input instanceof Request ? input.method : 'GET'), url, status: res.status });
    return res;
  };
  return { issuer, resource, oauth, seen, fetch: recordingFetch };
}

/**
 * Connect without a token: 401 with resource_metadata → PRM (served by nginx) → AS metadata and
 * DCR (routed to the companion). Returns the transport to finish, the registration and the
 * authorization URL the SDK asked to open.
 */
export async function discoverAndRegister(f: SdkFlow, clientName: string): Promise<{ transport: StreamableHTTPClientTransport; registered: OAuthClientInformationFull; authUrl: URL }> {
  const transport = new StreamableHTTPClientTransport(new URL(f.resource), { authProvider: f.oauth, fetch: f.fetch });
  const first = new Client({ name: clientName, version: '1.0.0' });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  const path = (u: string): string => new URL(u).pathname;
  const s = f.seen;
  assert.deepEqual(s[0] && { method: s[0].method, path: path(s[0].url), status: s[0].status }, { method: 'POST', path: '/mcp', status: 401 });
  assert.ok(s.some((r) => path(r.url) === '/.well-known/oauth-protected-resource/mcp' && r.status === 200), 'PRM fetched');
  assert.ok(s.some((r) => path(r.url) === '/.well-known/oauth-authorization-server' && r.status === 200), 'AS metadata fetched');
  assert.ok(s.some((r) => r.method === 'POST' && path(r.url) === '/register' && r.status === 201), 'client registered');
  const registered = await f.oauth.clientInformation();
  assert.ok(registered?.client_id);
  assert.ok(f.oauth.authorizationUrl, 'the SDK asked to open the authorization URL');
  const authUrl = new URL(f.oauth.authorizationUrl);
  assert.equal(authUrl.origin + authUrl.pathname, `${f.issuer}/authorize`);
  assert.equal(authUrl.searchParams.get('resource'), f.resource);
  assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
  return { transport, registered: registered as OAuthClientInformationFull, authUrl };
}

/**
 * The browser lands on the client's redirect URI (`redirect`, the last hop of the sign-in) with
 * the issuer (RFC 9207) and the state the SDK sent; the SDK redeems the code. The tokens are an
 * access token of type at+jwt, issued by the issuer for the resource, and a refresh token; the
 * access token's claims are returned for the test's own checks. `landing` names the first check.
 */
export async function finishAuthorization(
  f: SdkFlow,
  transport: StreamableHTTPClientTransport,
  redirect: string,
  landing?: string,
): Promise<{ tokens: OAuthTokens & { refresh_token: string }; claims: JWTPayload }> {
  const back = new URL(redirect);
  assert.equal(back.origin + back.pathname, String(f.oauth.redirectUrl), landing);
  assert.equal(back.searchParams.get('iss'), f.issuer, 'RFC 9207');
  assert.equal(back.searchParams.get('state'), f.oauth.states.at(-1));
  await transport.finishAuth(back.searchParams.get('code')!);
  const tokens = await f.oauth.tokens();
  assert.ok(tokens?.access_token && tokens.refresh_token);
  assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
  const claims = decodeJwt(tokens.access_token);
  assert.equal(claims.iss, f.issuer);
  assert.equal(claims.aud, f.resource);
  return { tokens: tokens as OAuthTokens & { refresh_token: string }, claims };
}

/** A fresh connection with the token: tools/list, then a tool call streamed over SSE. */
export async function callToolsStreaming(f: SdkFlow, clientName: string): Promise<void> {
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(f.resource), { authProvider: f.oauth, fetch: f.fetch }));
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
}

/**
 * Refresh: a new pair that still works; the rotated-out refresh token is refused and revokes the
 * whole grant, so the newer one dies too. `checkRefreshed` inspects the new access token.
 */
export async function refreshThenReuse(
  f: SdkFlow,
  registered: OAuthClientInformationFull,
  tokens: OAuthTokens & { refresh_token: string },
  clientName: string,
  checkRefreshed: (refreshed: OAuthTokens) => void = () => undefined,
): Promise<OAuthTokens & { refresh_token: string }> {
  const metadata = await discoverAuthorizationServerMetadata(f.issuer);
  assert.ok(metadata);
  const refresh = (refreshToken: string) => refreshAuthorization(f.issuer, { metadata, clientInformation: registered, refreshToken, resource: new URL(f.resource) });
  const refreshed = await refresh(tokens.refresh_token);
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
  checkRefreshed(refreshed);
  f.oauth.setTokens(refreshed);
  const again = new Client({ name: clientName, version: '1.0.0' });
  await again.connect(new StreamableHTTPClientTransport(new URL(f.resource), { authProvider: f.oauth, fetch: f.fetch }));
  assert.equal((await again.listTools()).tools.length, 2);
  await again.close();
  const errorText = (err: Error): string => `${err.name} ${err.message} ${(err as { errorCode?: string }).errorCode ?? ''}`;
  await assert.rejects(refresh(tokens.refresh_token), (err: Error) => /invalid_grant|already used/i.test(errorText(err)));
  await assert.rejects(refresh(refreshed.refresh_token), (err: Error) => /invalid_grant|grant/i.test(errorText(err)), 'the newer refresh token died with its grant');
  return refreshed as OAuthTokens & { refresh_token: string };
}

/**
 * The MCP authorization flow with `registration.static_client`: the official MCP SDK client
 * registers as always (401 → PRM → AS metadata → POST /register, through real nginx to the
 * companion hosted by `serve`), receives the static client_id, and completes authorize → token →
 * tools/list with its own loopback port. Two different MCP clients get the same client_id; consent
 * and grants stay per user: bob is asked although alice allowed that client_id, and alice's grant
 * being revoked (refresh-token reuse) leaves bob's refresh token working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { discoverAuthorizationServerMetadata, refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { authorizeInBrowser, USERS } from '../support/companion.ts';
import { flowCompanionYaml, startFlowStack, type FlowStack } from '../support/companion-flow-stack.ts';
import type { RunningMcpServer } from '../support/mcp-server.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { callToolsStreaming, createSdkFlow, discoverAndRegister, finishAuthorization, refreshThenReuse, type SdkFlow } from '../support/mcp-sdk-flow.ts';
import { createUserAgent } from '../support/user-agent.ts';

function asYaml(o: { issuer: string; dir: string }): string {
  return flowCompanionYaml(o, `  users:
    - { username: alice, password_env: ALICE_PASSWORD, scopes: [mcp:tools], email: alice@example.com }
    - { username: bob, password_env: BOB_PASSWORD, scopes: [mcp:tools], email: bob@example.com }
  clients:
    - { client_id: mcp-clients, client_name: MCP clients, redirect_uris: ["http://127.0.0.1/callback"] }
  registration: { static_client: mcp-clients }
`);
}

async function listTools(f: SdkFlow): Promise<number> {
  const client = new Client({ name: 'static-client-check', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(f.resource), { authProvider: f.oauth, fetch: f.fetch }));
  const n = (await client.listTools()).tools.length;
  await client.close();
  return n;
}

describe('MCP SDK clients registering at a companion that hands out a static client', () => {
  let stack: FlowStack;
  let mcp: RunningMcpServer;
  let issuer: string;
  let resource: string;
  const logs: string[] = [];

  before(async () => {
    stack = await startFlowStack({
      dirPrefix: 'mcp-authz-flow-static-',
      authorizationServer: asYaml,
      serviceEnv: { ALICE_PASSWORD: USERS.alice.password, BOB_PASSWORD: USERS.bob.password },
      writeLine: (line) => logs.push(line),
    });
    ({ mcp, issuer, resource } = stack);
  });
  after(async () => {
    await stack?.stop();
  });

  it('two MCP clients register, both get the static client_id, and each user consents and gets tokens on their own', async () => {
    // Client A, alice.
    const flowA = createSdkFlow(issuer, resource, createTestOAuthClient('http://127.0.0.1:47811/callback'));
    const a = await discoverAndRegister(flowA, 'static-a');
    assert.equal(a.registered.client_id, 'mcp-clients');
    assert.equal(a.registered.client_secret, undefined);
    assert.equal(a.authUrl.searchParams.get('client_id'), 'mcp-clients');
    const aliceBrowser = createUserAgent();
    const alice = await authorizeInBrowser(a.authUrl.href, USERS.alice, aliceBrowser);
    assert.ok(alice.loginPage && alice.consentPage, 'alice signs in and is asked');
    const { tokens: tokensA, claims: claimsA } = await finishAuthorization(flowA, a.transport, alice.redirect, 'a loopback port the static client did not list');
    assert.equal(claimsA.client_id, 'mcp-clients');
    await callToolsStreaming(flowA, 'static-a');
    assert.equal(mcp.received.at(-1)!['x-mcp-subject'], 'alice');

    // Client B (another program, another port), bob: the same client_id, and bob is asked.
    const flowB = createSdkFlow(issuer, resource, createTestOAuthClient('http://127.0.0.1:47812/callback'));
    const b = await discoverAndRegister(flowB, 'static-b');
    assert.equal(b.registered.client_id, a.registered.client_id, 'the same client_id for both MCP clients');
    const bob = await authorizeInBrowser(b.authUrl.href, USERS.bob);
    assert.ok(bob.loginPage && bob.consentPage, "alice's consent does not cover bob");
    const { tokens: tokensB, claims: claimsB } = await finishAuthorization(flowB, b.transport, bob.redirect);
    assert.equal(claimsB.sub, 'bob');
    assert.equal(await listTools(flowB), 2);
    assert.equal(mcp.received.at(-1)!['x-mcp-subject'], 'bob');

    // alice in her browser with client B: signed in already, still asked (a native client: any
    // local program can claim a loopback port, so consent is not remembered for it).
    const flowA2 = createSdkFlow(issuer, resource, createTestOAuthClient('http://127.0.0.1:47813/callback'));
    const a2 = await discoverAndRegister(flowA2, 'static-a2');
    const again = await authorizeInBrowser(a2.authUrl.href, USERS.alice, aliceBrowser);
    assert.equal(again.loginPage, undefined, 'alice is still signed in');
    assert.ok(again.consentPage, 'alice is asked again');

    // Reusing alice's rotated-out refresh token revokes alice's grant; bob's grant is his own.
    await refreshThenReuse(flowA, a.registered, tokensA, 'static-a');
    // (Access tokens are JWTs that live out their TTL anyway: bob's refresh token is the test.)
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    assert.ok(metadata);
    const bobRefreshed = await refreshAuthorization(issuer, { metadata, clientInformation: b.registered, refreshToken: tokensB.refresh_token, resource: new URL(resource) });
    assert.ok(bobRefreshed.access_token, "bob's grant survives alice's revocation");
    assert.equal(decodeJwt(bobRefreshed.access_token).sub, 'bob');
    assert.equal(logs.some((l) => l.includes('"event":"client.registered"')), false, 'no client was created');
  });
});

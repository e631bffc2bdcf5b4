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
import { authorizeInBrowser, USERS } from '../support/companion.ts';
import { flowCompanionYaml, startFlowStack, type FlowStack } from '../support/companion-flow-stack.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { callToolsStreaming, createSdkFlow, discoverAndRegister, finishAuthorization, refreshThenReuse } from '../support/mcp-sdk-flow.ts';

function asYaml(o: { issuer: string; dir: string }): string {
  return flowCompanionYaml(o, `  users:
    - { username: alice, password_env: ALICE_PASSWORD, scopes: [mcp:tools], email: alice@example.com }
`);
}

describe('MCP SDK client → nginx (mcp-authz) → sample MCP server, tokens from the companion', () => {
  let stack: FlowStack;
  const logs: string[] = [];

  before(async () => {
    stack = await startFlowStack({
      dirPrefix: 'mcp-authz-flow-',
      authorizationServer: asYaml,
      serviceEnv: { ALICE_PASSWORD: USERS.alice.password },
      writeLine: (line) => logs.push(line),
    });
  });
  after(async () => {
    await stack?.stop();
  });

  it('authorizes, calls tools with streaming, refreshes, and revokes the family on refresh-token reuse', async () => {
    const { mcp, issuer, resource } = stack;
    const oauth = createTestOAuthClient('http://127.0.0.1:47999/callback');
    const flow = createSdkFlow(issuer, resource, oauth);
    const { transport, registered, authUrl } = await discoverAndRegister(flow, 'flow-test');

    // The person signs in and allows; the browser lands on the client's loopback redirect.
    const { redirect, loginPage, consentPage } = await authorizeInBrowser(authUrl.href, USERS.alice);
    assert.ok(loginPage && consentPage, 'login and consent pages shown');
    assert.match(consentPage.body, /mcp-authz flow test/);
    const { tokens } = await finishAuthorization(flow, transport, redirect);

    await callToolsStreaming(flow, 'flow-test');

    // The MCP server saw the identity, never the token.
    const lastSeen = mcp.received.at(-1)!;
    assert.equal(lastSeen.authorization, undefined);
    assert.equal(lastSeen['x-mcp-subject'], 'alice');

    // Refresh: a new pair; the rotated-out refresh token then revokes the whole grant.
    const refreshed = await refreshThenReuse(flow, registered, tokens, 'flow-test');
    assert.ok(logs.some((l) => l.includes('"grant.revoked"')));
    for (const secret of [tokens.access_token, tokens.refresh_token, refreshed.refresh_token, USERS.alice.password]) {
      assert.equal(logs.join('\n').includes(secret), false, 'no token or password in the service log');
    }
  });
});

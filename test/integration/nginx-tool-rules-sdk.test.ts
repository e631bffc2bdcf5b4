/**
 * Per-tool rules with the official MCP SDK client through real nginx (njs 0.7.9) in front of the
 * sample MCP server: a token without the tool's scope lists tools and calls the open one, but the
 * ruled tool gets 403 insufficient_scope naming the scope to step up to; with that scope the same
 * call streams its progress notifications over SSE through the tool gate's internal redirect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { PUBLIC } from '../contract/fixture-config.ts';
import { startIssuer, type RunningIssuer } from '../support/issuer.ts';
import { startMcpServer, type RunningMcpServer } from '../support/mcp-server.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

function config(issuer: RunningIssuer, upstream: string) {
  const r = parseConfig(`
endpoints:
  - path: /mcp
    resource: ${PUBLIC}/mcp
    upstream: ${upstream}
    authorization_servers: [${issuer.url}]
    strategies:
      - { type: jwt, issuer: "${issuer.url}", jwks_uri: "${issuer.jwksUri}" }
    policy:
      required_scopes: [mcp:tools]
    tools:
      - { match: "count*", scopes: [mcp:admin] }
`, {}, 'sdk tool rules');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return toCoreConfig(r.config);
}

describe('per-tool rules: MCP SDK client through nginx', () => {
  let issuer: RunningIssuer;
  let mcp: RunningMcpServer;
  let nginx: ProtectedNginx;
  before(async () => {
    issuer = await startIssuer();
    mcp = await startMcpServer();
    nginx = await startProtectedNginx(config(issuer, `http://127.0.0.1:${mcp.port}`));
  });
  after(async () => {
    await nginx?.stop();
    await mcp?.stop();
    await issuer?.stop();
  });

  /** A client with a fixed token; `seen` records every response status and challenge. */
  async function connect(scope: string, seen: Array<{ status: number; challenge: string | null; body: string }>): Promise<Client> {
    const token = await issuer.mint({ sub: 'alice', aud: PUBLIC + '/mcp', scope });
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      seen.push({ status: res.status, challenge: res.headers.get('www-authenticate'), body: res.status >= 400 ? await res.clone().text() : '' });
      return res;
    };
    const client = new Client({ name: 'tool-rules-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(nginx.url + '/mcp'), { requestInit: { headers: { authorization: 'Bearer ' + token } }, fetch: recording }));
    return client;
  }

  it('without the tool scope: open tools work, the ruled tool gets 403 insufficient_scope with the scope, nothing upstream', async () => {
    const seen: Array<{ status: number; challenge: string | null; body: string }> = [];
    const client = await connect('mcp:tools', seen);
    try {
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['countdown', 'echo']);
      assert.deepEqual((await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).content, [{ type: 'text', text: 'hi' }]);
      const upstreamBefore = mcp.received.length;
      await assert.rejects(client.callTool({ name: 'countdown', arguments: { from: 2, delayMs: 10 } }));
      const denied = seen[seen.length - 1];
      assert.equal(denied.status, 403);
      assert.equal(
        denied.challenge,
        `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp", scope="mcp:tools mcp:admin", error="insufficient_scope", error_description="The access token lacks a required scope"`,
      );
      assert.equal(JSON.parse(denied.body).error, 'insufficient_scope');
      assert.equal(mcp.received.length, upstreamBefore, 'the forbidden call never reached the MCP server');
    } finally {
      await client.close();
    }
  });

  it('with the tool scope: the ruled tool streams progress over SSE and returns', async () => {
    const seen: Array<{ status: number; challenge: string | null; body: string }> = [];
    const client = await connect('mcp:tools mcp:admin', seen);
    try {
      const progress: Progress[] = [];
      const result = await client.callTool({ name: 'countdown', arguments: { from: 3, delayMs: 50 } }, undefined, { onprogress: (p) => progress.push(p) });
      assert.deepEqual(result.content, [{ type: 'text', text: 'liftoff' }]);
      assert.deepEqual(progress.map((p) => p.progress), [1, 2, 3]);
      assert.ok(seen.every((s) => s.status < 400 || s.status === 405), 'no denial: ' + JSON.stringify(seen.map((s) => s.status)));
      // The upstream never saw the client's token, only our identity.
      const last = mcp.received[mcp.received.length - 1];
      assert.equal(last.authorization, undefined);
      assert.equal(last['x-mcp-scopes'], 'mcp:tools mcp:admin');
    } finally {
      await client.close();
    }
  });
});

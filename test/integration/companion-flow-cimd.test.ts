/**
 * The MCP authorization flow with a Client ID Metadata Document instead of dynamic registration:
 * the official MCP SDK client (its `OAuthClientProvider.clientMetadataUrl`) against the sample MCP
 * server behind real nginx with the mcp-authz module, nginx routing the AS paths to the companion.
 * The AS metadata advertises `client_id_metadata_document_supported`, so the SDK sends its https
 * document URL as `client_id` and never registers; the companion fetches the document itself,
 * over real TLS from a loopback server (through the test-only `cimdTestNetwork` of
 * startCompanion, which maps the document host to 127.0.0.1 and trusts its self-signed
 * certificate; no configuration key can set it). The test plays the person at the browser.
 *
 * 401 → PRM → AS metadata → authorize with the URL client_id → login → consent → token →
 * tools/list and a streamed tools/call through nginx → refresh with the same client_id.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { discoverAuthorizationServerMetadata, refreshAuthorization, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startCompanion, type RunningCompanion } from '../../src/companion/start-companion.ts';
import { authorizeInBrowser, USERS } from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';
import { startMcpServer, type RunningMcpServer } from '../support/mcp-server.ts';
import { createTestOAuthClient } from '../support/mcp-oauth-client.ts';
import { asRoutes, callToolsStreaming, createSdkFlow, finishAuthorization, flowServeYaml } from '../support/mcp-sdk-flow.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

const REDIRECT = 'http://127.0.0.1:47997/callback';
const DOC_HOST = 'client.cimd.test';

describe('MCP SDK client with a client ID metadata document → nginx (mcp-authz) → sample MCP server', () => {
  let dir: string;
  let mcp: RunningMcpServer;
  let companion: RunningCompanion;
  let nginx: ProtectedNginx;
  let docs: Server;
  let docUrl: string;
  let issuer: string;
  let resource: string;
  const docRequests: string[] = [];
  const logs: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-authz-flow-cimd-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${DOC_HOST}`, '-addext', `subjectAltName=DNS:${DOC_HOST}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const docPort = await freePort();
    docUrl = `https://${DOC_HOST}:${docPort}/mcp-client/metadata.json`;
    docs = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      docRequests.push(req.url ?? '');
      if (req.url !== '/mcp-client/metadata.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        client_id: docUrl,
        client_name: 'CIMD SDK client',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }));
    });
    await new Promise<void>((r) => docs.listen(docPort, '127.0.0.1', r));

    mcp = await startMcpServer();
    const nginxPort = await freePort();
    const companionPort = await freePort();
    issuer = `http://127.0.0.1:${nginxPort}`;
    resource = `${issuer}/mcp`;
    const parsed = parseConfig(`${flowServeYaml({ issuer, resource, upstream: `http://127.0.0.1:${mcp.port}`, companionPort })}authorization_server:
  issuer: ${issuer}
  keys: { dir: ${dir}/keys }
  storage: { type: sqlite, path: ${dir}/companion.sqlite }
  registration: { open: false }
  users:
    - { username: alice, password_env: ALICE_PASSWORD, scopes: [mcp:tools], email: alice@example.com }
`, {});
    if (!parsed.ok) assert.fail(JSON.stringify(parsed.errors));
    const env = { ALICE_PASSWORD: USERS.alice.password };
    const started = await startCompanion(parsed.config, {
      env,
      writeLine: (line) => logs.push(line),
      cimdTestNetwork: {
        resolve: async (host) => (host === DOC_HOST ? [{ address: '127.0.0.1', family: 4 }] : []),
        allowSpecialUseAddresses: 'yes, this is a test',
        ca: cert,
      },
    });
    if (!started.ok) assert.fail(JSON.stringify(started.errors));
    companion = started.companion;
    nginx = await startProtectedNginx(toCoreConfig(parsed.config), { port: nginxPort, serverExtra: asRoutes(companionPort) });
  });
  after(async () => {
    await nginx?.stop();
    await companion?.stop();
    await mcp?.stop();
    docs?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authorizes with the document URL as client_id (no registration), calls tools through nginx, refreshes', async () => {
    const oauth = createTestOAuthClient(REDIRECT, { clientMetadataUrl: docUrl });
    const flow = createSdkFlow(issuer, resource, oauth);
    const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: oauth, fetch: flow.fetch });
    await assert.rejects(new Client({ name: 'cimd-flow', version: '1.0.0' }).connect(transport), UnauthorizedError);

    const path = (u: string): string => new URL(u).pathname;
    assert.deepEqual(flow.seen[0] && { method: flow.seen[0].method, path: path(flow.seen[0].url), status: flow.seen[0].status }, { method: 'POST', path: '/mcp', status: 401 });
    assert.ok(flow.seen.some((r) => path(r.url) === '/.well-known/oauth-protected-resource/mcp' && r.status === 200), 'PRM fetched');
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    assert.equal(metadata?.client_id_metadata_document_supported, true, 'the AS advertises CIMD');
    assert.ok(flow.seen.some((r) => path(r.url) === '/.well-known/oauth-authorization-server' && r.status === 200), 'AS metadata fetched through nginx');
    assert.ok(!flow.seen.some((r) => path(r.url) === '/register'), 'no dynamic registration');
    assert.ok(!flow.seen.some((r) => new URL(r.url).hostname === DOC_HOST), 'the client never fetched its own document');
    assert.deepEqual(await oauth.clientInformation(), { client_id: docUrl, issuer });

    const authUrl = new URL(oauth.authorizationUrl!);
    assert.equal(authUrl.origin + authUrl.pathname, `${issuer}/authorize`);
    assert.equal(authUrl.searchParams.get('client_id'), docUrl);
    assert.equal(authUrl.searchParams.get('resource'), resource);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');

    assert.equal(docRequests.length, 0, 'nothing fetched before the authorization request');
    const { redirect, loginPage, consentPage } = await authorizeInBrowser(authUrl.href, USERS.alice);
    assert.ok(docRequests.length >= 1 && docRequests.every((u) => u === '/mcp-client/metadata.json'), 'the companion fetched the document');
    assert.ok(loginPage && consentPage, 'login and consent pages shown');
    assert.match(consentPage.body, /CIMD SDK client/, 'consent names the client from its document');
    const { tokens, claims } = await finishAuthorization(flow, transport, redirect);
    assert.equal(claims.client_id, docUrl);
    assert.equal(claims.sub, 'alice');

    await callToolsStreaming(flow, 'cimd-flow');
    const lastSeen = mcp.received.at(-1)!;
    assert.equal(lastSeen.authorization, undefined, 'no token passthrough');
    assert.equal(lastSeen['x-mcp-subject'], 'alice');

    const refreshed = await refreshAuthorization(issuer, {
      metadata: metadata!, clientInformation: { client_id: docUrl }, refreshToken: tokens.refresh_token, resource: new URL(resource),
    });
    assert.ok(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token);
    assert.equal(decodeJwt(refreshed.access_token).client_id, docUrl);
    assert.ok(logs.some((l) => l.includes('"event":"token.issued"') && l.includes(docUrl)), 'the token log names the URL client');
  });
});

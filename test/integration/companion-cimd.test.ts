/**
 * Client ID Metadata Documents at the companion AS: a client whose client_id is an https URL,
 * served over real TLS on loopback through the test-only network option (a resolver mapping
 * cimd.test to 127.0.0.1 and a trusted self-signed CA), completes authorize → token with PKCE;
 * documents that redirect, are too large or name another client_id are refused, and with the
 * address checks on, hosts resolving to private/loopback/link-local addresses are never fetched.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createCimdFetch, isRefusedAddress, type CimdTestNetwork } from '../../src/companion/cimd-fetch.ts';
import { startCompanion, type RunningCompanion } from '../../src/companion/start-companion.ts';
import { authorizeInBrowser, companionYaml, pkce, tokenRequest, USERS } from '../support/companion.ts';
import { freePort } from '../support/free-port.ts';

const RESOURCE = 'http://127.0.0.1:1/mcp';
const REDIRECT = 'http://127.0.0.1:43210/callback';

interface Running { issuer: string; stop(): Promise<void> }

async function start(dir: string, network: CimdTestNetwork): Promise<Running> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = { ALICE_PASSWORD: USERS.alice.password };
  const parsed = parseConfig(companionYaml({ issuer, port, dir, resources: [{ path: '/mcp', resource: RESOURCE, scopes: ['mcp:tools'] }] }), env);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const started = await startCompanion(parsed.config, { env, writeLine: () => {}, cimdTestNetwork: network });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  const companion: RunningCompanion = started.companion;
  return { issuer, stop: () => companion.stop() };
}

function authorizeUrl(issuer: string, clientId: string, challenge: string): string {
  const url = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge,
    code_challenge_method: 'S256', scope: 'mcp:tools', resource: RESOURCE, state: 'st',
  })) url.searchParams.set(k, v);
  return url.href;
}

async function refused(issuer: string, clientId: string): Promise<string> {
  const res = await fetch(authorizeUrl(issuer, clientId, pkce().challenge), { redirect: 'manual' });
  const body = await res.text();
  assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}: ${body.slice(0, 300)}`);
  assert.equal(res.headers.get('location'), null);
  return body;
}

describe('client ID metadata documents', () => {
  let dir: string;
  let docs: Server;
  let docPort: number;
  let ca: string;
  let allowed: Running;
  let checked: Running;
  const base = (): string => `https://cimd.test:${docPort}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-authz-cimd-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=cimd.test', '-addext', 'subjectAltName=DNS:cimd.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    docPort = await freePort();
    docs = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
      const id = `${base()}${req.url}`;
      const json = (doc: unknown): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(doc));
      };
      const good = { client_id: id, client_name: 'CIMD test client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
      if (req.url === '/good.json') json(good);
      else if (req.url === '/redirect.json') { res.writeHead(302, { location: `${base()}/good.json` }); res.end(); }
      else if (req.url === '/big.json') json({ ...good, padding: 'x'.repeat(6000) });
      else if (req.url === '/mismatch.json') json({ ...good, client_id: `${base()}/other.json` });
      else if (req.url === '/bad-redirect.json') json({ ...good, redirect_uris: ['javascript:alert(1)'] });
      else { res.writeHead(404); res.end(); }
    });
    await new Promise<void>((r) => docs.listen(docPort, '127.0.0.1', r));
    allowed = await start(join(dir, 'a'), {
      resolve: async (host) => (host === 'cimd.test' ? [{ address: '127.0.0.1', family: 4 }] : []),
      allowSpecialUseAddresses: 'yes, this is a test',
      ca,
    });
    const addresses: Record<string, { address: string; family: 4 | 6 }> = {
      'ten.test': { address: '10.1.2.3', family: 4 },
      'lo.test': { address: '127.0.0.1', family: 4 },
      'linklocal.test': { address: '169.254.169.254', family: 4 },
      'v6.test': { address: '::1', family: 6 },
    };
    checked = await start(join(dir, 'b'), { resolve: async (host) => (addresses[host] ? [addresses[host]] : []), ca });
  });
  after(async () => {
    await allowed?.stop();
    await checked?.stop();
    docs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('advertises client_id_metadata_document_supported', async () => {
    const meta = await (await fetch(`${allowed.issuer}/.well-known/oauth-authorization-server`)).json() as Record<string, unknown>;
    assert.equal(meta.client_id_metadata_document_supported, true);
  });

  it('lets a CIMD client complete authorize → token with PKCE', async () => {
    const clientId = `${base()}/good.json`;
    const { verifier, challenge } = pkce();
    const { redirect, consentPage } = await authorizeInBrowser(authorizeUrl(allowed.issuer, clientId, challenge), USERS.alice);
    assert.ok(consentPage?.body.includes('CIMD test client'), 'consent names the client');
    const code = new URL(redirect).searchParams.get('code');
    assert.ok(code, redirect);
    const res = await tokenRequest(allowed.issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(typeof res.json.access_token, 'string');
  });

  it('refuses a document that redirects, is too large, names another client_id or has a bad redirect URI', async () => {
    assert.match(await refused(allowed.issuer, `${base()}/redirect.json`), /invalid_client/);
    assert.match(await refused(allowed.issuer, `${base()}/big.json`), /invalid_client/);
    assert.match(await refused(allowed.issuer, `${base()}/mismatch.json`), /client_id does not match/);
    assert.match(await refused(allowed.issuer, `${base()}/bad-redirect.json`), /invalid_client|invalid_redirect_uri/);
  });

  it('refuses hosts resolving to private, loopback, link-local or ::1 addresses', async () => {
    for (const host of ['ten.test', 'lo.test', 'linklocal.test', 'v6.test', '127.0.0.1', '[::1]', '10.0.0.1']) {
      assert.match(await refused(checked.issuer, `https://${host}:${docPort}/good.json`), /invalid_client/, host);
    }
    // The reasons behind "fetch failed", at the fetch oidc-provider is given.
    const net = { resolve: async () => [{ address: '127.0.0.1', family: 4 as const }], allowSpecialUseAddresses: 'yes, this is a test' as const, ca };
    const open = createCimdFetch({ maxBytes: 5120, network: net });
    assert.equal((await open(`${base()}/redirect.json`)).status, 302, 'redirects are returned, not followed');
    await assert.rejects(open(`${base()}/big.json`), /response too large/);
    await assert.rejects(open(`http://cimd.test:${docPort}/good.json`), /only https/);
    const strict = createCimdFetch({ maxBytes: 5120, network: { resolve: async () => [{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.7', family: 4 }] } });
    await assert.rejects(strict(`${base()}/good.json`), /private or reserved address \(10\.0\.0\.7\)/, 'every resolved address is checked');
    await assert.rejects(createCimdFetch({ maxBytes: 5120 })(`https://[::1]:${docPort}/good.json`), /private or reserved/);
    for (const a of ['10.1.1.1', '127.0.0.1', '169.254.169.254', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      assert.ok(isRefusedAddress(a), a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.ok(!isRefusedAddress(a), a);
    // The same loopback document server is reachable only with the test escape hatch.
    assert.match(await refused(checked.issuer, `${base()}/good.json`), /invalid_client/);
  });
});

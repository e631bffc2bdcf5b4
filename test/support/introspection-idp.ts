/**
 * A real OAuth authorization server with RFC 7662 introspection for tests: an oidc-provider v9
 * instance on a free 127.0.0.1 port with `features.introspection` and `features.revocation`.
 * Two resource-server clients may introspect, one per client authentication method
 * (client_secret_basic, client_secret_post). Access tokens are issued by the provider itself
 * (its AccessToken model, opaque format, stored in its adapter), so introspection, expiry and
 * revocation are oidc-provider's own. Calls to the introspection endpoint are counted, and the
 * endpoint can be made to fail (500), hang, or go down entirely.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { closeServer, listen } from './listen.ts';

export const INTROSPECTION_PATH = '/token/introspection';

/** Failure modes of the introspection endpoint: `down` closes the listener until set back. */
export type IntrospectionMode = 'ok' | '500' | 'hang' | 'down';

export interface IdpClient {
  id: string;
  secret: string;
}

export interface IssueOptions {
  sub: string;
  scope?: string;
  /** `aud` of the token (an RFC 8707 resource); omitted when undefined. */
  aud?: string;
  /** Lifetime in seconds (default 300). */
  ttl?: number;
}

export interface IntrospectionIdp {
  /** `http://127.0.0.1:<port>`, discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  introspectionUrl: string;
  /** May introspect with client_secret_basic / client_secret_post. */
  basicClient: IdpClient;
  postClient: IdpClient;
  /** An opaque access token issued by the provider to its `mcp-app` client. */
  issue(o: IssueOptions): Promise<string>;
  /** Revoke (destroy) a token the provider issued. */
  revoke(token: string): Promise<void>;
  /** Introspection requests received so far (any mode but `down`). */
  readonly introspections: number;
  /** The raw bodies and Authorization headers received at the introspection endpoint. */
  readonly seen: Array<{ authorization: string | undefined; body: string }>;
  setMode(mode: IntrospectionMode): Promise<void>;
  stop(): Promise<void>;
}

function memoryAdapter(): (model: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const get = (key: string): AdapterPayload | undefined => {
    const e = store.get(key);
    return e && e.expiresAt > Date.now() ? e.payload : undefined;
  };
  return (model) => ({
    async upsert(id, payload, expiresIn) {
      store.set(`${model}:${id}`, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    },
    find: async (id) => get(`${model}:${id}`),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    async consume(id) {
      const p = get(`${model}:${id}`);
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId) {
      for (const [key, e] of store) if (e.payload.grantId === grantId) store.delete(key);
    },
  });
}

/** Start the authorization server. */
export async function startIntrospectionIdp(): Promise<IntrospectionIdp> {
  const basicClient = { id: 'rs-basic', secret: 'basic-secret-' + randomBytes(12).toString('hex') };
  // ':' and spaces exercise RFC 6749 §2.3.1's form-encoding of credentials.
  const postClient = { id: 'rs-post', secret: 'post secret:' + randomBytes(12).toString('hex') };
  let server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'idp-rs256', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      { client_id: 'mcp-app', client_secret: randomBytes(16).toString('hex'), redirect_uris: ['http://127.0.0.1/cb'], grant_types: ['authorization_code'], response_types: ['code'] },
      { client_id: basicClient.id, client_secret: basicClient.secret, redirect_uris: [], grant_types: [], response_types: [], token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: postClient.id, client_secret: postClient.secret, redirect_uris: [], grant_types: [], response_types: [], token_endpoint_auth_method: 'client_secret_post' },
    ],
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
    },
    scopes: ['openid', 'mcp:tools', 'mcp:admin'],
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    clientBasedCORS: () => false,
  });
  const handler = provider.callback();
  let mode: IntrospectionMode = 'ok';
  let introspections = 0;
  const seen: IntrospectionIdp['seen'] = [];
  const hanging: ServerResponse[] = [];

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.url !== INTROSPECTION_PATH) {
      void handler(req, res);
      return;
    }
    introspections++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ authorization: req.headers.authorization, body: body.toString('utf8') });
      if (mode === 'hang') {
        hanging.push(res);
        return;
      }
      if (mode === '500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
        return;
      }
      // The body was consumed here; oidc-provider then reads the parsed form from req.body.
      const form: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) form[k] = v;
      void handler(Object.assign(req, { body: form }), res);
    });
  }
  server.on('request', onRequest);

  return {
    issuer,
    introspectionUrl: issuer + INTROSPECTION_PATH,
    basicClient,
    postClient,
    async issue(o) {
      const scope = o.scope ?? 'mcp:tools';
      const client = await provider.Client.find('mcp-app');
      if (client === undefined) throw new Error('idp: client missing');
      // A grant as the authorization code flow would leave behind; introspection checks it.
      const grant = new provider.Grant({ accountId: o.sub, clientId: 'mcp-app' });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      const token = new provider.AccessToken({ client, accountId: o.sub, grantId, gty: 'authorization_code', scope, expiresIn: o.ttl ?? 300, ...(o.aud === undefined ? {} : { aud: o.aud }) });
      return token.save();
    },
    async revoke(token) {
      const found = await provider.AccessToken.find(token);
      await found?.destroy();
    },
    get introspections() {
      return introspections;
    },
    seen,
    async setMode(next) {
      if (mode === 'down' && next !== 'down') {
        server = createServer();
        server.on('request', onRequest);
        await listen(server, port);
      } else if (next === 'down' && mode !== 'down') {
        server.closeAllConnections();
        await closeServer(server);
      }
      if (next !== 'hang') for (const r of hanging.splice(0)) r.destroy();
      mode = next;
    },
    async stop() {
      for (const r of hanging.splice(0)) r.destroy();
      if (mode !== 'down') {
        server.closeAllConnections();
        await closeServer(server);
      }
    },
  };
}

/**
 * A real oidc-provider v9 as the token endpoint of outbound credentials:
 *  - `client_credentials` (features.clientCredentials) for a confidential client, opaque tokens
 *    whose lifetime the test can change (`setTtl`);
 *  - RFC 8693 token exchange, registered with provider.registerGrantType: oidc-provider
 *    authenticates the client, the handler verifies the subject_token (a JWT of the test issuer,
 *    signature, iss, aud, exp) and issues an upstream token bound to its `sub`.
 * The HTTP front counts token requests, can delay them (so concurrent callers overlap), fail the
 * next ones with 503, or go down entirely (connection refused) and come back on the same port.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { closeServer, listen } from './listen.ts';
import { mapAdapter } from './upstream-idp.ts';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenIdpClient {
  client_id: string;
  client_secret: string;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post';
}

export interface TokenIdpOptions {
  clients: TokenIdpClient[];
  /** Issuer and audience of subject tokens accepted for exchange. */
  subjectIssuer: { url: string; jwksUri: string };
  subjectAudience: string;
}

/** One token request as received (form fields, Authorization header present or not). */
export interface TokenCall {
  form: Record<string, string>;
  basic: boolean;
  status: number;
}

export interface TokenIdp {
  issuer: string;
  tokenEndpoint: string;
  provider: Provider;
  /** Token requests received so far (including failed and injected ones). */
  readonly calls: TokenCall[];
  /** Exchanged tokens issued: value → subject. */
  readonly exchanged: Record<string, string>;
  setTtl(seconds: number): void;
  setDelay(ms: number): void;
  /** The next `n` token requests answer 503 without reaching oidc-provider. */
  failNext(n: number): void;
  /** Stop listening (connection refused) / listen again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Start the token IdP on a free loopback port. */
export async function startTokenIdp(o: TokenIdpOptions): Promise<TokenIdp> {
  let ttl = 300;
  let delay = 0;
  let failures = 0;
  const calls: TokenCall[] = [];
  const exchanged: Record<string, string> = {};
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  let server = createServer((req, res) => handler(req, res));
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const subjectKeys = createRemoteJWKSet(new URL(o.subjectIssuer.jwksUri));

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    clients: o.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: c.token_endpoint_auth_method,
    })),
    adapter: mapAdapter(),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'token-idp', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    scopes: ['upstream:read', 'upstream:write'],
    ttl: { ClientCredentials: () => ttl, AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    clientBasedCORS: () => false,
    renderError(ctx: KoaContextWithOIDC, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);

  // RFC 8693 §2.1/§2.2: the client is authenticated by oidc-provider before this runs.
  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx: KoaContextWithOIDC) => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const fail = (error: string, description: string): void => {
      ctx.status = 400;
      ctx.body = { error, error_description: description };
    };
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) return fail('invalid_request', 'unsupported subject_token_type');
    let sub: string;
    try {
      const { payload } = await jwtVerify(params.subject_token ?? '', subjectKeys, { issuer: o.subjectIssuer.url, audience: o.subjectAudience });
      sub = String(payload.sub);
    } catch {
      return fail('invalid_grant', 'subject_token is not valid');
    }
    const value = 'xchg-' + randomBytes(16).toString('base64url');
    exchanged[value] = sub;
    ctx.body = { access_token: value, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: ttl, scope: params.scope };
  }, ['subject_token', 'subject_token_type', 'audience', 'resource', 'scope', 'requested_token_type']);

  const callback = provider.callback();
  handler = (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path !== '/token') {
      void callback(req, res);
      return;
    }
    void (async () => {
      const body = await readBody(req);
      const call: TokenCall = { form: Object.fromEntries(new URLSearchParams(body.toString('utf8'))), basic: /^Basic /.test(req.headers.authorization ?? ''), status: 0 };
      calls.push(call);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (failures > 0) {
        failures--;
        call.status = 503;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"temporarily_unavailable"}');
        return;
      }
      // Hand oidc-provider the body we already read.
      const replay = Object.assign(Readable.from([body]), { headers: req.headers, method: req.method, url: req.url, socket: req.socket, connection: req.socket, httpVersion: req.httpVersion }) as unknown as IncomingMessage;
      res.on('finish', () => { call.status = res.statusCode; });
      void callback(replay, res);
    })();
  };

  return {
    issuer,
    tokenEndpoint: issuer + '/token',
    provider,
    calls,
    exchanged,
    setTtl: (s) => void (ttl = s),
    setDelay: (ms) => void (delay = ms),
    failNext: (n) => void (failures = n),
    down: () => closeServer(server),
    async up() {
      server = createServer((req, res) => handler(req, res));
      await listen(server, port);
    },
    stop: () => closeServer(server),
  };
}

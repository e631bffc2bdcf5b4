/**
 * A development token issuer for the demo: publishes an OIDC discovery document and a JWKS, and
 * mints RFC 9068 access tokens for a fixed demo user. It has no login and no token endpoint —
 * it stands in for a real Authorization Server (the companion replaces it) so the demo can show
 * nginx verifying real signed tokens. Never expose it beyond 127.0.0.1.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { closeServer, listenLoopback } from './loopback.ts';

/** Subject of every minted token. */
export const DEMO_SUBJECT = 'demo-user';
/** Email claim of every minted token. */
export const DEMO_EMAIL = 'demo-user@example.com';
/** Scope granted to every minted token (the demo policy requires it). */
export const DEMO_SCOPE = 'mcp:tools';

const ALG = 'ES256';
const TOKEN_LIFETIME_S = 3600;

/** A running dev issuer. */
export interface DevIssuer {
  /** Issuer identifier, `http://127.0.0.1:<port>`: the `iss` of its tokens. */
  url: string;
  /** `<url>/jwks`. */
  jwksUri: string;
  /** Mints an access token for the demo user, valid for 1 h, for the given resource (`aud`). */
  mintAccessToken(resource: string): Promise<string>;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

/**
 * Starts the issuer on 127.0.0.1 (`port` 0 = a free port). The signing key is generated here and
 * lives only in memory, so tokens from an earlier run stop verifying once the demo restarts.
 */
export async function startDevIssuer(port = 0): Promise<DevIssuer> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = 'demo-' + Date.now().toString(36);
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };

  let url = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body =
      path === '/jwks' ? { keys: [jwk] } :
      path === '/.well-known/openid-configuration' ? discovery(url) :
      undefined;
    if (req.method !== 'GET' || body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(body));
  });
  const bound = await listenLoopback(server, port);
  url = `http://127.0.0.1:${bound}`;

  return {
    url,
    jwksUri: `${url}/jwks`,
    mintAccessToken: (resource) => mint(privateKey, kid, url, resource),
    stop: () => closeServer(server),
  };
}

// Only what a resource server needs to find the keys; no authorization or token endpoints exist.
function discovery(url: string): Record<string, unknown> {
  return {
    issuer: url,
    jwks_uri: `${url}/jwks`,
    scopes_supported: [DEMO_SCOPE],
    response_types_supported: [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ALG],
  };
}

// RFC 9068: `typ: at+jwt` marks an access token, so an ID token from the same issuer is refused.
function mint(key: CryptoKey, kid: string, issuer: string, resource: string): Promise<string> {
  return new SignJWT({ email: DEMO_EMAIL, email_verified: true, scope: DEMO_SCOPE, client_id: 'mcp-authz-demo' })
    .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setSubject(DEMO_SUBJECT)
    .setAudience(resource)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(`${TOKEN_LIFETIME_S}s`)
    .sign(key);
}

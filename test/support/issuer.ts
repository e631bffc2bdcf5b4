/**
 * A token issuer for tests: real key pairs (jose), an OIDC discovery document
 * and a JWKS endpoint over node:http, JWT minting, and attack-token helpers.
 * @module
 */
import { createHmac, KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { closeServer, listen } from './listen.ts';

/** Signing algorithms the issuer has keys for. `EdDSA` uses Ed25519. */
export type IssuerAlg = 'RS256' | 'ES256' | 'PS256' | 'EdDSA';

/** All algorithms, in the order keys are generated. */
export const ISSUER_ALGS: readonly IssuerAlg[] = ['RS256', 'ES256', 'PS256', 'EdDSA'];

/** A key pair with its JWK id. */
export interface IssuerKey {
  kid: string;
  alg: IssuerAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Public JWK as served in the JWKS (`kid`, `alg`, `use: "sig"` set). */
  publicJwk: JWK;
  /** Public key as SPKI PEM. */
  publicPem: string;
}

/** JWKS behaviour, see {@link RunningIssuer.setJwksFailure}. */
export type JwksMode = 'ok' | '500' | 'down' | 'hang';

/** Options for {@link RunningIssuer.mint}. */
export interface MintOptions {
  /** Signing algorithm (default `RS256`). */
  alg?: IssuerAlg;
  /** Header `kid`; defaults to the current key's kid; `null` omits it. */
  kid?: string | null;
  /** Header `typ`; default `JWT`; `null` omits it (e.g. `at+jwt` for RFC 9068). */
  typ?: string | null;
  /** Sign with this key instead of the issuer's current key for `alg` (e.g. a foreign key). */
  key?: CryptoKey | KeyObject;
  /** Extra/overriding protected-header fields. */
  header?: Record<string, unknown>;
}

/** A running test issuer. */
export interface RunningIssuer {
  /** Issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  /** `<url>/jwks` */
  jwksUri: string;
  /** Current signing key per algorithm. */
  keys: Record<IssuerAlg, IssuerKey>;
  /**
   * Signs a JWT. Claims default to `iss=url`, `iat=now`, `exp=now+300`;
   * `claims` override them, and a claim set to `undefined` is removed.
   */
  mint(claims?: Record<string, unknown>, opts?: MintOptions): Promise<string>;
  /**
   * Rotates the key for `alg` (default RS256): generates a new key with a new
   * kid, which becomes the signing default. Unless `keepOld`, the old key is
   * dropped from the served JWKS. Returns the new kid.
   */
  rotate(alg?: IssuerAlg, opts?: { keepOld?: boolean }): Promise<string>;
  /** Replaces the served JWKS with exactly these public JWKs (`null` = back to the issuer's keys). */
  setServedJwks(keys: JWK[] | null): void;
  /** The JWKS currently served. */
  jwks(): { keys: JWK[] };
  /**
   * `ok`: serve JWKS; `500`: /jwks answers 500; `hang`: /jwks never answers;
   * `down`: the whole server stops listening (connection refused) until set
   * back to another mode (re-listens on the same port).
   */
  setJwksFailure(mode: JwksMode): Promise<void>;
  /** `alg: none` token with the same default claims as {@link mint} and the RS256 kid. */
  algNone(claims?: Record<string, unknown>): string;
  /**
   * HS256 token whose HMAC key is the current RS256 public key (PEM text by
   * default), with default claims and the RS256 kid in the header.
   */
  hs256WithPublicKey(claims?: Record<string, unknown>, opts?: { keyForm?: 'pem' | 'der' }): string;
  /** See the standalone {@link tamper}. */
  tamper(token: string, patch?: Record<string, unknown>): string;
  /** Number of requests to /jwks so far (any mode except `down`). */
  readonly jwksHits: number;
  /** Resets {@link jwksHits} to 0. */
  resetHits(): void;
  /** Stops the server. */
  stop(): Promise<void>;
}

let kidSeq = 0;

/** Generates a key pair for `alg` with a fresh kid like `rs256-3`. */
export async function generateIssuerKey(alg: IssuerAlg): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  kidSeq += 1;
  const kid = `${alg.toLowerCase()}-${kidSeq}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/** Fills in default claims: `iss`, `iat=now`, `exp=now+300`; removes claims set to `undefined`. */
export function withDefaults(iss: string, claims: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const out: Record<string, unknown> = { iss, iat: now, exp: now + 300 };
  for (const [k, v] of Object.entries(claims)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out as JWTPayload;
}

/**
 * Builds an unsigned `alg: none` token (`header.payload.` with an empty
 * signature). Claims are used as given (see {@link RunningIssuer.algNone}
 * for the variant with default claims).
 */
export function algNone(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const h = { alg: 'none', typ: 'JWT', ...header };
  return `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(claims))}.`;
}

/**
 * Algorithm-confusion attack token: `alg: HS256`, HMAC-SHA256 keyed with the
 * RSA public key bytes (PEM text by default, or the SPKI DER bytes).
 *
 * @param publicPem The RSA public key (SPKI PEM) a naive verifier would use as the HMAC secret.
 * @param header Extra header fields, typically `{ kid }` of the RSA key.
 */
export function hs256WithKey(
  claims: Record<string, unknown>,
  publicPem: string,
  opts: { header?: Record<string, unknown>; keyForm?: 'pem' | 'der' } = {},
): string {
  const h = { alg: 'HS256', typ: 'JWT', ...opts.header };
  const input = `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(claims))}`;
  const secret =
    opts.keyForm === 'der'
      ? Buffer.from(publicPem.replace(/-----[^-]+-----|\s+/g, ''), 'base64')
      : Buffer.from(publicPem);
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * Changes payload claims of a signed token while keeping its header and
 * signature (so the signature no longer matches). Default patch:
 * `{ sub: "attacker" }`.
 */
export function tamper(token: string, patch: Record<string, unknown> = { sub: 'attacker' }): string {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) throw new Error('tamper: not a JWS compact token');
  const payload = { ...(JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as object), ...patch };
  return `${h}.${b64url(JSON.stringify(payload))}.${s}`;
}

/**
 * Starts the issuer on 127.0.0.1 on a free port with one key per algorithm.
 *
 * Endpoints: `/.well-known/openid-configuration` and
 * `/.well-known/oauth-authorization-server` (same metadata: `issuer`,
 * `jwks_uri`, ...), and `/jwks`.
 */
export async function startIssuer(): Promise<RunningIssuer> {
  const keys = {} as Record<IssuerAlg, IssuerKey>;
  let published: IssuerKey[] = [];
  for (const alg of ISSUER_ALGS) {
    keys[alg] = await generateIssuerKey(alg);
    published.push(keys[alg]);
  }
  let override: JWK[] | null = null;
  let mode: JwksMode = 'ok';
  let hits = 0;
  let url = '';

  const jwks = (): { keys: JWK[] } => ({ keys: override ?? published.map((k) => k.publicJwk) });
  const metadata = (): Record<string, unknown> => ({
    issuer: url,
    jwks_uri: `${url}/jwks`,
    authorization_endpoint: `${url}/authorize`,
    token_endpoint: `${url}/token`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...ISSUER_ALGS],
  });

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://issuer').pathname;
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (path === '/.well-known/openid-configuration' || path === '/.well-known/oauth-authorization-server') {
      json(200, metadata());
    } else if (path === '/jwks') {
      hits += 1;
      if (mode === 'hang') return;
      if (mode === '500') json(500, { error: 'simulated failure' });
      else json(200, jwks());
    } else {
      json(404, { error: 'not found' });
    }
  });
  const port = await listen(server);
  url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    jwksUri: `${url}/jwks`,
    keys,
    get jwksHits() {
      return hits;
    },
    resetHits() {
      hits = 0;
    },
    jwks,
    setServedJwks(k) {
      override = k;
    },
    async mint(claims = {}, opts = {}) {
      const alg = opts.alg ?? 'RS256';
      const current = keys[alg];
      const header: Record<string, unknown> = { alg };
      const kid = opts.kid === undefined ? current.kid : opts.kid;
      if (kid !== null) header.kid = kid;
      const typ = opts.typ === undefined ? 'JWT' : opts.typ;
      if (typ !== null) header.typ = typ;
      Object.assign(header, opts.header);
      return new SignJWT(withDefaults(url, claims))
        .setProtectedHeader(header as { alg: string })
        .sign(opts.key ?? current.privateKey);
    },
    algNone(claims = {}) {
      return algNone(withDefaults(url, claims), { kid: keys.RS256.kid });
    },
    hs256WithPublicKey(claims = {}, opts = {}) {
      return hs256WithKey(withDefaults(url, claims), keys.RS256.publicPem, {
        header: { kid: keys.RS256.kid },
        keyForm: opts.keyForm,
      });
    },
    tamper,
    async rotate(alg = 'RS256', opts = {}) {
      const old = keys[alg];
      const next = await generateIssuerKey(alg);
      keys[alg] = next;
      published = opts.keepOld ? [...published, next] : [...published.filter((k) => k !== old), next];
      return next.kid;
    },
    async setJwksFailure(next) {
      const wasDown = mode === 'down';
      mode = next;
      if (next === 'down' && !wasDown) await closeServer(server);
      if (next !== 'down' && wasDown) await listen(server, port);
    },
    async stop() {
      await closeServer(server);
    },
  };
}

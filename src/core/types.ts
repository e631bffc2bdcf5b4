/**
 * The core contract: what adapters hand to {@link decide} and what they get back.
 *
 * Everything in src/core runs unchanged in njs 0.7.9 and in Node, so these are plain data shapes:
 * no classes, no Map/Set, nothing that needs a runtime beyond ES2015 objects and promises.
 */
import type { CoreConfig, EndpointConfig, Jwk, JwkSet } from './config-types.ts';
import type { UpstreamCredential } from './upstream-credential.ts';
import type { ScriptInput } from './script-config.ts';

/** A request as every adapter translates it from its wire format. */
export interface CoreRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Normalised path, without the query string. */
  path: string;
  /** Raw query string without the leading `?`, or ''. */
  query: string;
  /** Host header value as the client sent it. */
  host: string;
  /** 'http' or 'https' as seen by the client. */
  scheme: string;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The client address the adapter trusts (peer, or forwarded only from a trusted peer). */
  clientIp: string;
  /** Request id for log correlation, when the proxy provides one. */
  requestId?: string;
  /**
   * The request body as text, when the adapter received it (for per-tool rules); undefined when
   * the proxy did not pass it on. Only read on endpoints with tool rules.
   */
  body?: string;
}

/** Who the request is from, once a strategy accepted it. */
export interface Principal {
  subject: string;
  email?: string;
  emailVerified?: boolean;
  groups: string[];
  scopes: string[];
  /** Name of the strategy that accepted the request (`jwt`, `apikey`…). */
  strategy: string;
}

/** The request may continue upstream with these header changes. */
export interface Allow {
  action: 'allow';
  endpoint: string;
  principal: Principal;
  /** Identity headers to set on the upstream request (names as configured). */
  setHeaders: Record<string, string>;
  /** Lower-cased header names to delete from the upstream request before setting ours. */
  removeHeaders: string[];
  reason: 'ok';
  /** Query parameters to set on the upstream request (an `api_key` in the query), when any. */
  setQuery?: Record<string, string>;
  /**
   * Seconds this decision may be reused for the same endpoint and the same Authorization header;
   * 0 when it depends on anything else (peer address, other headers) or must not be cached.
   */
  cacheTtl: number;
}

/** The proxy answers the client itself: a denial, a preflight, or resource metadata. */
export interface Respond {
  action: 'respond';
  endpoint: string | null;
  status: number;
  /** Response headers, canonical capitalisation. */
  headers: Record<string, string>;
  body: string;
  /** snake_case tag for logs and metrics; never shown raw to clients. */
  reason: string;
  /** Set on a 403 from policy, for the log line. */
  subject?: string;
  /**
   * Seconds this denial may be reused for the same endpoint and Authorization header. Only an
   * introspection/remote "not active / not valid" answer sets it (negative cache); absent = never.
   */
  cacheTtl?: number;
}

export type Decision = Allow | Respond;

/** Tagged result for pure code that can fail in an expected way. */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: string; detail?: string };

/**
 * What core needs from its runtime. Tiny on purpose: njs and Node each implement it (src/njs,
 * src/node); caching, rate limiting of refetches and last-good keys live behind `getJwks`.
 */
export interface Ports {
  /** Current time in seconds since the epoch. */
  now(): number;
  /** Whether this runtime can verify the given JWS algorithm. */
  supportsAlg(alg: string): boolean;
  /** Verify a JWS signature with a public JWK; resolves false on any failure. */
  verify(alg: string, jwk: Jwk, signature: Uint8Array, signingInput: Uint8Array): Promise<boolean>;
  /**
   * The key set at `uri`. `refresh` asks for a fresh copy because a kid was unknown; the port
   * rate-limits that and may answer with what it has.
   */
  getJwks(uri: string, refresh: boolean): Promise<Result<JwkSet>>;
  /**
   * POST `body` to a configured URL (introspection, remote validation) with these lower-cased
   * headers; no redirects, `timeout` seconds, size-capped. A transport failure is `ok: false`;
   * any HTTP status is `ok: true`. Optional: runtimes without it fail those strategies closed.
   */
  post?(url: string, headers: Record<string, string>, body: string, timeout: number): Promise<Result<HttpReply>>;
  /**
   * The outbound credential of a `client_credentials`, `token_exchange` or `script` endpoint
   * (cached, refreshed, single flight); `subjectToken` is the validated bearer token or null.
   * Absent: such endpoints fail closed.
   */
  upstreamCredential?(endpoint: EndpointConfig, principal: Principal, subjectToken: string | null): Promise<Result<UpstreamCredential>>;
  /**
   * Run the validator script registered under `id` (strategies/script.ts). Resolves with what the
   * script returned (checked by core), or a failure tag (`script_timeout`, `script_memory`,
   * `script_error`…); never rejects. Absent where the runtime has no script support.
   */
  runScript?(id: string, input: ScriptInput): Promise<Result<unknown>>;
}

/** What {@link Ports.post} got back. */
export interface HttpReply {
  status: number;
  body: string;
}

export type { CoreConfig, EndpointConfig, Jwk, JwkSet, UpstreamCredential };

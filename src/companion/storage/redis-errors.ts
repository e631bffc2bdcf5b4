/**
 * Errors raised by the Redis-backed oidc-provider adapter.
 *
 * Both error classes are duck-typed to what oidc-provider's error handlers read
 * (`statusCode`, `expose`, `message` used as the OAuth `error` code,
 * `error_description`, `allow_redirect`; see oidc-provider
 * lib/shared/error_handler.js, lib/helpers/err_out.js and
 * lib/helpers/errors.js `OIDCProviderError`), so they render correctly
 * without this module importing oidc-provider.
 *
 * No message built here ever contains a token id or a payload.
 * @module
 */

/**
 * Redis could not be reached (connection refused or closed, client offline
 * while reconnecting, connect/command timeout). The operation did not complete
 * and the caller must fail closed.
 *
 * Rendered by oidc-provider as HTTP 503 with a generic `server_error` body
 * (`expose` is false); the companion may map it to a richer response.
 */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;

  constructor(operation: string, cause?: unknown) {
    super(`redis unavailable during ${operation}`, cause === undefined ? undefined : { cause });
    this.name = 'RedisUnavailableError';
  }
}

/**
 * `consume(id)` lost: the entry was already consumed (by this or another
 * replica) or no longer exists. Shaped like oidc-provider's `InvalidGrant`
 * (`invalid_request_uri` for pushed authorization requests), so the token
 * endpoint answers 400 `invalid_grant` to the loser.
 */
export class ConsumeConflictError extends Error {
  readonly code = 'CONSUME_CONFLICT';
  /** The OAuth error code (oidc-provider reads `message`; `error` is kept in sync as it does). */
  readonly error: string;
  readonly error_description: string;
  readonly error_detail: string;
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly allow_redirect = true;
  /** Model of the entry (e.g. `AuthorizationCode`). */
  readonly model: string;
  /** `already_consumed` (reuse) or `not_found` (expired, destroyed or revoked meanwhile). */
  readonly reason: 'already_consumed' | 'not_found';
  /** Number of grant-family entries deleted because reuse was detected (0 if none / disabled). */
  readonly revoked: number;

  constructor(model: string, reason: 'already_consumed' | 'not_found', revoked = 0) {
    const oauthError = model === 'PushedAuthorizationRequest' ? 'invalid_request_uri' : 'invalid_grant';
    super(oauthError);
    this.name = 'ConsumeConflictError';
    this.error = oauthError;
    this.error_description = oauthError === 'invalid_grant'
      ? 'grant request is invalid'
      : 'request_uri is invalid, expired, or was already used';
    this.error_detail = reason === 'already_consumed' ? `${model} already consumed` : `${model} not found`;
    this.model = model;
    this.reason = reason;
    this.revoked = revoked;
  }
}

/** Constructor names of node-redis (v5/v6) errors that mean "Redis not reachable". */
const UNAVAILABLE_CLASSES = new Set([
  'RedisUnavailableError',
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketClosedUnexpectedlyError',
  'SocketTimeoutError',
  'DisconnectsClientError',
  'ReconnectStrategyError',
  'TimeoutError',
  'SocketTimeoutDuringMaintenanceError',
  'CommandTimeoutDuringMaintenanceError',
  'RootNodesUnavailableError',
]);

/** Socket-level errno codes that mean "Redis not reachable". */
const UNAVAILABLE_CODES = new Set([
  'REDIS_UNAVAILABLE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Redis error-reply prefixes meaning the server is up but cannot serve (loading, failover). */
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|BUSY)\b/;

/**
 * Whether `err` (or an error in its `cause` chain) means Redis is unreachable
 * or temporarily unable to serve, i.e. the request should fail closed with 503.
 * Recognises {@link RedisUnavailableError}, node-redis connection/timeout
 * errors, socket errno codes and LOADING/MASTERDOWN/READONLY-style replies.
 */
export function isRedisUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (e instanceof RedisUnavailableError) return true;
    const rec = e as { constructor?: { name?: unknown }; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; originalError?: unknown; socketError?: unknown };
    const ctor = typeof rec.constructor?.name === 'string' ? rec.constructor.name : '';
    if (UNAVAILABLE_CLASSES.has(ctor)) return true;
    if (typeof rec.code === 'string' && UNAVAILABLE_CODES.has(rec.code)) return true;
    if ((ctor === 'ErrorReply' || ctor === 'SimpleError') && typeof rec.message === 'string' && UNAVAILABLE_REPLIES.test(rec.message)) {
      return true;
    }
    queue.push(rec.cause, rec.originalError, rec.socketError);
    if (Array.isArray(rec.errors)) queue.push(...rec.errors);
  }
  return false;
}

/** Whether `err` is a lost `consume` race / reuse detected by the adapter. */
export function isConsumeConflict(err: unknown): err is ConsumeConflictError {
  return err instanceof ConsumeConflictError;
}

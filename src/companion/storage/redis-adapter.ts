/**
 * oidc-provider (v9) storage adapter on Redis, safe to share between several
 * companion replicas.
 *
 * ```ts
 * const client = createRedisClient({ url: process.env.REDIS_URL! });
 * await client.connect();
 * const provider = new Provider(issuer, {
 *   adapter: createRedisAdapterFactory(client, { clockTolerance: 15 }),
 *   ...
 * });
 * ```
 *
 * Single use across replicas. oidc-provider checks `consumed` on the entry it
 * found and then calls `consume` without looking at its result
 * (lib/helpers/grant_source.js consumeGrantSource, used by the
 * authorization_code, device_code, ciba and pre-authorized_code grants;
 * lib/actions/grants/refresh_token.js for rotation; the model's
 * `consume()` in lib/models/*.js just awaits `adapter.consume(jti)`). Two
 * replicas can both pass the check. Here `consume` is one Lua script (HSETNX of
 * the `consumed` field): exactly one caller sets it; every other caller gets a
 * {@link ConsumeConflictError} thrown, which propagates out of the grant
 * handler and renders as 400 `invalid_grant`. Before throwing, the same script
 * deletes every entry of the grant and the Grant record, as oidc-provider's
 * own reuse branch does via revoke() (lib/helpers/revoke.js).
 *
 * Redis down: commands reject at once when the client is offline (use
 * {@link createRedisClient} or set `disableOfflineQueue`), every operation is
 * additionally bounded by `operationTimeoutMs`, and all such failures are
 * rethrown as {@link RedisUnavailableError} (503; see `isRedisUnavailable`).
 *
 * Nothing here logs; error messages carry model names, never ids or payloads.
 * @module
 */
import { ConsumeConflictError, RedisUnavailableError, isRedisUnavailable } from './redis-errors.ts';
import {
  CONSUME,
  DESTROY,
  FIND_BY_INDEX,
  REVOKE_BY_GRANT,
  Script,
  UPSERT,
  type RedisCommandClient,
} from './redis-scripts.ts';

export { ConsumeConflictError, RedisUnavailableError, isConsumeConflict, isRedisUnavailable } from './redis-errors.ts';
export type { RedisCommandClient } from './redis-scripts.ts';
export { createRedisClient } from './redis-client.ts';

/** Default key namespace. */
export const DEFAULT_KEY_PREFIX = 'mcp-authz:oidc:';

/** Models whose entries carry a `grantId` and are revoked together (as in oidc-provider's memory adapter). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** What oidc-provider hands to / expects from an adapter. */
export interface AdapterPayload {
  [key: string]: unknown;
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
}

/** The adapter interface of oidc-provider v9 (see its lib/adapters/memory_adapter.js). */
export interface OidcAdapter {
  readonly model: string;
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** A class usable as oidc-provider's `adapter` option (`new Adapter(modelName)`). */
export interface RedisAdapterClass {
  new (model: string): OidcAdapter;
  /** The key namespace in use. */
  readonly keyPrefix: string;
}

/** Options of {@link createRedisAdapterFactory}. */
export interface RedisAdapterOptions {
  /** Key namespace; default `mcp-authz:oidc:`. */
  keyPrefix?: string;
  /**
   * Seconds added to every TTL, like oidc-provider's memory adapter does with
   * the provider's `clockTolerance` (pass the same value). Default 0.
   */
  clockTolerance?: number;
  /**
   * When a `consume` loses (entry already consumed), delete every entry of its
   * grant and the Grant record before throwing. Default true.
   */
  revokeGrantOnReuse?: boolean;
  /**
   * Upper bound for one adapter operation, in ms, whatever the client's own
   * settings (a misconfigured client with an offline queue still fails
   * closed, and a command already written to a hung server is abandoned).
   * Default 1000.
   */
  operationTimeoutMs?: number;
  /** Called (without ids or payloads) when a lost `consume` is detected, e.g. to emit a metric. */
  onConsumeConflict?: (event: { model: string; reason: 'already_consumed' | 'not_found'; revoked: number }) => void;
}

const upsertScript = new Script(UPSERT);
const consumeScript = new Script(CONSUME);
const destroyScript = new Script(DESTROY);
const revokeScript = new Script(REVOKE_BY_GRANT);
const findByIndexScript = new Script(FIND_BY_INDEX);

function ttlMs(expiresIn: number | undefined, clockTolerance: number): number {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) return 0;
  return Math.max(1, Math.ceil((expiresIn + clockTolerance) * 1000));
}

function decode(model: string, reply: unknown): AdapterPayload | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [raw, consumed] = reply as [unknown, unknown];
  if (typeof raw !== 'string') return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    throw new Error(`redis adapter: stored ${model} entry is not valid JSON`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error(`redis adapter: stored ${model} entry is not a JSON object`);
  }
  const out = payload as AdapterPayload;
  if (typeof consumed === 'string' && consumed !== '') out.consumed = Number(consumed);
  return out;
}

/**
 * Builds the adapter class for oidc-provider's `adapter` option. oidc-provider
 * v9 accepts a constructable (`new Adapter(name)`) or a non-async factory
 * (`Adapter(name)`) (lib/helpers/initialize_adapter.js, lib/models/base_model.js);
 * this returns a class, and `(name) => new Cls(name)` works as a factory too.
 *
 * @param client A connected node-redis client (one per process is enough;
 *   all adapter instances share it). See {@link createRedisClient}.
 */
export function createRedisAdapterFactory(client: RedisCommandClient, options: RedisAdapterOptions = {}): RedisAdapterClass {
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const clockTolerance = options.clockTolerance ?? 0;
  const revokeOnReuse = options.revokeGrantOnReuse ?? true;
  const opTimeout = options.operationTimeoutMs ?? 1000;
  const onConflict = options.onConsumeConflict;

  /** Runs one adapter operation; Redis-unavailable failures become RedisUnavailableError. */
  async function guarded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(`${operation} (timed out after ${opTimeout} ms)`)), opTimeout);
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      if (err instanceof RedisUnavailableError || err instanceof ConsumeConflictError) throw err;
      if (isRedisUnavailable(err)) throw new RedisUnavailableError(operation, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  const grantKey = (grantId: string): string => `${prefix}grant:${grantId}`;
  const uidKey = (uid: string): string => `${prefix}uid:${uid}`;
  const userCodeKey = (userCode: string): string => `${prefix}userCode:${userCode}`;

  const RedisAdapter = class RedisAdapter implements OidcAdapter {
    static readonly keyPrefix = prefix;
    readonly model: string;

    constructor(model: string) {
      if (typeof model !== 'string' || model === '') throw new TypeError('redis adapter: model name required');
      this.model = model;
    }

    /** `mcp-authz:oidc:<Model>:<id>` */
    key(id: string): string {
      return `${prefix}${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const grantId = GRANTABLE.has(this.model) && typeof payload.grantId === 'string' ? payload.grantId : '';
      const uid = this.model === 'Session' && typeof payload.uid === 'string' ? uidKey(payload.uid) : '';
      const userCode = typeof payload.userCode === 'string' ? userCodeKey(payload.userCode) : '';
      const consumed = typeof payload.consumed === 'number' ? String(payload.consumed) : '';
      const json = JSON.stringify(payload);
      const ttl = String(ttlMs(expiresIn, clockTolerance));
      await guarded(`${this.model}.upsert`, () => upsertScript.run(
        client,
        [key, grantId ? grantKey(grantId) : '', uid, userCode],
        [json, ttl, consumed, grantId, prefix],
      ));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const reply = await guarded(`${this.model}.find`, () => client.sendCommand(['HMGET', this.key(id), 'payload', 'consumed']));
      return decode(this.model, reply);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const reply = await guarded(`${this.model}.findByUid`, () => findByIndexScript.run(client, [uidKey(uid)], [`${prefix}${this.model}:`]));
      return decode(this.model, reply);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const reply = await guarded(`${this.model}.findByUserCode`, () => findByIndexScript.run(client, [userCodeKey(userCode)], [`${prefix}${this.model}:`]));
      return decode(this.model, reply);
    }

    /**
     * Atomically marks the entry consumed (epoch seconds). Resolves only for
     * the single caller that set it; rejects with ConsumeConflictError when it
     * was already consumed (after revoking the grant family, see module doc)
     * or no longer exists.
     */
    async consume(id: string): Promise<void> {
      const now = String(Math.floor(Date.now() / 1000));
      const reply = await guarded(`${this.model}.consume`, () => consumeScript.run(
        client,
        [this.key(id)],
        [now, revokeOnReuse ? '1' : '0', prefix],
      ));
      const [status, revoked = 0] = Array.isArray(reply) ? reply.map(Number) : [Number.NaN];
      if (status === 1) return;
      if (status !== 0 && status !== 2) throw new Error(`redis adapter: unexpected consume reply for ${this.model}`);
      const reason = status === 2 ? 'already_consumed' : 'not_found';
      const count = Number.isFinite(revoked) ? revoked : 0;
      try {
        onConflict?.({ model: this.model, reason, revoked: count });
      } catch {
        /* an observer must not change the outcome */
      }
      throw new ConsumeConflictError(this.model, reason, count);
    }

    async destroy(id: string): Promise<void> {
      await guarded(`${this.model}.destroy`, () => destroyScript.run(client, [this.key(id)], [prefix]));
    }

    /** Deletes every entry (any model) issued under `grantId`, with their indexes. */
    async revokeByGrantId(grantId: string): Promise<void> {
      await guarded(`${this.model}.revokeByGrantId`, () => revokeScript.run(client, [grantKey(grantId)], []));
    }
  };
  return RedisAdapter;
}

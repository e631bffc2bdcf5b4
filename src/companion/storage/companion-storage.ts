/**
 * The companion's storage seam: an oidc-provider adapter factory plus a way to close it. The
 * embedded SQLite store is the default; Redis serves several replicas behind the same shape.
 */
import type { Adapter } from 'oidc-provider';
import type { AsStorage } from '../../config/app-config.ts';
import { createRedisAdapterFactory, createRedisClient } from './redis-adapter.ts';
import { openSqliteStorage } from './sqlite-adapter.ts';
import { createRedisWindowCounter } from '../rate-limit/redis-window-counter.ts';
import type { WindowCounter } from '../rate-limit/window-counter.ts';

/**
 * Redis, for several companion replicas. Not awaited: the companion starts while Redis is down, and
 * every storage operation then fails at once (no offline queue), so the token endpoint answers 503
 * and the data plane, which never needs Redis, keeps admitting valid tokens.
 */
function openRedisStorage(url: string): CompanionStorage {
  const client = createRedisClient({ url });
  client.connect().catch(() => undefined);
  const RedisAdapter = createRedisAdapterFactory(client, { clockTolerance: CLOCK_TOLERANCE });
  return {
    adapter: (model) => new RedisAdapter(model) as unknown as Adapter,
    // Replicas share one budget per client address.
    windowCounter: createRedisWindowCounter(client),
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}

/** oidc-provider's default clock tolerance (seconds), added to every stored TTL. */
const CLOCK_TOLERANCE = 15;

/** Persistent state of the Authorization Server. */
export interface CompanionStorage {
  /** oidc-provider's adapter factory: one adapter per model name (`Client`, `Grant`, …). */
  adapter(model: string): Adapter;
  /** Request counts for the rate limits: in process, or shared through Redis. */
  windowCounter: WindowCounter;
  close(): Promise<void>;
}

/** Tagged outcome of opening the configured storage. */
export type OpenStorageResult = { ok: true; storage: CompanionStorage } | { ok: false; error: string };

/** Open the storage `settings` describe. */
export function openStorage(settings: AsStorage): OpenStorageResult {
  if (settings.type === 'redis') return { ok: true, storage: openRedisStorage(settings.url) };
  try {
    return { ok: true, storage: openSqliteStorage(settings.path) };
  } catch (err) {
    return { ok: false, error: `authorization_server.storage.path: cannot open ${settings.path} (${(err as Error).message})` };
  }
}

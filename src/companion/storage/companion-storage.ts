/**
 * The companion's storage seam: an oidc-provider adapter factory plus a way to close it. The
 * embedded SQLite store implements it here; a Redis store plugs in behind the same shape.
 */
import type { Adapter } from 'oidc-provider';
import type { AsStorage } from '../../config/app-config.ts';
import { openSqliteStorage } from './sqlite-adapter.ts';

/** Persistent state of the Authorization Server. */
export interface CompanionStorage {
  /** oidc-provider's adapter factory: one adapter per model name (`Client`, `Grant`, …). */
  adapter(model: string): Adapter;
  close(): Promise<void>;
}

/** Tagged outcome of opening the configured storage. */
export type OpenStorageResult = { ok: true; storage: CompanionStorage } | { ok: false; error: string };

/** Open the storage `settings` describe. */
export function openStorage(settings: AsStorage): OpenStorageResult {
  if (settings.type === 'redis') {
    return { ok: false, error: 'authorization_server.storage: type redis is not wired into the companion yet; use type: sqlite' };
  }
  try {
    return { ok: true, storage: openSqliteStorage(settings.path) };
  } catch (err) {
    return { ok: false, error: `authorization_server.storage.path: cannot open ${settings.path} (${(err as Error).message})` };
  }
}

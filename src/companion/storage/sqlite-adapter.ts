/**
 * An embedded store for oidc-provider on `node:sqlite` (built into Node 24, no native addon): one
 * table holds every model (clients from dynamic registration, grants, sessions, interactions,
 * authorization codes, refresh tokens), so they survive a restart of the companion.
 *
 * Implements oidc-provider's adapter interface: upsert/find/findByUid/findByUserCode/consume/
 * destroy/revokeByGrantId, with expiry. Expired rows are never returned and are swept
 * periodically. `consume` is atomic: of two concurrent redemptions of one code or refresh token,
 * exactly one wins (RFC 6749 §4.1.2: a code is used once; OAuth 2.1 §4.3.1 for refresh rotation).
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { CompanionStorage } from './companion-storage.ts';
import { createMemoryWindowCounter } from '../rate-limit/window-counter.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oidc_entries (
  model       TEXT NOT NULL,
  id          TEXT NOT NULL,
  payload     TEXT NOT NULL,
  grant_id    TEXT,
  user_code   TEXT,
  uid         TEXT,
  expires_at  INTEGER,
  consumed_at INTEGER,
  PRIMARY KEY (model, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS oidc_entries_grant ON oidc_entries (model, grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_entries_uid ON oidc_entries (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_entries_user_code ON oidc_entries (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_entries_expiry ON oidc_entries (expires_at) WHERE expires_at IS NOT NULL;
`;

/** How often expired rows are deleted. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

interface Statements {
  upsert: StatementSync;
  find: StatementSync;
  findByUid: StatementSync;
  findByUserCode: StatementSync;
  consume: StatementSync;
  destroy: StatementSync;
  revokeByGrantId: StatementSync;
  sweep: StatementSync;
}

function prepare(db: DatabaseSync): Statements {
  const live = '(expires_at IS NULL OR expires_at > ?)';
  return {
    upsert: db.prepare(`INSERT INTO oidc_entries (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
      ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
        user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = NULL`),
    find: db.prepare(`SELECT payload, consumed_at FROM oidc_entries WHERE model = ? AND id = ? AND ${live}`),
    findByUid: db.prepare(`SELECT payload, consumed_at FROM oidc_entries WHERE model = ? AND uid = ? AND ${live} LIMIT 1`),
    findByUserCode: db.prepare(`SELECT payload, consumed_at FROM oidc_entries WHERE model = ? AND user_code = ? AND ${live} LIMIT 1`),
    consume: db.prepare(`UPDATE oidc_entries SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL AND ${live}`),
    destroy: db.prepare('DELETE FROM oidc_entries WHERE model = ? AND id = ?'),
    revokeByGrantId: db.prepare('DELETE FROM oidc_entries WHERE model = ? AND grant_id = ?'),
    sweep: db.prepare('DELETE FROM oidc_entries WHERE expires_at IS NOT NULL AND expires_at <= ?'),
  };
}

function payloadOf(row: Record<string, unknown> | undefined): AdapterPayload | undefined {
  if (row === undefined) return undefined;
  const payload = JSON.parse(String(row.payload)) as AdapterPayload;
  // oidc-provider reads `consumed` (epoch seconds) to detect reuse of codes and refresh tokens.
  if (row.consumed_at !== null && row.consumed_at !== undefined) payload.consumed = Math.floor(Number(row.consumed_at) / 1000);
  return payload;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

class SqliteAdapter implements Adapter {
  readonly #model: string;
  readonly #s: Statements;

  constructor(model: string, statements: Statements) {
    this.#model = model;
    this.#s = statements;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null;
    this.#s.upsert.run(this.#model, id, JSON.stringify(payload), text(payload.grantId), text(payload.userCode), text(payload.uid), expiresAt);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return payloadOf(this.#s.find.get(this.#model, id, Date.now()));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return payloadOf(this.#s.findByUid.get(this.#model, uid, Date.now()));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return payloadOf(this.#s.findByUserCode.get(this.#model, userCode, Date.now()));
  }

  async consume(id: string): Promise<void> {
    const now = Date.now();
    const { changes } = this.#s.consume.run(now, this.#model, id, now);
    // Lost a race with a concurrent redemption (or the entry expired meanwhile): fail closed.
    if (Number(changes) === 0) throw new errors.InvalidGrant('grant already consumed or expired');
  }

  async destroy(id: string): Promise<void> {
    this.#s.destroy.run(this.#model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#s.revokeByGrantId.run(this.#model, grantId);
  }
}

/** Create `path` (and its directory) readable by the service only, before SQLite opens it. */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
}

/**
 * Open (creating if needed) the SQLite store at `path`. Throws when the file cannot be opened:
 * that is a start-up error for the companion, reported before it listens.
 */
export function openSqliteStorage(path: string): CompanionStorage {
  createPrivateFile(path);
  const db = new DatabaseSync(path);
  // WAL: readers never block the writer; busy_timeout covers a second process on the same file.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
  db.exec(SCHEMA);
  const statements = prepare(db);
  const sweep = (): void => {
    statements.sweep.run(Date.now());
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    adapter: (model: string) => new SqliteAdapter(model, statements),
    // A single process owns the file: request counts stay in memory.
    windowCounter: createMemoryWindowCounter(),
    close: async () => {
      clearInterval(timer);
      if (db.isOpen) db.close();
    },
  };
}

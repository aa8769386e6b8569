/**
 * The embedded default: one SQLite file, one connection, durable on every commit. The
 * connection lives on a worker thread (sqlite-worker/): with synchronous=FULL every commit
 * fsyncs, and on the main thread that stalled the gateway's sockets for the whole fsync.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import type { Backend, StoreLogger } from './dialect.js';
import type { Database } from './schema-types.js';
import { SqliteWorkerDialect } from './sqlite-worker/driver.js';
import { SqliteThread } from './sqlite-worker/thread.js';

export const SQLITE_FILE = 'kaoqin.db';

/** SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32, which better-sqlite3 keeps. */
const SQLITE_MAX_BIND_PARAMS = 32_766;

export async function openSqlite(dataDir: string, logger?: StoreLogger): Promise<Backend> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  // The worker sets the pragmas: WAL, synchronous=FULL, busy_timeout, foreign_keys.
  const { thread, opened } = await SqliteThread.open(file);
  if (opened.journalMode !== 'wal') {
    logger?.warn({ file, journalMode: opened.journalMode }, 'SQLite could not enable WAL');
  }
  return {
    db: new Kysely<Database>({ dialect: new SqliteWorkerDialect(thread) }),
    caps: { dialect: 'sqlite', maxBindParams: SQLITE_MAX_BIND_PARAMS, migrationSchema: undefined },
  };
}

/**
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, as better-sqlite3 reports them (copied across the
 * thread boundary by sqlite-worker/thread.ts).
 */
export function isSqliteUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

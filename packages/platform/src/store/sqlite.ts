/** The embedded default: one SQLite file, one connection, durable on every commit. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import type { Backend, StoreLogger } from './dialect.js';
import type { Database } from './schema-types.js';
import { startCheckpointer } from './sqlite-checkpoint.js';
import { WalSync, WalSyncSqliteDialect } from './sqlite-wal-sync.js';

export const SQLITE_FILE = 'kaoqin.db';

/** SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32, which better-sqlite3 keeps. */
const SQLITE_MAX_BIND_PARAMS = 32_766;

export interface SqliteOptions {
  /** Checkpoint the WAL from a worker thread (a serving process), not inside commits. */
  backgroundCheckpoint?: boolean;
  /** How often the worker checkpoints. */
  checkpointIntervalMs?: number;
}

export function openSqlite(dataDir: string, logger?: StoreLogger, opts: SqliteOptions = {}): Backend {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  const conn = new SqliteDatabase(file);
  try {
    // WAL lets readers run beside the writer. Every write is made durable before its
    // promise resolves (an acknowledged record survives kill -9 and power loss), but by
    // an fdatasync of the WAL off the event loop (sqlite-wal-sync.ts), so SQLite itself
    // runs with synchronous=NORMAL. Without WAL that would not hold: refuse to run.
    const mode = conn.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw new Error(`SQLite could not enable WAL on ${file} (journal_mode=${String(mode)})`);
    conn.pragma('synchronous = NORMAL');
    // Another process (a CLI command beside the server) may hold the write lock briefly.
    conn.pragma('busy_timeout = 5000');
    // SQLite's default is off (better-sqlite3's build turns it on); the schema relies on it.
    conn.pragma('foreign_keys = ON');
    if (opts.backgroundCheckpoint) conn.pragma('wal_autocheckpoint = 0');
  } catch (err) {
    conn.close();
    throw err;
  }
  const checkpointer = opts.backgroundCheckpoint
    ? startCheckpointer(file, opts.checkpointIntervalMs ?? 1000, logger)
    : undefined;
  return {
    db: new Kysely<Database>({
      dialect: new WalSyncSqliteDialect({ database: withStatementCache(conn) }, conn, new WalSync(file)),
    }),
    caps: { dialect: 'sqlite', maxBindParams: SQLITE_MAX_BIND_PARAMS, migrationSchema: undefined },
    ...(checkpointer ? { beforeClose: () => checkpointer.stop() } : {}),
  };
}

const STATEMENT_CACHE_SIZE = 64;

/**
 * Kysely prepares every query afresh, and compiling a multi-row INSERT costs SQLite about
 * half as long as running it (measured). So the same SQL text gets the same compiled
 * statement back, from a small most-recently-used cache. Safe because Kysely's SQLite
 * driver runs one query at a time on its one connection: a statement is never in use twice.
 */
function withStatementCache(conn: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => conn.close(),
    prepare(sqlText) {
      let stmt = cache.get(sqlText);
      if (stmt) cache.delete(sqlText);
      else stmt = conn.prepare(sqlText);
      cache.set(sqlText, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}

/** SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, as better-sqlite3 reports them. */
export function isSqliteUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

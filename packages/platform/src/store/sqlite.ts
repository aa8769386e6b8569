/** The embedded default: one SQLite file, one connection, durable on every commit. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect } from 'kysely';
import { ATTENDANCE_COLUMNS } from './attendance-sqlite.js';
import type { Backend, StoreLogger } from './dialect.js';
import type { Database } from './schema-types.js';
import {
  CHECKPOINT_INTERVAL_MS,
  type Checkpointer,
  SAFETY_NET_PAGES,
  startCheckpointer,
} from './sqlite-checkpointer.js';
import { startWriteThread } from './sqlite-write-thread.js';

export const SQLITE_FILE = 'kaoqin.db';

/** SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32, which better-sqlite3 keeps. */
const SQLITE_MAX_BIND_PARAMS = 32_766;

export interface SqliteOptions {
  /** Checkpoint on a thread of our own (the write thread, or one for them; the default); false: SQLite's own, inside commits. */
  checkpointThread?: boolean;
  /** Attendance batches and background flushes written on a thread of our own (the default); false: on the event loop. */
  writeThread?: boolean;
}

export function openSqlite(dataDir: string, logger?: StoreLogger, opts: SqliteOptions = {}): Backend {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  const conn = new SqliteDatabase(file);
  let wal = false;
  try {
    // WAL lets readers run beside the writer. synchronous=FULL fsyncs the WAL on every
    // commit: an acknowledged record must survive kill -9 and power loss (NORMAL would
    // only survive the former).
    const mode = conn.pragma('journal_mode = WAL', { simple: true });
    wal = mode === 'wal';
    if (!wal) logger?.warn({ file, journalMode: mode }, 'SQLite could not enable WAL');
    conn.pragma('synchronous = FULL');
    // Another process (a CLI command beside the server) may hold the write lock briefly.
    conn.pragma('busy_timeout = 5000');
    // SQLite's default is off (better-sqlite3's build turns it on); the schema relies on it.
    conn.pragma('foreign_keys = ON');
    // PIPL erasure: content deleted or overwritten is zeroed in the file, not left in free
    // space (a person's name, their sealed fields); costs a little I/O on deletes only.
    conn.pragma('secure_delete = ON');
  } catch (err) {
    conn.close();
    throw err;
  }
  // Checkpoints run on a thread of ours (the write thread, else sqlite-checkpointer.ts),
  // not inside our commits on the event loop; our own autocheckpoint is only the safety net.
  const ownCheckpoints = wal && opts.checkpointThread !== false;
  if (ownCheckpoints) conn.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  const writer =
    wal && opts.writeThread !== false
      ? startWriteThread(
          {
            file,
            columns: ATTENDANCE_COLUMNS,
            autocheckpointPages: ownCheckpoints ? SAFETY_NET_PAGES : 1000,
            checkpointMs: ownCheckpoints ? CHECKPOINT_INTERVAL_MS : 0,
          },
          logger,
        )
      : undefined;
  const checkpointer: Checkpointer | undefined =
    ownCheckpoints && !writer ? startCheckpointer(file, logger) : undefined;
  const closeThreads = async () => {
    await Promise.all([writer?.close(), checkpointer?.close()]);
  };
  return {
    db: new Kysely<Database>({
      dialect: new SqliteDialect({
        // Normally beforeClose has stopped the thread already; this covers a bare destroy().
        database: withStatementCache(conn, () => void closeThreads()),
      }),
    }),
    caps: { dialect: 'sqlite', maxBindParams: SQLITE_MAX_BIND_PARAMS, migrationSchema: undefined },
    ...(wal ? { sqliteWal: { conn, walPath: `${file}-wal`, ...(writer ? { writer } : {}) } } : {}),
    ...(checkpointer || writer ? { beforeClose: closeThreads } : {}),
  };
}

const STATEMENT_CACHE_SIZE = 64;

/**
 * Kysely prepares every query afresh, and compiling a multi-row INSERT costs SQLite about
 * half as long as running it (measured). So the same SQL text gets the same compiled
 * statement back, from a small most-recently-used cache. Safe because Kysely's SQLite
 * driver runs one query at a time on its one connection: a statement is never in use twice.
 */
function withStatementCache(conn: SqliteDatabase.Database, onClose: () => void): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      onClose();
      conn.close();
    },
    prepare(text) {
      // Kysely opens transactions with a deferred BEGIN. A transaction that reads before
      // it writes then cannot take the write lock if another process (the CLI beside a
      // running server) committed in between: SQLite fails it at once (SQLITE_BUSY, no
      // busy_timeout wait). BEGIN IMMEDIATE takes the write lock first, so the other
      // writer waits its turn instead.
      const sqlText = text === 'begin' ? 'begin immediate' : text;
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

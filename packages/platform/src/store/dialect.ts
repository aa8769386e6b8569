/**
 * Everything that differs between SQLite and PostgreSQL, in one place. The schema and
 * the queries are otherwise identical (text ids, bigint epoch ms, integer 0/1 booleans,
 * ON CONFLICT … DO NOTHING RETURNING), so the repos never branch on the dialect.
 */

import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from './schema-types.js';
import type { WriteThread } from './sqlite-write-thread.js';

export interface Capabilities {
  readonly dialect: 'sqlite' | 'postgres';
  /** Most bind parameters one statement may carry; multi-row INSERTs are chunked below it. */
  readonly maxBindParams: number;
  /**
   * Schema that holds Kysely's migration tables. PostgreSQL needs it spelt out: Kysely's
   * "does the table exist" check looks across every schema, so another schema's
   * kysely_migration (a parallel test run, another app) would be mistaken for ours.
   */
  readonly migrationSchema: string | undefined;
}

/** An open connection (or pool) and what its dialect can do. */
export interface Backend {
  readonly db: Kysely<Database>;
  readonly caps: Capabilities;
  /** SQLite in WAL mode: the raw connection under `db`, for the ingest path (attendance-sqlite.ts). */
  readonly sqliteWal?: SqliteWal;
  /**
   * Awaited before `db` is destroyed: SQLite's checkpoint thread closes its connection
   * first, so the store's own connection is the last one and SQLite checkpoints and
   * removes the WAL as it closes (a later open, or a backup of the directory, sees one file).
   */
  readonly beforeClose?: () => Promise<void>;
}

/** The raw better-sqlite3 connection under the store's Kysely, and its WAL file. */
export interface SqliteWal {
  readonly conn: SqliteDatabase.Database;
  readonly walPath: string;
  /** Where attendance batches and background flushes are written, off the event loop (sqlite-write-thread.ts). */
  readonly writer?: WriteThread;
}

export interface StoreLogger {
  warn(obj: object, msg?: string): void;
}

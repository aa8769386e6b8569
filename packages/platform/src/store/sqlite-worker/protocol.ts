/**
 * Messages between the store (main thread) and the SQLite worker thread. Everything in
 * them survives structured cloning: numbers, strings, null, bigint, and Uint8Array for
 * BLOBs (the schema has none today; a BLOB read comes back as a Uint8Array, not a Buffer).
 */

export type Request =
  | { id: number; op: 'open'; file: string }
  | { id: number; op: 'query'; sql: string; parameters: readonly unknown[] }
  /** Answered after every request sent before it, so pending queries finish first. */
  | { id: number; op: 'close' };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: RemoteError };

export interface OpenResult {
  /** What `journal_mode = WAL` answered: 'wal' unless the file system cannot do WAL. */
  journalMode: string;
}

export interface QueryResult {
  rows: unknown[];
  /** Set for statements that return no rows (better-sqlite3's run()). */
  changes?: number;
  lastInsertRowid?: number | bigint;
}

/** An error as the worker saw it: `code` is SQLite's (SQLITE_CONSTRAINT_UNIQUE, …). */
export interface RemoteError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

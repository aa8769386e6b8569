/**
 * The SQLite worker thread: owns the one better-sqlite3 connection, so every statement and
 * every commit's fsync (synchronous=FULL) blocks this thread instead of the gateway's.
 * Requests are handled one at a time, in the order they were posted.
 */
import { parentPort } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { OpenResult, QueryResult, RemoteError, Reply, Request } from './protocol.js';

const STATEMENT_CACHE_SIZE = 64;

const port = parentPort;
if (!port) throw new Error('sqlite-worker/worker runs as a worker thread');

let conn: SqliteDatabase.Database | undefined;
/**
 * Kysely prepares every query afresh, and compiling a multi-row INSERT costs SQLite about
 * half as long as running it (measured). So the same SQL text gets the same compiled
 * statement back, from a small most-recently-used cache. Safe because requests run one at
 * a time: a statement is never in use twice.
 */
const statements = new Map<string, SqliteDatabase.Statement>();

function open(file: string): OpenResult {
  if (conn) throw new Error('SQLite worker already has a database open');
  const db = new SqliteDatabase(file);
  try {
    // WAL lets readers run beside the writer. synchronous=FULL fsyncs the WAL on every
    // commit: an acknowledged record must survive kill -9 and power loss (NORMAL would
    // only survive the former).
    const journalMode = String(db.pragma('journal_mode = WAL', { simple: true }));
    db.pragma('synchronous = FULL');
    // Another process (a CLI command beside the server) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    // SQLite's default is off (better-sqlite3's build turns it on); the schema relies on it.
    db.pragma('foreign_keys = ON');
    conn = db;
    return { journalMode };
  } catch (err) {
    db.close();
    throw err;
  }
}

function prepare(db: SqliteDatabase.Database, sqlText: string): SqliteDatabase.Statement {
  let stmt = statements.get(sqlText);
  if (stmt) statements.delete(sqlText);
  else stmt = db.prepare(sqlText);
  statements.set(sqlText, stmt);
  if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
  return stmt;
}

/** Structured cloning turns a Buffer into a plain Uint8Array; better-sqlite3 binds Buffers. */
function bindable(parameters: readonly unknown[]): readonly unknown[] {
  const loose = (p: unknown): p is Uint8Array => p instanceof Uint8Array && !Buffer.isBuffer(p);
  if (!parameters.some(loose)) return parameters;
  return parameters.map((p) => (loose(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
}

function query(sqlText: string, parameters: readonly unknown[]): QueryResult {
  if (!conn) throw new Error('SQLite worker has no database open');
  const stmt = prepare(conn, sqlText);
  const params = bindable(parameters);
  if (stmt.reader) return { rows: stmt.all(params) };
  const { changes, lastInsertRowid } = stmt.run(params);
  return { rows: [], changes, lastInsertRowid };
}

function close(): null {
  statements.clear();
  conn?.close();
  conn = undefined;
  return null;
}

function handle(req: Request): unknown {
  switch (req.op) {
    case 'open':
      return open(req.file);
    case 'query':
      return query(req.sql, req.parameters);
    case 'close':
      return close();
  }
}

function remote(err: unknown): RemoteError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.stack === undefined ? {} : { stack: err.stack }),
  };
}

port.on('message', (req: Request) => {
  let reply: Reply;
  try {
    reply = { id: req.id, ok: true, value: handle(req) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: remote(err) };
  }
  port.postMessage(reply);
});

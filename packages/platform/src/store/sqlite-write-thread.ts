/**
 * The store's high-volume SQLite writes on a thread of their own, on its own connection:
 * attendance batches (the ingest) and the background flushes (presence, device events).
 *
 * better-sqlite3 is synchronous. On the event loop, a batch's INSERTs (~28 µs a row at
 * 19,000 devices), a presence flush (an UPDATE of 250 devices: 4–20 ms), every COMMIT's
 * fsync under synchronous=FULL (13–50 ms beside a busy gateway) and the checkpoint SQLite
 * runs inside a COMMIT now and then (34–46 ms) each held every socket: they were the
 * gateway's loop stalls over 20 ms (issue 15, a statement timer in the bench). Here the
 * thread runs each batch as one IMMEDIATE transaction with synchronous=FULL: the WAL is
 * fsync'd inside the COMMIT, and a commit becomes visible to other connections only after
 * that sync. What an ack promises (the row survives kill -9 and power loss) is unchanged.
 * The thread also runs the WAL's PASSIVE checkpoints between batches (what the checkpoint
 * thread of sqlite-checkpointer.ts does when there is no write thread: one thread less,
 * ~10 MB of RSS), and its connection's autocheckpoint, the safety net, runs here too.
 *
 * One batch at a time: the caller holds the store connection's mutex while a batch is out
 * (thread-writes.ts), as it did while the WAL synced on the loop, so the two connections
 * never contend for SQLite's write lock (a busy wait on the loop would be a stall of its
 * own) and no query of this process reads rows before they are durable.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { InsertOutcome } from './types.js';

/** Plain CommonJS run by the worker (eval): no TypeScript loader or build path needed. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = ON');
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpointPages);

// Prepared on the first batch, not at start: the store opens before its migrations run.
let insertAttendance;
function attendanceWriter() {
  if (insertAttendance) return insertAttendance;
  const cols = workerData.columns;
  const insert = db.prepare(
    'INSERT INTO attendance (' + cols.join(', ') + ') VALUES (' + cols.map(() => '?').join(', ') +
    ') ON CONFLICT (device_id, record_time, person_id, type) DO NOTHING');
  const existing = db.prepare(
    'SELECT id FROM attendance WHERE device_id = ? AND person_id = ? AND record_time = ? AND type = ?').pluck();
  const k = workerData.keyIndexes;
  insertAttendance = db.transaction((rows) => rows.map((values) => {
    if (insert.run(values).changes === 1) return [values[0], false];
    const id = existing.get(values[k[0]], values[k[1]], values[k[2]], values[k[3]]);
    if (id === undefined) throw new Error('attendance insert skipped a record that does not exist (' + values[k[4]] + ')');
    return [id, true];
  }));
  return insertAttendance;
}

// Statements of the background flushes, by SQL text: their texts repeat (fixed chunk sizes).
const statements = new Map();
function statement(text) {
  let s = statements.get(text);
  if (s) return s;
  if (statements.size >= 64) statements.delete(statements.keys().next().value);
  s = db.prepare(text);
  statements.set(text, s);
  return s;
}
const runAll = db.transaction((queries) => {
  for (const q of queries) statement(q.sql).run(q.params);
});

// PASSIVE checkpoints between batches (sqlite-checkpointer.ts says why they are PASSIVE):
// on this thread, never inside a commit of the event loop's.
let timer;
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ checkpointError: String((err && err.message) || err) });
  }
  timer = setTimeout(checkpoint, workerData.checkpointMs);
};
if (workerData.checkpointMs > 0) timer = setTimeout(checkpoint, workerData.checkpointMs);

parentPort.on('message', (m) => {
  if (m === 'close') {
    clearTimeout(timer);
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (m.rows) parentPort.postMessage({ seq: m.seq, outcomes: attendanceWriter().immediate(m.rows) });
    else {
      runAll.immediate(m.queries);
      parentPort.postMessage({ seq: m.seq });
    }
  } catch (err) {
    parentPort.postMessage({ seq: m.seq, error: { message: String((err && err.message) || err), code: err && err.code } });
  }
});
`;

export interface WriteThreadOptions {
  file: string;
  /** Column order of each attendance row's values; the first is the row id. */
  columns: readonly string[];
  /** The SQLite autocheckpoint of the thread's connection, in pages. */
  autocheckpointPages: number;
  /** How often the thread runs a PASSIVE checkpoint between batches; 0: never. */
  checkpointMs: number;
}

export interface WriteThreadLogger {
  warn(obj: object, msg?: string): void;
}

/** One statement of a batch: SQL with `?` placeholders and its values (strings, numbers, null). */
export interface ThreadQuery {
  sql: string;
  params: readonly unknown[];
}

export interface WriteThread {
  /** Inserts the rows in one durable transaction; each outcome is the row's id, or the existing one's for a duplicate. */
  insertAttendance(rows: unknown[][]): Promise<InsertOutcome[]>;
  /** Runs the statements in order in one durable transaction; all or none. */
  run(queries: readonly ThreadQuery[]): Promise<void>;
  /** False once the thread has stopped: callers write on the store's own connection instead. */
  readonly alive: boolean;
  /** Finishes the batch in progress, then closes the thread's connection. */
  close(): Promise<void>;
  /** Stops the thread at once, mid-transaction if need be, as a crash would (fault tests). */
  terminate(): Promise<void>;
}

type Reply =
  | { seq: number; outcomes?: [string, boolean][] }
  | { seq: number; error: { message: string; code?: string } };

interface Pending {
  resolve(outcomes: [string, boolean][] | undefined): void;
  reject(e: unknown): void;
}

export function startWriteThread(opts: WriteThreadOptions, logger?: WriteThreadLogger): WriteThread {
  const key = ['device_id', 'person_id', 'record_time', 'type', 'sn'].map((c) => {
    const at = opts.columns.indexOf(c);
    if (at < 0) throw new Error(`SQLite write thread: column ${c} missing`);
    return at;
  });
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: {
      file: opts.file,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      columns: opts.columns,
      keyIndexes: key,
      autocheckpointPages: opts.autocheckpointPages,
      checkpointMs: opts.checkpointMs,
    },
  });
  const pending = new Map<number, Pending>();
  let seq = 0;
  let alive = true;
  const fail = (err: Error) => {
    alive = false;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const gone = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      fail(new Error(`SQLite write thread exited (code ${code})`));
      resolve();
    });
  });
  worker.on('error', (err) => {
    logger?.warn({ file: opts.file, err }, 'SQLite write thread stopped; the store writes on the event loop');
    fail(err);
  });
  worker.on('message', (m: Reply | { checkpointError: string }) => {
    if ('checkpointError' in m) {
      logger?.warn({ file: opts.file, err: m.checkpointError }, 'SQLite WAL checkpoint failed; retrying');
      return;
    }
    const p = pending.get(m.seq);
    if (!p) return;
    pending.delete(m.seq);
    if ('error' in m) {
      const err = new Error(m.error.message) as Error & { code?: string };
      if (m.error.code) err.code = m.error.code;
      p.reject(err);
    } else {
      p.resolve(m.outcomes);
    }
    if (pending.size === 0) worker.unref();
  });
  // Idle, the thread never keeps the process alive (an unclosed store lets it exit as
  // before); a batch in flight does, so its promise settles.
  worker.unref();

  const send = (message: object): Promise<[string, boolean][] | undefined> => {
    if (!alive) return Promise.reject(new Error('SQLite write thread is not running'));
    return new Promise((resolve, reject) => {
      const n = ++seq;
      pending.set(n, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...message, seq: n });
    });
  };

  return {
    get alive() {
      return alive;
    },
    async insertAttendance(rows) {
      const outcomes = (await send({ rows })) ?? [];
      return outcomes.map(([id, duplicate]) => ({ id, duplicate }));
    },
    async run(queries) {
      await send({ queries });
    },
    async close() {
      if (!alive) return;
      alive = false;
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await gone;
      clearTimeout(timer);
    },
    async terminate() {
      await worker.terminate();
      await gone;
    },
  };
}

/**
 * The queue's SQLite file, the device's durable storage: pending C_SIGN_IN records and
 * the dead letters (records the platform refused for good). WAL with synchronous=FULL:
 * a commit returns only after the WAL is fsynced, so a record whose insert committed
 * survives power loss.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DeadLetter, NewRecord, QueuedRecord, QueueStorage } from './storage-types.js';

interface RecordRow {
  seq: number;
  key: string;
  param: string;
  record_time: number;
  enqueued_at: number;
}

interface DeadRow extends RecordRow {
  code: string;
  message: string;
  failed_at: number;
}

const SCHEMA_VERSION = 1;

export class SqliteQueueStore implements QueueStorage {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, number, number]>;
  readonly #delete: Database.Statement<[number]>;
  readonly #after: Database.Statement<[number, number], RecordRow>;
  readonly #insertMany: (records: NewRecord[]) => number[];
  readonly #deleteMany: (seqs: number[]) => void;
  readonly #bury: (rec: QueuedRecord, code: string, message: string, at: number) => void;
  #closed = false;

  /** `path` is a file; its directory is created. */
  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      // FULL: every commit fsyncs the WAL, so enqueue() resolves only once the record is on disk.
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`queue file ${path} has schema ${version}, newer than this SDK's ${SCHEMA_VERSION}`);
      }
      db.exec(`
        CREATE TABLE IF NOT EXISTS records (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          key TEXT NOT NULL,
          param TEXT NOT NULL,
          record_time INTEGER NOT NULL,
          enqueued_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS dead_letters (
          seq INTEGER PRIMARY KEY,
          key TEXT NOT NULL,
          param TEXT NOT NULL,
          record_time INTEGER NOT NULL,
          enqueued_at INTEGER NOT NULL,
          code TEXT NOT NULL,
          message TEXT NOT NULL,
          failed_at INTEGER NOT NULL
        );
        PRAGMA user_version = ${SCHEMA_VERSION};
      `);
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO records (key, param, record_time, enqueued_at) VALUES (?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM records WHERE seq = ?');
    this.#after = db.prepare<[number, number], RecordRow>(
      'SELECT seq, key, param, record_time, enqueued_at FROM records WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.#insertMany = db.transaction((records: NewRecord[]) =>
      records.map((r) =>
        Number(this.#insert.run(r.key, r.param, r.recordTime, r.enqueuedAt).lastInsertRowid),
      ),
    );
    this.#deleteMany = db.transaction((seqs: number[]) => {
      for (const s of seqs) this.#delete.run(s);
    });
    const buryOne = db.prepare(
      `INSERT OR REPLACE INTO dead_letters (seq, key, param, record_time, enqueued_at, code, message, failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#bury = db.transaction((rec: QueuedRecord, code: string, message: string, at: number) => {
      buryOne.run(rec.seq, rec.key, rec.param, rec.recordTime, rec.enqueuedAt, code, message, at);
      this.#delete.run(rec.seq);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Inserts in one transaction (one fsync); returns the seqs in input order. */
  insert(records: NewRecord[]): number[] {
    return this.#insertMany(records);
  }

  /** Removes acked records in one transaction. */
  remove(seqs: number[]): void {
    if (seqs.length > 0) this.#deleteMany(seqs);
  }

  /** Moves a record to the dead letters, durably, in one transaction. */
  bury(rec: QueuedRecord, code: string, message: string, at: number): void {
    this.#bury(rec, code, message, at);
  }

  /** Up to `limit` records with seq > `after`, in seq order. */
  readAfter(after: number, limit: number): QueuedRecord[] {
    return this.#after.all(after, limit).map(fromRow);
  }

  lastSeq(): number {
    const row = this.#db.prepare('SELECT max(seq) AS n FROM records').get() as { n: number | null };
    return row.n ?? 0;
  }

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n;
  }

  deadCount(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  deadLetters(limit: number): DeadLetter[] {
    const rows = this.#db
      .prepare<[number], DeadRow>('SELECT * FROM dead_letters ORDER BY seq LIMIT ?')
      .all(limit);
    return rows.map((r) => ({ ...fromRow(r), code: r.code, message: r.message, failedAt: r.failed_at }));
  }

  /** recordTime of the oldest pending record, if any (without reading its photo). */
  oldestRecordTime(): number | undefined {
    const row = this.#db.prepare('SELECT record_time FROM records ORDER BY seq LIMIT 1').get() as
      | { record_time: number }
      | undefined;
    return row?.record_time;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function fromRow(r: RecordRow): QueuedRecord {
  return { seq: r.seq, key: r.key, param: r.param, recordTime: r.record_time, enqueuedAt: r.enqueued_at };
}

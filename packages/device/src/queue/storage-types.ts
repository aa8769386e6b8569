/**
 * What the sign-in queue keeps its records in. Two implementations share one test suite
 * (test/queue-store.test.ts): SqliteQueueStore, the durable file every real device uses,
 * and MemoryQueueStore, for simulators that run thousands of devices in one process and
 * need no durability (an in-memory SQLite database per device cost them most of their CPU
 * and memory).
 */

/** One record waiting for the platform's ack. */
export interface QueuedRecord {
  /** Position in the queue: records are sent in seq order. Never reused (AUTOINCREMENT). */
  seq: number;
  /** personId|recordTime|type: the platform's idempotency key within this sn (D9). */
  key: string;
  /** The exact C_SIGN_IN param text to send (images included). */
  param: string;
  /** 2.3.2 recordTime, epoch ms. */
  recordTime: number;
  /** When the record was enqueued (device clock, epoch ms). */
  enqueuedAt: number;
}

export interface NewRecord {
  key: string;
  param: string;
  recordTime: number;
  enqueuedAt: number;
}

/** A record the platform refused with a permanent code; kept for the vendor to inspect. */
export interface DeadLetter extends QueuedRecord {
  code: string;
  message: string;
  failedAt: number;
}

/** The queue's storage. Every method is synchronous: a write has happened when it returns. */
export interface QueueStorage {
  readonly closed: boolean;
  /** Stores records (one transaction, one fsync when durable); returns their seqs, ascending, in input order. */
  insert(records: NewRecord[]): number[];
  /** Removes acked records. */
  remove(seqs: number[]): void;
  /** Moves a record to the dead letters. */
  bury(rec: QueuedRecord, code: string, message: string, at: number): void;
  /** Up to `limit` records with seq > `after`, in seq order. */
  readAfter(after: number, limit: number): QueuedRecord[];
  /** The highest seq of a record still waiting, or 0. */
  lastSeq(): number;
  /** Records waiting. */
  count(): number;
  deadCount(): number;
  /** The dead letters, oldest first. */
  deadLetters(limit: number): DeadLetter[];
  /** recordTime of the oldest record waiting, if any. */
  oldestRecordTime(): number | undefined;
  close(): void;
}

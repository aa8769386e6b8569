/**
 * The sign-in queue's books: the records in storage, how many are waiting, and the
 * counts stats() reports. Writes are grouped by event-loop turn (enqueues share one
 * commit, acks one delete), and every storage failure is counted, logged and emitted
 * (queueError). The queue (durable-queue.ts) owns one QueueLedger and decides what to
 * send; the ledger never sends.
 */
import type { DeviceEventEmitter, DeviceLog } from '../events.js';
import type { QueueOperation } from '../types.js';
import {
  errorMessage,
  QueueClosedError,
  QueueFullError,
  QueueStorageError,
  STORAGE_FAILURE_MESSAGES,
} from './errors.js';
import { openQueueStorage } from './storage.js';
import type { DeadLetter, QueuedRecord, QueueStorage } from './storage-types.js';
import { TurnBatch } from './turn-batch.js';
import type { Enqueued, EnqueueInput, QueueStats } from './types.js';

export interface QueueLedgerOptions {
  path: string;
  capacity: number;
  events: DeviceEventEmitter | undefined;
  /** Already wrapped with safeLog. */
  log: DeviceLog;
  now: () => number;
  /** Called after new records were committed: there is something to send. */
  onStored: () => void;
}

interface PendingEnqueue {
  record: EnqueueInput & { enqueuedAt: number };
  resolve: (r: Enqueued) => void;
  reject: (err: Error) => void;
}

export class QueueLedger {
  readonly capacity: number;
  readonly #store: QueueStorage;
  readonly #events: DeviceEventEmitter | undefined;
  readonly #log: DeviceLog;
  readonly #now: () => number;
  readonly #onStored: () => void;

  #depth: number;
  /** Highest seq stored: when the cursor has reached it there is nothing new to read. */
  #lastSeq: number;
  // Everything enqueued in this turn shares one transaction, hence one fsync.
  readonly #pending = new TurnBatch<PendingEnqueue>((batch) => this.#flushEnqueues(batch));
  // Acks of one turn are deleted in one transaction. Losing them to a crash is harmless:
  // the records are sent again and the platform answers success without a second row.
  readonly #acked = new TurnBatch<number>((seqs) => this.#flushAcks(seqs));
  #depthEventScheduled = false;

  readonly #counts = { enqueued: 0, acked: 0, refused: 0, retried: 0, rejectedFull: 0, storageErrors: 0 };

  /** Throws QueueStorageError when the file cannot be opened. */
  constructor(opts: QueueLedgerOptions) {
    this.capacity = opts.capacity;
    this.#events = opts.events;
    this.#log = opts.log;
    this.#now = opts.now;
    this.#onStored = opts.onStored;
    let store: QueueStorage | undefined;
    try {
      store = openQueueStorage(opts.path);
      this.#depth = store.count();
      this.#lastSeq = store.lastSeq();
    } catch (err) {
      try {
        store?.close();
      } catch {
        // the open error is the one to report
      }
      throw this.#storageFailed('open', err);
    }
    this.#store = store;
  }

  /** Records waiting for an ack. */
  get depth(): number {
    return this.#depth;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get closed(): boolean {
    return this.#store.closed;
  }

  /** See DurableQueue.enqueue(). */
  enqueue(input: EnqueueInput): Promise<Enqueued> {
    const held = this.#depth + this.#pending.size;
    if (held >= this.capacity) {
      this.#counts.rejectedFull++;
      this.#log('error', 'sign-in queue full: record refused', { depth: held, capacity: this.capacity });
      this.#events?.emit('queueFull', { depth: held, capacity: this.capacity });
      return Promise.reject(new QueueFullError(held, this.capacity));
    }
    return new Promise((resolve, reject) => {
      this.#pending.add({ record: { ...input, enqueuedAt: this.#now() }, resolve, reject });
    });
  }

  /** Up to `limit` records after seq `cursor`; undefined when the read failed (reported). */
  read(cursor: number, limit: number): QueuedRecord[] | undefined {
    try {
      return this.#store.readAfter(cursor, limit);
    } catch (err) {
      this.#storageFailed('read', err);
      return undefined;
    }
  }

  /** The platform acked `rec`: it leaves the queue (deleted with the rest of this turn's acks). */
  acked(rec: QueuedRecord): void {
    this.#counts.acked++;
    this.#depth--;
    this.#acked.add(rec.seq);
    this.#depthChanged();
    this.#events?.emit('acked', { recordKey: rec.key, latencyMs: this.#now() - rec.recordTime });
  }

  /** The platform refused `rec` for good: it moves to the dead letters. */
  bury(rec: QueuedRecord, code: string, message: string): void {
    this.#counts.refused++;
    this.#depth--;
    try {
      this.#store.bury(rec, code, message, this.#now());
    } catch (err) {
      this.#storageFailed('bury', err, { seq: rec.seq });
    }
    this.#log('warn', 'platform refused a sign-in record: moved to dead letters', {
      seq: rec.seq,
      key: rec.key,
      code,
      message,
    });
    this.#depthChanged();
  }

  /** Counts a send that is to be retried (stats only). */
  retried(): void {
    this.#counts.retried++;
  }

  stats(inFlight: number): QueueStats {
    return {
      depth: this.#depth,
      capacity: this.capacity,
      inFlight,
      deadLetters: this.#store.closed ? 0 : this.#store.deadCount(),
      ...this.#counts,
      oldestRecordTime: this.#store.closed ? undefined : this.#store.oldestRecordTime(),
    };
  }

  /** Records the platform refused for good, oldest first. */
  deadLetters(limit: number): DeadLetter[] {
    return this.#store.closed ? [] : this.#store.deadLetters(limit);
  }

  /** Commits pending enqueues and acks, and closes the file. */
  close(): void {
    this.#pending.flush();
    this.#acked.flush();
    this.#store.close();
  }

  #flushEnqueues(batch: PendingEnqueue[]): void {
    if (this.#store.closed) {
      for (const p of batch) p.reject(new QueueClosedError());
      return;
    }
    let seqs: number[];
    try {
      seqs = this.#store.insert(batch.map((p) => p.record));
    } catch (err) {
      // One transaction: nothing of the batch was stored.
      const e = this.#storageFailed('enqueue', err, { records: batch.length });
      for (const p of batch) p.reject(e);
      return;
    }
    const base = this.#depth;
    this.#depth += batch.length;
    this.#lastSeq = Math.max(this.#lastSeq, seqs[seqs.length - 1]!);
    this.#counts.enqueued += batch.length;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve({ seq: seqs[i]!, depth: base + i + 1 });
    this.#depthChanged();
    this.#onStored();
  }

  #flushAcks(seqs: number[]): void {
    if (this.#store.closed) return;
    try {
      this.#store.remove(seqs);
    } catch (err) {
      this.#storageFailed('remove', err, { records: seqs.length });
    }
  }

  /** Counts, logs and emits a storage failure; returns the error for enqueue() to reject with. */
  #storageFailed(
    operation: QueueOperation,
    err: unknown,
    detail: Record<string, unknown> = {},
  ): QueueStorageError {
    const error = err instanceof QueueStorageError ? err : new QueueStorageError(operation, err);
    this.#counts.storageErrors++;
    this.#log('error', STORAGE_FAILURE_MESSAGES[operation], { ...detail, error: errorMessage(err) });
    this.#events?.emit('queueError', { operation, message: error.message });
    return error;
  }

  #depthChanged(): void {
    if (this.#depthEventScheduled || !this.#events || this.#events.listenerCount('queueDepth') === 0) return;
    this.#depthEventScheduled = true;
    // One event per turn: a drain acks hundreds of records per turn.
    setImmediate(() => {
      this.#depthEventScheduled = false;
      this.#events?.emit('queueDepth', { depth: this.#depth });
    });
  }
}

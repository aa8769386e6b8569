/**
 * The durable C_SIGN_IN queue (§3(12) 断网本地存储和联网续传): every clock-in goes
 * through it, online or not.
 *
 * Guarantees:
 * - enqueue() resolves only after the record's insert has committed to SQLite with
 *   WAL and synchronous=FULL, i.e. after the WAL was fsynced: a record whose enqueue
 *   resolved survives a crash or power loss. Enqueues arriving in the same event-loop
 *   turn share one commit (one fsync).
 * - A full queue (default capacity 100,000; the standard asks for at least 60,000)
 *   rejects enqueue() with QueueFullError and emits queueFull. Nothing is ever dropped
 *   silently, and nothing already queued is evicted.
 * - Records are sent in seq order with at most maxInFlight (default 32) unanswered; a
 *   record that must be retried is re-sent before any newer one.
 * - A record leaves the queue only when the platform answers it: success (acked), or a
 *   permanent refusal (PERMANENT_CODES: the record itself is invalid, re-sending it
 *   cannot succeed), which moves it to the dead-letter table with the code. Everything
 *   else is retried: a lost connection or timeout (when the link is back), 401_xx (after
 *   the session re-authenticates), and any other code such as 490_08, 500_01, 400_05
 *   (with backoff). Re-sending is safe: the platform is idempotent on
 *   (sn, personId, recordTime, type) (D9), so a record whose ack was lost is not stored twice.
 */
import { performance } from 'node:perf_hooks';
import { type DeviceEventEmitter, type DeviceLog, silentLog } from '../events.js';
import { fullJitterDelay } from '../link/backoff.js';
import { type DeadLetter, openQueueStorage, type QueuedRecord, type QueueStorage } from './storage.js';

export type { DeadLetter, QueuedRecord } from './storage.js';

/** Codes that refuse the record itself (400_02 param invalid, 403_xx type invalid): dead-lettered. */
export const PERMANENT_CODES: ReadonlySet<string> = new Set(['400_02', '403_01', '403_02', '403_03']);

/** What happened to one send. */
export type SendOutcome =
  | { kind: 'acked' }
  /** Permanent refusal: the record goes to the dead letters. */
  | { kind: 'refused'; code: string; message: string }
  /**
   * Send again. `link`: as soon as the sender is ready again (the connection dropped, or
   * the session is re-authenticating). `backoff`: after a growing pause (platform busy,
   * internal error, clock being corrected, anything unexpected).
   */
  | { kind: 'retry'; wait: 'link' | 'backoff'; reason: string; code?: string };

/**
 * Maps a C_SIGN_IN answer to what the queue does with the record: success acks it; a
 * PERMANENT_CODES refusal dead-letters it; 401_xx waits for the session's new C_AUTH;
 * every other code (490_08, 500_01, 400_05, 400_04, codes we do not know) is retried
 * with backoff, because it may be the platform's or the link's condition and dropping a
 * worker's attendance for it would be worse than sending it again.
 */
export function classifySignInAnswer(answer: {
  success: boolean;
  errorcode?: string | undefined;
  errormsg?: string | undefined;
  detail?: string | undefined;
}): SendOutcome {
  if (answer.success) return { kind: 'acked' };
  const code = answer.errorcode ?? '?';
  const message = [answer.errormsg, answer.detail].filter(Boolean).join(': ') || 'refused';
  if (PERMANENT_CODES.has(code)) return { kind: 'refused', code, message };
  if (code === '401_01' || code === '401_02') return { kind: 'retry', wait: 'link', code, reason: message };
  return { kind: 'retry', wait: 'backoff', code, reason: message };
}

/** Sends records: the session, in the client. */
export interface QueueSender {
  send(record: QueuedRecord): Promise<SendOutcome>;
  /** Whether a send can go out now. */
  ready(): boolean;
  /** Resolves when the sender becomes ready; rejects once it is stopped. */
  whenReady(): Promise<void>;
}

export interface DurableQueueOptions {
  /** SQLite file, or ':memory:' for records in process memory (not durable: simulations only). */
  path: string;
  /** Records kept at most. Default 100,000. */
  capacity?: number;
  /** Records sent and not yet answered, at most. Default 32. */
  maxInFlight?: number;
  /** Pause after the first failed send; doubles up to retryMaxMs (full jitter). Default 500 ms. */
  retryBaseMs?: number;
  /** Default 30 s. */
  retryMaxMs?: number;
  events?: DeviceEventEmitter;
  log?: DeviceLog;
  /** Clock for enqueuedAt and ack latency. Default Date.now. */
  now?: () => number;
}

export interface QueueStats {
  /** Records waiting for an ack (in flight included). */
  depth: number;
  capacity: number;
  inFlight: number;
  /** Records in the dead-letter table. */
  deadLetters: number;
  /** Since this queue was opened: */
  enqueued: number;
  acked: number;
  refused: number;
  retried: number;
  rejectedFull: number;
  /** recordTime of the oldest record waiting, if any. */
  oldestRecordTime: number | undefined;
}

export interface EnqueueInput {
  key: string;
  param: string;
  recordTime: number;
}

export interface Enqueued {
  seq: number;
  /** Queue depth just after this record was committed. */
  depth: number;
}

/** enqueue() on a full queue. Nothing was stored; the caller decides what to tell the worker. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  readonly code = 'QUEUE_FULL';
  constructor(
    readonly depth: number,
    readonly capacity: number,
  ) {
    super(`sign-in queue full: ${depth} records waiting, capacity ${capacity}; the record was not stored`);
  }
}

export class QueueClosedError extends Error {
  override name = 'QueueClosedError';
  constructor() {
    super('sign-in queue is closed');
  }
}

interface PendingEnqueue {
  record: EnqueueInput & { enqueuedAt: number };
  resolve: (r: Enqueued) => void;
  reject: (err: Error) => void;
}

export class DurableQueue {
  readonly capacity: number;
  readonly maxInFlight: number;
  readonly #store: QueueStorage;
  readonly #events: DeviceEventEmitter | undefined;
  readonly #log: DeviceLog;
  readonly #now: () => number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;

  #depth: number;
  #closed = false;
  #pending: PendingEnqueue[] = [];
  #flushScheduled = false;
  #acked: number[] = [];
  #ackFlushScheduled = false;
  #depthEventScheduled = false;

  // Sending.
  #sender: QueueSender | undefined;
  #sending = false;
  /** Highest seq read from the table for sending; later records are read after it. */
  #cursor = 0;
  /** Highest seq stored: when the cursor has reached it there is nothing new to read. */
  #lastSeq: number;
  /** Records to send again, before any newer one, kept in seq order. */
  #retry: QueuedRecord[] = [];
  readonly #inFlight = new Map<number, Promise<void>>();
  #failures = 0;
  #pausedUntil = 0;
  #pauseTimer: NodeJS.Timeout | undefined;
  #waitingReady = false;

  readonly #counts = { enqueued: 0, acked: 0, refused: 0, retried: 0, rejectedFull: 0 };

  constructor(opts: DurableQueueOptions) {
    this.capacity = Math.max(1, opts.capacity ?? 100_000);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    this.#retryBaseMs = opts.retryBaseMs ?? 500;
    this.#retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.#events = opts.events;
    this.#log = opts.log ?? silentLog;
    this.#now = opts.now ?? Date.now;
    this.#store = openQueueStorage(opts.path);
    this.#depth = this.#store.count();
    this.#lastSeq = this.#store.lastSeq();
  }

  /** Records waiting for an ack. */
  get depth(): number {
    return this.#depth;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Stores a record durably. Resolves after the commit (fsync); rejects with
   * QueueFullError when the queue holds `capacity` records, QueueClosedError after close().
   */
  enqueue(input: EnqueueInput): Promise<Enqueued> {
    if (this.#closed) return Promise.reject(new QueueClosedError());
    const held = this.#depth + this.#pending.length;
    if (held >= this.capacity) {
      this.#counts.rejectedFull++;
      this.#log('error', 'sign-in queue full: record refused', { depth: held, capacity: this.capacity });
      this.#events?.emit('queueFull', { depth: held, capacity: this.capacity });
      return Promise.reject(new QueueFullError(held, this.capacity));
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ record: { ...input, enqueuedAt: this.#now() }, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Everything enqueued in this turn shares one transaction, hence one fsync.
        setImmediate(() => this.#flushEnqueues());
      }
    });
  }

  #flushEnqueues(): void {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    if (this.#store.closed) {
      for (const p of batch) p.reject(new QueueClosedError());
      return;
    }
    let seqs: number[];
    try {
      seqs = this.#store.insert(batch.map((p) => p.record));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.#log('error', 'sign-in queue write failed', { error: e.message });
      for (const p of batch) p.reject(e);
      return;
    }
    const base = this.#depth;
    this.#depth += batch.length;
    this.#lastSeq = Math.max(this.#lastSeq, seqs[seqs.length - 1]!);
    this.#counts.enqueued += batch.length;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve({ seq: seqs[i]!, depth: base + i + 1 });
    this.#depthChanged();
    this.#pump();
  }

  /** Starts sending through `sender`. Records left from a previous run go first, in order. */
  start(sender: QueueSender): void {
    if (this.#closed) throw new QueueClosedError();
    this.#sender = sender;
    this.#sending = true;
    this.#pump();
  }

  /**
   * Stops sending; waits up to `timeoutMs` for the records in flight to be answered, so
   * their acks are recorded (an unanswered one is simply sent again next time).
   */
  async stopSending(timeoutMs = 5_000): Promise<void> {
    this.#sending = false;
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    if (this.#inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight.values()]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Commits pending enqueues and acks, and closes the file. Further enqueues are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sending = false;
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    this.#flushEnqueues();
    this.#flushAcks();
    this.#store.close();
  }

  stats(): QueueStats {
    return {
      depth: this.#depth,
      capacity: this.capacity,
      inFlight: this.#inFlight.size,
      deadLetters: this.#store.closed ? 0 : this.#store.deadCount(),
      ...this.#counts,
      oldestRecordTime: this.#store.closed ? undefined : this.#store.oldestRecordTime(),
    };
  }

  /** Records the platform refused for good, oldest first. */
  deadLetters(limit = 1000): DeadLetter[] {
    return this.#store.closed ? [] : this.#store.deadLetters(limit);
  }

  // --- sending -------------------------------------------------------------------------

  #pump(): void {
    const sender = this.#sender;
    if (!this.#sending || !sender || this.#store.closed) return;
    if (this.#inFlight.size >= this.maxInFlight) return;
    if (!sender.ready()) {
      this.#awaitReady(sender);
      return;
    }
    const wait = this.#pausedUntil - performance.now();
    if (wait > 0) {
      this.#pauseTimer ??= setTimeout(() => {
        this.#pauseTimer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    let free = this.maxInFlight - this.#inFlight.size;
    while (free > 0 && this.#retry.length > 0) {
      this.#dispatch(sender, this.#retry.shift()!);
      free--;
    }
    // Skipping the read when nothing new was stored: the pump runs on every ack.
    if (free > 0 && this.#cursor < this.#lastSeq) {
      for (const rec of this.#store.readAfter(this.#cursor, free)) {
        this.#cursor = rec.seq;
        this.#dispatch(sender, rec);
      }
    }
  }

  #awaitReady(sender: QueueSender): void {
    if (this.#waitingReady) return;
    this.#waitingReady = true;
    sender.whenReady().then(
      () => {
        this.#waitingReady = false;
        this.#pump();
      },
      () => {
        // The sender stopped: nothing to send through any more.
        this.#waitingReady = false;
      },
    );
  }

  #dispatch(sender: QueueSender, rec: QueuedRecord): void {
    const settled = sender
      .send(rec)
      .catch(
        (err: unknown): SendOutcome => ({
          kind: 'retry',
          wait: 'link',
          reason: err instanceof Error ? err.message : String(err),
        }),
      )
      .then((outcome) => this.#settle(rec, outcome));
    this.#inFlight.set(rec.seq, settled);
  }

  #settle(rec: QueuedRecord, outcome: SendOutcome): void {
    this.#inFlight.delete(rec.seq);
    if (this.#store.closed) return; // stopped mid-flight: the record stays queued for next time
    switch (outcome.kind) {
      case 'acked':
        this.#failures = 0;
        this.#counts.acked++;
        this.#depth--;
        this.#acked.push(rec.seq);
        this.#scheduleAckFlush();
        this.#depthChanged();
        this.#events?.emit('acked', { recordKey: rec.key, latencyMs: this.#now() - rec.recordTime });
        break;
      case 'refused':
        this.#counts.refused++;
        this.#depth--;
        try {
          this.#store.bury(rec, outcome.code, outcome.message, this.#now());
        } catch (err) {
          this.#log('error', 'could not move a refused record to the dead letters', {
            seq: rec.seq,
            error: (err as Error).message,
          });
        }
        this.#log('warn', 'platform refused a sign-in record: moved to dead letters', {
          seq: rec.seq,
          key: rec.key,
          code: outcome.code,
          message: outcome.message,
        });
        this.#depthChanged();
        break;
      case 'retry': {
        this.#counts.retried++;
        insertSorted(this.#retry, rec);
        if (outcome.wait === 'backoff') {
          this.#failures++;
          const delay = fullJitterDelay(this.#failures, {
            baseMs: this.#retryBaseMs,
            maxMs: this.#retryMaxMs,
          });
          this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + delay);
          this.#log('debug', 'sign-in to be retried', { seq: rec.seq, code: outcome.code, delayMs: delay });
        }
        break;
      }
    }
    this.#pump();
  }

  #scheduleAckFlush(): void {
    if (this.#ackFlushScheduled) return;
    this.#ackFlushScheduled = true;
    // Acks of one turn are deleted in one transaction. Losing them to a crash is harmless:
    // the records are sent again and the platform answers success without a second row.
    setImmediate(() => this.#flushAcks());
  }

  #flushAcks(): void {
    this.#ackFlushScheduled = false;
    const seqs = this.#acked.splice(0);
    if (seqs.length === 0 || this.#store.closed) return;
    try {
      this.#store.remove(seqs);
    } catch (err) {
      this.#log('error', 'could not delete acked records (they will be sent again)', {
        error: (err as Error).message,
      });
    }
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

function insertSorted(list: QueuedRecord[], rec: QueuedRecord): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.seq > rec.seq) i--;
  list.splice(i, 0, rec);
}

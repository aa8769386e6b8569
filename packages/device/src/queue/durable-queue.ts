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
 *   the session re-authenticates; from the second 401 in a row for the same record, after
 *   a pause too), and any other code such as 490_08, 500_01, 400_05 (with backoff).
 *   Re-sending is safe: the platform is idempotent on (sn, personId, recordTime, type)
 *   (D9), so a record whose ack was lost is not stored twice.
 * - Backoff counts rounds, not records: the answers to the records in flight when a
 *   failure came (up to maxInFlight of them, all failing alike) count as one failure, so
 *   one 490_08 burst pauses the queue for up to retryBaseMs, not retryMaxMs.
 * - A frame the platform refuses as too large (490_01, when its maximum is below the
 *   device's) is answered by position, then the connection closes: the answer may land
 *   on another request, or on the heartbeat each connection starts with. So a 490_01,
 *   or the link closing twice in a row with records in flight and none acked, makes the
 *   queue re-send the records that were in flight one at a time ("isolated"). A 490_01
 *   for a record sent alone is that record's: it is re-sent once without its photo (the
 *   attendance matters more than the photo, and the platform never refuses a record for
 *   its photo, D9), and dead-lettered with 490_01 if it is refused again or has no photo.
 *   The stored record keeps its photo; after a restart it is tried once more with it.
 * - A storage failure (disk full, I/O error) rejects enqueue() with QueueStorageError;
 *   every storage failure is counted (stats().storageErrors), logged and emitted
 *   (queueError).
 */
import { performance } from 'node:perf_hooks';
import { stripImageMembers } from '@kaoqin/protocol';
import { type DeviceEventEmitter, type DeviceLog, safeLog } from '../events.js';
import { fullJitterDelay } from '../link/backoff.js';
import type { QueueOperation } from '../types.js';
import { type DeadLetter, openQueueStorage, type QueuedRecord, type QueueStorage } from './storage.js';

export type { DeadLetter, QueuedRecord } from './storage.js';

/** Codes that refuse the record itself (400_02 param invalid, 403_xx type invalid): dead-lettered. */
export const PERMANENT_CODES: ReadonlySet<string> = new Set(['400_02', '403_01', '403_02', '403_03']);

/**
 * D1: the frame is longer than the platform's maximum. Answered by position (no
 * apicode), to the oldest request outstanding; the platform then closes the connection.
 */
export const TOO_LARGE_CODE = '490_01';

const AUTH_CODES: ReadonlySet<string> = new Set(['401_01', '401_02']);

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
 * 490_01 (frame too large) waits for the next connection, the queue deciding whose
 * frame it was (see DurableQueue); every other code (490_08, 500_01, 400_05, 400_04,
 * codes we do not know) is retried with backoff, because it may be the platform's or the
 * link's condition and dropping a worker's attendance for it would be worse than sending
 * it again.
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
  if (AUTH_CODES.has(code) || code === TOO_LARGE_CODE)
    return { kind: 'retry', wait: 'link', code, reason: message };
  return { kind: 'retry', wait: 'backoff', code, reason: message };
}

/** How the queue sends one record. */
export interface SendOptions {
  /**
   * The queue sends nothing else until this record is answered: it is finding out which
   * record a 490_01 (answered by position) belongs to. The sender should first let every
   * request already on the link be answered (the client sends a heartbeat and waits for
   * its answer), so that an answer by position can only be this record's. A sender that
   * does not is still correct, only slower to get past a record that is too large.
   */
  isolated?: boolean;
}

/** Sends records: the session, in the client. */
export interface QueueSender {
  /** `record.param` may differ from the stored text: the record without its photo, after a 490_01. */
  send(record: QueuedRecord, opts?: SendOptions): Promise<SendOutcome>;
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
  /** Receives queueDepth, queueFull, acked and queueError. */
  events?: DeviceEventEmitter;
  /** Wrapped with safeLog: a log function that throws cannot stall the queue. */
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
  /** Storage operations that failed (enqueue, delete of acked records, dead-lettering, read). */
  storageErrors: number;
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

/**
 * The queue's storage failed (disk full, I/O error, a file it cannot open). For
 * enqueue(): nothing was stored; the caller decides what to tell the worker. The
 * storage's own error is `cause`.
 */
export class QueueStorageError extends Error {
  override name = 'QueueStorageError';
  readonly code = 'QUEUE_STORAGE';
  constructor(
    readonly operation: QueueOperation,
    cause: unknown,
  ) {
    super(`sign-in queue storage failed (${operation}): ${errorMessage(cause)}`, { cause });
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

/** A send in flight. */
interface Flight {
  settled: Promise<void>;
  /** The failure round it was sent in (see #round). */
  round: number;
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
  readonly #inFlight = new Map<number, Flight>();
  /**
   * Failure rounds: a failed send opens a new round only when the record went out in the
   * current one. The other records of a burst (sent in the same round, failing alike)
   * are re-queued without counting again, so one burst is one failure.
   */
  #round = 0;
  /** Failure rounds (backoff, and repeated 401s) since the last ack: the backoff attempt. */
  #failures = 0;
  /** Rounds in which the link closed under records in flight, since the last ack. */
  #barrenRounds = 0;
  #pausedUntil = 0;
  #pauseTimer: NodeJS.Timeout | undefined;
  #waitingReady = false;
  #readFailures = 0;
  /** The record in flight alone (nothing else sent until it is answered), if any. */
  #solo: number | undefined;
  /** Records up to this seq are sent one at a time (0: none), to find whose frame is too large. */
  #isolateThrough = 0;
  /** Text to send instead of the stored param: the record without its photo, after a 490_01. Memory only. */
  readonly #overrides = new Map<number, string>();
  /** 401_xx answers in a row, per record. */
  readonly #authRefusals = new Map<number, number>();

  readonly #counts = { enqueued: 0, acked: 0, refused: 0, retried: 0, rejectedFull: 0, storageErrors: 0 };

  /** Throws QueueStorageError when the file cannot be opened. */
  constructor(opts: DurableQueueOptions) {
    this.capacity = Math.max(1, opts.capacity ?? 100_000);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    this.#retryBaseMs = opts.retryBaseMs ?? 500;
    this.#retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.#events = opts.events;
    this.#log = safeLog(opts.log);
    this.#now = opts.now ?? Date.now;
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

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Stores a record durably. Resolves after the commit (fsync); rejects with
   * QueueFullError when the queue holds `capacity` records, QueueStorageError when the
   * write failed (nothing stored), QueueClosedError after close().
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
      Promise.allSettled([...this.#inFlight.values()].map((f) => f.settled)),
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
      this.#armPauseTimer(wait);
      return;
    }
    if (this.#isolating()) {
      // One at a time, oldest first, until the records that were in flight are answered.
      if (this.#inFlight.size === 0 && this.#retry.length > 0) {
        this.#dispatch(sender, this.#retry.shift()!, true);
      }
      return;
    }
    let free = this.maxInFlight - this.#inFlight.size;
    while (free > 0 && this.#retry.length > 0) {
      this.#dispatch(sender, this.#retry.shift()!);
      free--;
    }
    // Skipping the read when nothing new was stored: the pump runs on every ack.
    if (free > 0 && this.#cursor < this.#lastSeq) {
      let records: QueuedRecord[];
      try {
        records = this.#store.readAfter(this.#cursor, free);
        this.#readFailures = 0;
      } catch (err) {
        this.#storageFailed('read', err);
        this.#readFailures++;
        const delay = Math.min(
          this.#retryMaxMs,
          this.#retryBaseMs * 2 ** Math.min(this.#readFailures - 1, 16),
        );
        this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + delay);
        this.#armPauseTimer(delay);
        return;
      }
      for (const rec of records) {
        this.#cursor = rec.seq;
        this.#dispatch(sender, rec);
      }
    }
  }

  #armPauseTimer(wait: number): void {
    this.#pauseTimer ??= setTimeout(() => {
      this.#pauseTimer = undefined;
      this.#pump();
    }, wait);
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

  #dispatch(sender: QueueSender, rec: QueuedRecord, isolated = false): void {
    // Alone: nothing else in flight now, and nothing else sent until it is answered.
    this.#solo = this.#inFlight.size === 0 ? rec.seq : undefined;
    const round = this.#round;
    const override = this.#overrides.get(rec.seq);
    const out = override === undefined ? rec : { ...rec, param: override };
    let sent: Promise<SendOutcome>;
    try {
      sent = isolated ? sender.send(out, { isolated: true }) : sender.send(out);
    } catch (err) {
      sent = Promise.reject(err);
    }
    const settled = sent
      .catch(
        (err: unknown): SendOutcome => ({
          kind: 'retry',
          wait: 'link',
          reason: errorMessage(err),
        }),
      )
      .then((outcome) => this.#settle(rec, round, outcome));
    this.#inFlight.set(rec.seq, { settled, round });
  }

  #settle(rec: QueuedRecord, round: number, outcome: SendOutcome): void {
    this.#inFlight.delete(rec.seq);
    const alone = this.#solo === rec.seq;
    if (alone) this.#solo = undefined;
    if (this.#store.closed) return; // stopped mid-flight: the record stays queued for next time
    switch (outcome.kind) {
      case 'acked':
        this.#failures = 0;
        this.#barrenRounds = 0;
        this.#forget(rec.seq);
        this.#counts.acked++;
        this.#depth--;
        this.#acked.push(rec.seq);
        this.#scheduleAckFlush();
        this.#depthChanged();
        this.#events?.emit('acked', { recordKey: rec.key, latencyMs: this.#now() - rec.recordTime });
        break;
      case 'refused':
        this.#bury(rec, outcome.code, outcome.message);
        break;
      case 'retry':
        this.#retryLater(rec, round, alone, outcome);
        break;
    }
    this.#pump();
  }

  #retryLater(
    rec: QueuedRecord,
    round: number,
    alone: boolean,
    outcome: Extract<SendOutcome, { kind: 'retry' }>,
  ): void {
    const code = outcome.code;
    // A record sent before the current round began failed with the burst that opened it:
    // that failure is counted already.
    const newRound = round === this.#round;
    if (newRound) this.#round++;

    if (code === TOO_LARGE_CODE) {
      this.#authRefusals.delete(rec.seq);
      if (alone) {
        // Nothing else of ours was on the link: the frame refused was this record's.
        const stripped = this.#overrides.has(rec.seq) ? undefined : stripImageMembers(rec.param);
        if (stripped === undefined || stripped === rec.param) {
          this.#bury(rec, TOO_LARGE_CODE, `frame too large for the platform: ${outcome.reason}`);
          return;
        }
        this.#overrides.set(rec.seq, stripped);
        this.#log(
          'warn',
          'sign-in record too large for the platform (490_01): sending it without its photo',
          {
            seq: rec.seq,
            key: rec.key,
            bytes: Buffer.byteLength(rec.param),
            withoutPhoto: Buffer.byteLength(stripped),
          },
        );
      }
      // Not alone: the answer came by position and may be another request's. Find out.
      this.#isolate('the platform refused a frame as too large (490_01)', rec.seq);
    } else if (code !== undefined && AUTH_CODES.has(code)) {
      // The session authenticates again; the first 401 is re-sent as soon as it is ready.
      // From the second in a row, a platform that keeps refusing must not get a C_AUTH and
      // a sign-in per round trip: pause as for any other failure, at least retryBaseMs.
      const refusals = (this.#authRefusals.get(rec.seq) ?? 0) + 1;
      this.#authRefusals.set(rec.seq, refusals);
      if (refusals >= 2 && newRound) this.#pause(rec, code, this.#retryBaseMs);
    } else if (outcome.wait === 'backoff') {
      this.#authRefusals.delete(rec.seq);
      if (newRound) this.#pause(rec, code, 0);
    } else if (code === undefined && newRound) {
      // No answer: the link closed (or the send could not be written). Twice in a row
      // with nothing acked, a record in flight may be what makes the platform close it.
      this.#barrenRounds++;
      if (this.#barrenRounds >= 2) this.#isolate('the link closed twice in a row with sign-ins in flight');
    }
    this.#counts.retried++;
    insertSorted(this.#retry, rec);
  }

  /** Pauses sending for a growing, jittered delay, at least `floorMs`. */
  #pause(rec: QueuedRecord, code: string | undefined, floorMs: number): void {
    this.#failures++;
    const delay = Math.max(
      floorMs,
      fullJitterDelay(this.#failures, { baseMs: this.#retryBaseMs, maxMs: this.#retryMaxMs }),
    );
    this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + delay);
    this.#log('debug', 'sign-in to be retried', { seq: rec.seq, code, delayMs: delay });
  }

  /**
   * Sends the records read so far (`through` at least) one at a time until each is
   * answered: a 490_01 or a closed link can then be pinned on a single record.
   */
  #isolate(why: string, through = 0): void {
    const was = this.#isolateThrough;
    this.#isolateThrough = Math.max(this.#isolateThrough, this.#cursor, through);
    if (was === 0) {
      this.#log('info', `${why}: re-sending the records in flight one at a time`, {
        through: this.#isolateThrough,
      });
    }
  }

  /** Whether a record read so far is still unanswered while isolating; ends isolation when none is. */
  #isolating(): boolean {
    const through = this.#isolateThrough;
    if (through === 0) return false;
    if ((this.#retry[0]?.seq ?? Number.POSITIVE_INFINITY) <= through) return true;
    for (const seq of this.#inFlight.keys()) if (seq <= through) return true;
    this.#isolateThrough = 0;
    return false;
  }

  #bury(rec: QueuedRecord, code: string, message: string): void {
    this.#forget(rec.seq);
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

  /** Drops what the queue held in memory for a record that has left it. */
  #forget(seq: number): void {
    this.#overrides.delete(seq);
    this.#authRefusals.delete(seq);
  }

  /** Counts, logs and emits a storage failure; returns the error for enqueue() to reject with. */
  #storageFailed(
    operation: QueueOperation,
    err: unknown,
    detail: Record<string, unknown> = {},
  ): QueueStorageError {
    const error = err instanceof QueueStorageError ? err : new QueueStorageError(operation, err);
    this.#counts.storageErrors++;
    const what: Record<QueueOperation, string> = {
      open: 'could not open the sign-in queue',
      enqueue: 'sign-in queue write failed: the records were not stored',
      remove: 'could not delete acked records (they will be sent again)',
      bury: 'could not move a refused record to the dead letters (it will be sent again after a restart)',
      read: 'could not read queued records (retrying after a pause)',
    };
    this.#log('error', what[operation], { ...detail, error: errorMessage(err) });
    this.#events?.emit('queueError', { operation, message: error.message });
    return error;
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
      this.#storageFailed('remove', err, { records: seqs.length });
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

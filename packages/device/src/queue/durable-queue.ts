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
 *
 * This file is the orchestrator: it decides what to send and when. The answer codes and
 * the sender's contract are in outcomes.ts, the records in storage and the counts in
 * ledger.ts, failure rounds and pauses in rounds.ts, the 490_01 isolation in
 * oversize.ts, the errors in errors.ts.
 */
import { safeLog } from '../events.js';
import { errorMessage, QueueClosedError } from './errors.js';
import { QueueLedger } from './ledger.js';
import { AUTH_CODES, type QueueSender, type SendOutcome, TOO_LARGE_CODES } from './outcomes.js';
import { OversizeIsolation } from './oversize.js';
import { FailureRounds } from './rounds.js';
import type { DeadLetter, QueuedRecord } from './storage-types.js';
import type { DurableQueueOptions, Enqueued, EnqueueInput, QueueStats } from './types.js';

export { QueueClosedError, QueueFullError, QueueStorageError } from './errors.js';
export {
  classifySignInAnswer,
  PERMANENT_CODES,
  type QueueSender,
  type SendOptions,
  type SendOutcome,
  TOO_LARGE_CODE,
} from './outcomes.js';
export type { DeadLetter, QueuedRecord } from './storage-types.js';
export type { DurableQueueOptions, Enqueued, EnqueueInput, QueueStats } from './types.js';

/** A send in flight. */
interface Flight {
  settled: Promise<void>;
  /** The failure round it was sent in (see FailureRounds). */
  round: number;
}

export class DurableQueue {
  readonly capacity: number;
  readonly maxInFlight: number;
  readonly #ledger: QueueLedger;
  #closed = false;

  // Sending.
  #sender: QueueSender | undefined;
  #sending = false;
  /** Highest seq read from the table for sending; later records are read after it. */
  #cursor = 0;
  /** Records to send again, before any newer one, kept in seq order. */
  #retry: QueuedRecord[] = [];
  readonly #inFlight = new Map<number, Flight>();
  readonly #rounds: FailureRounds;
  #pauseTimer: NodeJS.Timeout | undefined;
  #waitingReady = false;
  readonly #oversize: OversizeIsolation;

  /** Throws QueueStorageError when the file cannot be opened. */
  constructor(opts: DurableQueueOptions) {
    this.capacity = Math.max(1, opts.capacity ?? 100_000);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    const log = safeLog(opts.log);
    this.#rounds = new FailureRounds({
      baseMs: opts.retryBaseMs ?? 500,
      maxMs: opts.retryMaxMs ?? 30_000,
      log,
    });
    this.#oversize = new OversizeIsolation(log);
    this.#ledger = new QueueLedger({
      path: opts.path,
      capacity: this.capacity,
      events: opts.events,
      log,
      now: opts.now ?? Date.now,
      onStored: () => this.#pump(),
    });
  }

  /** Records waiting for an ack. */
  get depth(): number {
    return this.#ledger.depth;
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
    return this.#ledger.enqueue(input);
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
    this.#ledger.close();
  }

  stats(): QueueStats {
    return this.#ledger.stats(this.#inFlight.size);
  }

  /** Records the platform refused for good, oldest first. */
  deadLetters(limit = 1000): DeadLetter[] {
    return this.#ledger.deadLetters(limit);
  }

  // --- sending -------------------------------------------------------------------------

  #pump(): void {
    const sender = this.#sender;
    if (!this.#sending || !sender || this.#ledger.closed) return;
    if (this.#inFlight.size >= this.maxInFlight) return;
    if (!sender.ready()) {
      this.#awaitReady(sender);
      return;
    }
    const wait = this.#rounds.pauseLeft();
    if (wait > 0) {
      this.#armPauseTimer(wait);
      return;
    }
    if (this.#oversize.isolating(this.#retry[0]?.seq, this.#inFlight.keys())) {
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
    if (free > 0 && this.#cursor < this.#ledger.lastSeq) {
      const records = this.#ledger.read(this.#cursor, free);
      if (records === undefined) {
        this.#armPauseTimer(this.#rounds.readFailed());
        return;
      }
      this.#rounds.readSucceeded();
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
    const out = this.#oversize.sending(rec, this.#inFlight.size);
    const round = this.#rounds.current;
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
    const alone = this.#oversize.answered(rec.seq);
    if (this.#ledger.closed) return; // stopped mid-flight: the record stays queued for next time
    switch (outcome.kind) {
      case 'acked':
        this.#rounds.acked();
        this.#forget(rec.seq);
        this.#ledger.acked(rec);
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
    const counts = this.#rounds.failed(round);
    if (code !== undefined && TOO_LARGE_CODES.has(code)) {
      this.#rounds.forget(rec.seq);
      const refused = this.#oversize.tooLarge(rec, alone, outcome.reason, this.#cursor);
      if (refused !== undefined) {
        this.#bury(rec, code, refused);
        return;
      }
    } else if (code !== undefined && AUTH_CODES.has(code)) {
      this.#rounds.authRefused(rec.seq, code, counts);
    } else if (outcome.wait === 'backoff') {
      this.#rounds.backoff(rec.seq, code, counts);
    } else if (code === undefined && counts && this.#rounds.linkClosed()) {
      // No answer: the link closed (or the send could not be written). Twice in a row
      // with nothing acked, a record in flight may be what makes the platform close it.
      this.#oversize.isolate('the link closed twice in a row with sign-ins in flight', this.#cursor);
    }
    this.#ledger.retried();
    insertSorted(this.#retry, rec);
  }

  #bury(rec: QueuedRecord, code: string, message: string): void {
    this.#forget(rec.seq);
    this.#ledger.bury(rec, code, message);
  }

  /** Drops what the queue held in memory for a record that has left it. */
  #forget(seq: number): void {
    this.#oversize.forget(seq);
    this.#rounds.forget(seq);
  }
}

function insertSorted(list: QueuedRecord[], rec: QueuedRecord): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.seq > rec.seq) i--;
  list.splice(i, 0, rec);
}

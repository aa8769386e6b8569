/**
 * When the queue pauses after failures. Backoff counts rounds, not records: the answers
 * to the records in flight when a failure came (up to maxInFlight of them, all failing
 * alike) count as one failure, so one 490_08 burst pauses the queue for up to
 * retryBaseMs, not retryMaxMs. The queue owns one FailureRounds; it tags each send with
 * the current round and reports each failure with the round it was sent in.
 */
import { performance } from 'node:perf_hooks';
import type { DeviceLog } from '../events.js';
import { fullJitterDelay } from '../link/backoff.js';

export interface FailureRoundsOptions {
  /** Pause after the first failure; doubles up to maxMs (full jitter). */
  baseMs: number;
  maxMs: number;
  log: DeviceLog;
}

export class FailureRounds {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #log: DeviceLog;
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
  #readFailures = 0;
  /** 401_xx answers in a row, per record. */
  readonly #authRefusals = new Map<number, number>();

  constructor(opts: FailureRoundsOptions) {
    this.#baseMs = opts.baseMs;
    this.#maxMs = opts.maxMs;
    this.#log = opts.log;
  }

  /** The round a send going out now belongs to. */
  get current(): number {
    return this.#round;
  }

  /** Milliseconds until sending may resume; zero or less when it is not paused. */
  pauseLeft(): number {
    return this.#pausedUntil - performance.now();
  }

  /** A send of `round` failed. Returns whether the failure counts, opening a new round. */
  failed(round: number): boolean {
    // A record sent before the current round began failed with the burst that opened it:
    // that failure is counted already.
    const newRound = round === this.#round;
    if (newRound) this.#round++;
    return newRound;
  }

  /** A record was acked: the failures in a row are over. */
  acked(): void {
    this.#failures = 0;
    this.#barrenRounds = 0;
  }

  /** A 401_xx answered `seq`; `counts`: what failed() returned for it. */
  authRefused(seq: number, code: string, counts: boolean): void {
    // The session authenticates again; the first 401 is re-sent as soon as it is ready.
    // From the second in a row, a platform that keeps refusing must not get a C_AUTH and
    // a sign-in per round trip: pause as for any other failure, at least retryBaseMs.
    const refusals = (this.#authRefusals.get(seq) ?? 0) + 1;
    this.#authRefusals.set(seq, refusals);
    if (refusals >= 2 && counts) this.#pause(seq, code, this.#baseMs);
  }

  /** An answer to be retried with backoff (490_08, 500_01, ...) for `seq`. */
  backoff(seq: number, code: string | undefined, counts: boolean): void {
    this.#authRefusals.delete(seq);
    if (counts) this.#pause(seq, code, 0);
  }

  /**
   * The link closed under a record in flight (no answer), in a round that counts.
   * Returns whether that happened twice in a row with nothing acked: a record in flight
   * may be what makes the platform close it.
   */
  linkClosed(): boolean {
    this.#barrenRounds++;
    return this.#barrenRounds >= 2;
  }

  /** Reading the table failed: pauses sending, longer each time in a row; returns the pause. */
  readFailed(): number {
    this.#readFailures++;
    const delay = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(this.#readFailures - 1, 16));
    this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + delay);
    return delay;
  }

  readSucceeded(): void {
    this.#readFailures = 0;
  }

  /** Drops the 401s in a row counted for `seq` (answered otherwise, or gone from the queue). */
  forget(seq: number): void {
    this.#authRefusals.delete(seq);
  }

  /** Pauses sending for a growing, jittered delay, at least `floorMs`. */
  #pause(seq: number, code: string | undefined, floorMs: number): void {
    this.#failures++;
    const delay = Math.max(
      floorMs,
      fullJitterDelay(this.#failures, { baseMs: this.#baseMs, maxMs: this.#maxMs }),
    );
    this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + delay);
    this.#log('debug', 'sign-in to be retried', { seq, code, delayMs: delay });
  }
}

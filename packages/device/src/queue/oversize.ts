/**
 * Finding the record whose frame the platform refuses as too large (490_01), and sending
 * it without its photo. The platform answers a 490_01 by position, to the oldest request
 * outstanding, then closes the connection: the answer may land on another request, or on
 * the heartbeat each connection starts with. So the records that were in flight are
 * re-sent one at a time ("isolated") until a 490_01 comes for a record sent alone, which
 * is then that record's. The queue owns one OversizeIsolation and asks it what to send,
 * whether to send one at a time, and what a 490_01 means for a record.
 */
import { stripImageMembers } from '@kaoqin/protocol';
import type { DeviceLog } from '../events.js';
import type { QueuedRecord } from './storage-types.js';

export class OversizeIsolation {
  readonly #log: DeviceLog;
  /** The record in flight alone (nothing else sent until it is answered), if any. */
  #solo: number | undefined;
  /** Records up to this seq are sent one at a time (0: none), to find whose frame is too large. */
  #isolateThrough = 0;
  /** Text to send instead of the stored param: the record without its photo, after a 490_01. Memory only. */
  readonly #overrides = new Map<number, string>();

  constructor(log: DeviceLog) {
    this.#log = log;
  }

  /**
   * `rec` goes out now, with `othersInFlight` records unanswered. Returns what to send:
   * the record, or the record without its photo once a 490_01 was pinned on it.
   */
  sending(rec: QueuedRecord, othersInFlight: number): QueuedRecord {
    // Alone: nothing else in flight now, and nothing else sent until it is answered.
    this.#solo = othersInFlight === 0 ? rec.seq : undefined;
    const override = this.#overrides.get(rec.seq);
    return override === undefined ? rec : { ...rec, param: override };
  }

  /** `seq` was answered: returns whether it was in flight alone. */
  answered(seq: number): boolean {
    const alone = this.#solo === seq;
    if (alone) this.#solo = undefined;
    return alone;
  }

  /**
   * A 490_01 answered `rec`. Returns the dead-letter message when the record is refused
   * for good (it was sent alone, and without its photo already or has none); otherwise
   * the record is to be re-sent, and the records read so far (`cursor`) are isolated.
   */
  tooLarge(rec: QueuedRecord, alone: boolean, reason: string, cursor: number): string | undefined {
    if (alone) {
      // Nothing else of ours was on the link: the frame refused was this record's.
      const stripped = this.#overrides.has(rec.seq) ? undefined : stripImageMembers(rec.param);
      if (stripped === undefined || stripped === rec.param) {
        return `frame too large for the platform: ${reason}`;
      }
      this.#overrides.set(rec.seq, stripped);
      this.#log('warn', 'sign-in record too large for the platform (490_01): sending it without its photo', {
        seq: rec.seq,
        key: rec.key,
        bytes: Buffer.byteLength(rec.param),
        withoutPhoto: Buffer.byteLength(stripped),
      });
    }
    // Not alone: the answer came by position and may be another request's. Find out.
    this.isolate('the platform refused a frame as too large (490_01)', cursor, rec.seq);
    return undefined;
  }

  /**
   * Sends the records read so far (`cursor`, and `through` at least) one at a time until
   * each is answered: a 490_01 or a closed link can then be pinned on a single record.
   */
  isolate(why: string, cursor: number, through = 0): void {
    const was = this.#isolateThrough;
    this.#isolateThrough = Math.max(this.#isolateThrough, cursor, through);
    if (was === 0) {
      this.#log('info', `${why}: re-sending the records in flight one at a time`, {
        through: this.#isolateThrough,
      });
    }
  }

  /**
   * Whether a record read so far is still unanswered while isolating (`nextRetry`: the
   * oldest record waiting to be re-sent; `inFlight`: the seqs unanswered); ends
   * isolation when none is.
   */
  isolating(nextRetry: number | undefined, inFlight: Iterable<number>): boolean {
    const through = this.#isolateThrough;
    if (through === 0) return false;
    if ((nextRetry ?? Number.POSITIVE_INFINITY) <= through) return true;
    for (const seq of inFlight) if (seq <= through) return true;
    this.#isolateThrough = 0;
    return false;
  }

  /** Drops the photo-less text of a record that has left the queue. */
  forget(seq: number): void {
    this.#overrides.delete(seq);
  }
}

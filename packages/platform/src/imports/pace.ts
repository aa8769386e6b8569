/**
 * The pace of a roster import while devices are clocking in. An import's rows cost the
 * machine far more than a sign-in (a face check in the pool's threads, sharp's decode,
 * blob writes and a few commits on the database the gateway commits to): on two cores
 * an import at full speed took the gateway's ack p99 up by a quarter on SQLite and
 * several times on PostgreSQL (docs/enrolment.md "Import and gateway"). Device traffic
 * is what the standard times (the 10-second clause), an import is not, so while ingest
 * runs above `yieldAbove` clock-ins a second the import starts at most `rowsPerSecond`
 * rows a second, and goes at full speed again once the load has stayed under it for
 * HOLD_MS: traffic with short gaps (devices between bursts, a batch upload pausing) must
 * not let a whole chunk's work through in each gap and into the next burst. It always
 * moves, so an import on a platform that is never quiet still ends.
 */

export interface PaceOptions {
  /** Clock-ins a second from which the import slows down; 0 = it never does. */
  yieldAbove: number;
  /** Rows started a second while it is slowed (> 0). */
  rowsPerSecond: number;
  /** Clock-ins made durable over the last second (domain/ingest-meter.ts). */
  load: () => number;
  /** How long the load must stay under the threshold before full speed (default HOLD_MS). */
  holdMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Longest single wait, so a load that stops is noticed within this. */
const RECHECK_MS = 100;
/** Quiet needed after the last load seen before the import goes at full speed. */
export const HOLD_MS = 5_000;

export class ImportPace {
  readonly #o: Required<PaceOptions>;
  #next = 0;
  #loadSeenAt = Number.NEGATIVE_INFINITY;
  /** Milliseconds rows waited in all (the import's log line and the benchmark). */
  waitedMs = 0;
  /** Rows that had to wait their turn. */
  pacedRows = 0;

  constructor(opts: PaceOptions) {
    if (!(opts.rowsPerSecond > 0))
      throw new RangeError(`rowsPerSecond must be > 0, got ${opts.rowsPerSecond}`);
    this.#o = {
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      holdMs: HOLD_MS,
      ...opts,
    };
  }

  /**
   * Whether rows are being paced now: the load is at or above the threshold, or was
   * within the hold. The job then takes its rows one at a time (job.ts), so a chunk's
   * up-front work does not run in one unpaced burst beside the devices.
   */
  yielding(): boolean {
    const { yieldAbove, load, holdMs, now } = this.#o;
    if (yieldAbove <= 0) return false;
    const t = now();
    if (load() >= yieldAbove) this.#loadSeenAt = t;
    return t - this.#loadSeenAt < holdMs;
  }

  /** Resolves when the next row may start. */
  async turn(): Promise<void> {
    const { yieldAbove, rowsPerSecond, load, holdMs, now, sleep } = this.#o;
    if (yieldAbove <= 0) return;
    let waited = false;
    for (;;) {
      const t = now();
      if (load() >= yieldAbove) this.#loadSeenAt = t;
      else if (t - this.#loadSeenAt >= holdMs) return;
      if (t >= this.#next) {
        // Rows waiting side by side take consecutive slots: the slot is taken synchronously.
        this.#next = t + 1000 / rowsPerSecond;
        if (waited) this.pacedRows++;
        return;
      }
      const nap = Math.min(this.#next - t, RECHECK_MS);
      waited = true;
      this.waitedMs += nap;
      await sleep(nap);
    }
  }
}

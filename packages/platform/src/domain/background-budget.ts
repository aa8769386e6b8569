/**
 * The share of the event loop that background followers (the statistics projector, the
 * webhook follower and sender) may take while ingest keeps the loop busy (config
 * backgroundShare; docs/attendance-statistics.md "Background share"). They run on the
 * same thread as the device gateway and, on SQLite, share its one connection: at
 * saturation every millisecond they spend is one the ingest does not get.
 *
 * A duty cycle shared by all of them: a step that took t ms while the loop is busy makes
 * the next step of any of them wait t·(1/share − 1) ms, so together they take at most
 * `share` of the loop. While the loop has room (its utilisation over the last sample
 * below BUSY_UTILIZATION), or ingest made no record durable during it (the `ingest`
 * meter: the followers' own steps must not make them wait once ingest has stopped),
 * nobody waits and debts are forgiven: at ordinary load they keep
 * up at once. The threshold is well below 1 because at saturation the loop is seldom
 * fully used: the machine's cores are (the database, the TLS and TCP work of the kernel),
 * and every millisecond a follower takes then is still one ingest loses. Nothing is skipped, only delayed, so their guarantees (exactly-once statistics,
 * at-least-once deliveries) are untouched; under sustained saturation they lag and catch
 * up when the load falls.
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type { IngestMeter } from './ingest-meter.js';

/** The loop counts as busy from this utilisation on (measured at saturation: see the doc). */
export const BUSY_UTILIZATION = 0.5;
/** How often the loop's utilisation is sampled. */
const SAMPLE_MS = 100;
/** Longest single sleep of turn(), so a closing follower is not held up by a long debt. */
const NAP_MS = 50;

export interface BudgetOptions {
  /** Fraction of a busy loop the followers may use together, in (0, 1]; 1 = never wait. */
  share: number;
  now?: () => number;
  /** Records ingest made durable (the attendance writer feeds it); absent: ingest never counts as at work. */
  ingest?: Pick<IngestMeter, 'total'>;
  /** Whether the loop is busy now (tests); default: sampled event-loop utilisation ≥ BUSY_UTILIZATION. */
  busy?: () => boolean;
}

export class BackgroundBudget {
  readonly share: number;
  readonly #now: () => number;
  readonly #busy: () => boolean;
  #readyAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #utilization = 0;
  #ingestMoved = false;
  /** Milliseconds callers were told to wait, in total (the benchmark prints it). */
  waitedMs = 0;

  constructor(opts: BudgetOptions) {
    if (!(opts.share > 0 && opts.share <= 1))
      throw new RangeError(`share must be in (0, 1], got ${opts.share}`);
    this.share = opts.share;
    this.#now = opts.now ?? (() => performance.now());
    if (opts.busy) this.#busy = opts.busy;
    else {
      let last: EventLoopUtilization = performance.eventLoopUtilization();
      const ingested = () => opts.ingest?.total ?? 0;
      let seen = ingested();
      this.#timer = setInterval(() => {
        const cur = performance.eventLoopUtilization();
        this.#utilization = performance.eventLoopUtilization(cur, last).utilization;
        last = cur;
        this.#ingestMoved = ingested() !== seen;
        seen = ingested();
      }, SAMPLE_MS);
      this.#timer.unref();
      this.#busy = () => this.#ingestMoved && this.#utilization >= BUSY_UTILIZATION;
    }
  }

  /** The loop's utilisation over the last sample (0 with an injected `busy`). */
  get utilization(): number {
    return this.#utilization;
  }

  /** Milliseconds to wait before the next step may start (0: go now). */
  delay(): number {
    if (this.share >= 1) return 0;
    if (!this.#busy()) {
      this.#readyAt = 0;
      return 0;
    }
    return Math.max(0, this.#readyAt - this.#now());
  }

  /**
   * A step just took `ms` of the loop: the next one waits its share of that if the loop is
   * still busy when it asks (the sample taken during a long step counts that step).
   */
  spent(ms: number): void {
    if (this.share >= 1 || ms <= 0) return;
    this.#readyAt = Math.max(this.#readyAt, this.#now()) + ms * (1 / this.share - 1);
  }

  /**
   * Resolves when a step may start, or as soon as `stop()` says so (a follower closing).
   * Never at once: even with nothing to wait for it goes through the event loop's check
   * phase first, so pending I/O and timers run between two steps. A follower catching up
   * on a long backlog (a restart after millions of unprojected clock-ins) otherwise
   * chains its steps through promise callbacks alone, and the HTTP server's start, the
   * devices' sockets and their acks wait behind the whole backlog.
   */
  async turn(stop: () => boolean = () => false): Promise<void> {
    await new Promise((r) => setImmediate(r));
    for (;;) {
      const d = this.delay();
      if (d <= 0 || stop()) return;
      const nap = Math.min(d, NAP_MS);
      this.waitedMs += nap;
      await new Promise((r) => setTimeout(r, nap));
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

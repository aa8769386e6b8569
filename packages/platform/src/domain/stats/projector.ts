/**
 * The statistics projector (docs/attendance-statistics.md "The projector"): follows the
 * attendance table in id order from a durable mark and keeps the day rows up to date,
 * never rescanning a day. Each step reads up to `batch` rows past the mark, recomputes
 * every person-day they touch from that person-day's own punches (domain/stats/day.ts),
 * and writes the day rows and the new mark in one transaction (store.stats.project):
 * a crash loses the step whole or not at all, and a step done twice writes the same
 * rows, so the effect is exactly once.
 *
 * It is woken after each ingest batch commits (wake(), never awaited on the ack path)
 * and by a timer, and runs steps until it has caught up; steps never overlap. Woken runs
 * take their turns from the background budget (background-budget.ts): while ingest
 * keeps the loop busy they wait between steps, so at saturation they lag rather than
 * slow the ingest, and catch up when the load falls.
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../../store/types.js';
import type { BackgroundBudget } from '../background-budget.js';
import { computeDay } from './day.js';

export interface ProjectorOptions {
  /** Attendance rows per transaction. */
  batch?: number;
  /**
   * How long a wake waits before the run starts: wakes in between join it, so steps are
   * full batches rather than one per ingest commit (on SQLite a step holds the one
   * connection the writer also needs).
   */
  delayMs?: number;
  /** Errors of a step (the next wake or tick retries it). */
  onError?: (err: unknown) => void;
  /** Paces woken runs while the loop is busy (absent: never waits). */
  budget?: BackgroundBudget;
}

export const DEFAULT_PROJECT_BATCH = 1000;

export class StatsProjector {
  readonly #store: Store;
  readonly #batch: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #delayMs: number;
  readonly #budget: BackgroundBudget | undefined;
  #projected = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(store: Store, now: () => number = Date.now, opts: ProjectorOptions = {}) {
    this.#store = store;
    this.#batch = opts.batch ?? DEFAULT_PROJECT_BATCH;
    this.#now = now;
    this.#onError = opts.onError ?? (() => {});
    this.#delayMs = opts.delayMs ?? 50;
    this.#budget = opts.budget;
  }

  /** Attendance rows this projector has projected since it was made (the benchmark's lag). */
  get projected(): number {
    return this.#projected;
  }

  /** Asks for a catch-up soon; returns at once. A wake during a run makes it go round again. */
  wake(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) {
        this.#again = true;
        return;
      }
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
      });
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Runs steps until no row is left past the mark, taking turns from the budget if `paced`; what it did in total. */
  async catchUp(paced = false): Promise<{ records: number; days: number }> {
    let records = 0;
    let days = 0;
    for (;;) {
      if (paced) await this.#budget?.turn(() => this.#closed);
      if (paced && this.#closed) return { records, days };
      const started = performance.now();
      const step = await this.#store.stats.project(this.#batch, this.#now(), computeDay);
      if (paced) this.#budget?.spent(performance.now() - started);
      this.#projected += step.records;
      records += step.records;
      days += step.days;
      if (step.records < this.#batch || this.#closed) return { records, days };
    }
  }

  /** Waits for the run in progress, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running || this.#timer) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setTimeout(r, this.#delayMs));
    }
  }

  /** Stops taking wakes and waits for the step in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.idle();
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.catchUp(true);
      } catch (err) {
        this.#onError(err);
        return;
      }
    } while (this.#again && !this.#closed);
  }
}

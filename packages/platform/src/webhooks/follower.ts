/**
 * The attendance follower: turns new clock-ins into deliveries. It reads the attendance
 * table in id order from a durable mark (ids grow in commit order within the one writer
 * process, store/attendance-batch.ts) and, in one transaction per step of at most STEP
 * rows, writes a delivery per clock-in and matching webhook and moves the mark. A crash
 * anywhere leaves either both or neither, so nothing is lost and nothing doubled.
 *
 * It runs off the device's ack path: woken (coalesced) after an ingest batch is durable
 * and by a timer, never awaited by the writer. With no active webhook wanting
 * clock-ins it runs no query at all; the mark jumps to the newest row when the first
 * such webhook appears (service.ts), so a new webhook is not flooded with the past.
 * Its steps take turns from the background budget (domain/background-budget.ts): while
 * ingest keeps the loop busy it waits between steps, lagging rather than slowing ingest.
 */
import { performance } from 'node:perf_hooks';
import type { BackgroundBudget } from '../domain/background-budget.js';
import type { Logger } from '../log.js';
import type { NewDelivery, WebhookRepo } from '../store/webhook-types.js';
import type { HookRegistry } from './registry.js';

/** Attendance rows read per transaction. */
export const STEP = 1000;

export interface FollowerDeps {
  repo: WebhookRepo;
  hooks: HookRegistry;
  newDelivery: (webhookId: string, attendanceId: string, siteId: string | null) => NewDelivery;
  /** Called after a step wrote deliveries: the sender looks for them. */
  wrote: () => void;
  now: () => number;
  log?: Logger;
  /** Paces the steps while the loop is busy (absent: never waits). */
  budget?: BackgroundBudget;
}

export class AttendanceFollower {
  readonly #d: FollowerDeps;
  #running: Promise<void> | undefined;
  #again = false;
  #scheduled = false;
  #closed = false;
  #followed = 0;

  constructor(deps: FollowerDeps) {
    this.#d = deps;
  }

  /** Attendance rows read past the mark since this follower was made (the benchmark's lag). */
  get followed(): number {
    return this.#followed;
  }

  /** Cheap and synchronous: the attendance writer calls it for every new row. */
  wake(): void {
    if (this.#scheduled || this.#closed || !this.#d.hooks.wantsAttendance) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.run();
    });
  }

  /** Follows until the table's end; resolves when caught up (tests await it). */
  run(): Promise<void> {
    if (this.#closed || !this.#d.hooks.wantsAttendance) return this.#running ?? Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#follow()
      .catch((err) => this.#d.log?.error({ err }, 'webhook follower step failed; retried on the next wake'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          void this.run();
        }
      });
    return this.#running;
  }

  async #follow(): Promise<void> {
    const { repo, hooks } = this.#d;
    while (!this.#closed && hooks.wantsAttendance) {
      await this.#d.budget?.turn(() => this.#closed);
      if (this.#closed) return;
      const started = performance.now();
      const read = await repo.followAttendance(
        STEP,
        hooks.attendanceRoute,
        this.#d.newDelivery,
        this.#d.now(),
      );
      this.#d.budget?.spent(performance.now() - started);
      this.#followed += read;
      if (read > 0) this.#d.wrote();
      if (read < STEP) return;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#running;
  }
}

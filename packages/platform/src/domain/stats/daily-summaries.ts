/**
 * The `attendance.daily_summary` webhook (docs/webhooks.md): once a China Standard Time
 * day has ended and `delayMs` more has passed (so clock-ins uploaded just after midnight,
 * and the projector's catch-up, are in), every site's summary of that day
 * (siteDaySummary, the figures GET /api/v1/sites/{siteId}/days/{day} gives) is published
 * to the webhooks that want it. The event id is `daily-summary:{siteId}:{day}`, so
 * publishing a day again (a restart, the next tick) adds no second delivery. After a
 * stop, the days missed are published on the next start, up to `backfillDays` back.
 *
 * A summary is that moment's figures: a backlog upload for the day that arrives later
 * changes the day rows (and the API), not the delivered summary.
 */

import { cstDay, dayBounds } from '../../store/cst-day.js';
import type { Store } from '../../store/types.js';
import { siteDaySummary } from './summary.js';

/** What of the webhooks this needs (webhooks/service.ts satisfies it). */
export interface SummaryOutlet {
  /** Whether any active webhook wants this event for this site (null: any site). */
  wants(type: 'attendance.daily_summary', siteId: string | null): boolean;
  publish(event: {
    type: 'attendance.daily_summary';
    siteId: string;
    id: string;
    data: unknown;
  }): Promise<number>;
}

export interface DailySummaryOptions {
  /** How long after a day's end its summary goes out (default 1 h). */
  delayMs: number;
  /** Days before the last closed one published on the first tick (default 7). */
  backfillDays?: number;
  /** Brings the day rows up to date before a day is summarised (the projector's catch-up). */
  catchUp?: () => Promise<unknown>;
}

const DAY_MS = 86_400_000;
const SITES_PAGE = 500;

export class DailySummaries {
  readonly #store: Store;
  readonly #out: SummaryOutlet;
  readonly #o: Required<Omit<DailySummaryOptions, 'catchUp'>> & Pick<DailySummaryOptions, 'catchUp'>;
  /** The last day whose summaries all went out (this process); undefined before the first tick. */
  #done: string | undefined;
  #running: Promise<number> | undefined;

  constructor(store: Store, out: SummaryOutlet, opts: DailySummaryOptions) {
    this.#store = store;
    this.#out = out;
    this.#o = { backfillDays: 7, ...opts };
  }

  /** The last day closed for summaries at `now`: its end plus the delay has passed. */
  lastClosedDay(now: number): string {
    const today = cstDay(now);
    const yesterday = cstDay(dayBounds(today).start - 1);
    return now >= dayBounds(yesterday).end + this.#o.delayMs
      ? yesterday
      : cstDay(dayBounds(yesterday).start - 1);
  }

  /** Publishes every closed day not yet done; answers the deliveries written. Ticks never overlap. */
  tick(now: number): Promise<number> {
    this.#running ??= this.#tick(now).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(now: number): Promise<number> {
    const last = this.lastClosedDay(now);
    if (this.#done !== undefined && this.#done >= last) return 0;
    // Nobody listening: nothing computed, and the days count as done.
    if (!this.#out.wants('attendance.daily_summary', null)) {
      this.#done = last;
      return 0;
    }
    await this.#o.catchUp?.();
    let written = 0;
    const first =
      this.#done === undefined
        ? cstDay(dayBounds(last).start - this.#o.backfillDays * DAY_MS)
        : cstDay(dayBounds(this.#done).end);
    for (let day = first; day <= last; day = cstDay(dayBounds(day).end)) {
      written += await this.#publishDay(day);
      this.#done = day;
    }
    return written;
  }

  async #publishDay(day: string): Promise<number> {
    let written = 0;
    let afterId: string | undefined;
    for (;;) {
      const sites = await this.#store.sites.page({ ...(afterId ? { afterId } : {}), limit: SITES_PAGE });
      for (const site of sites) {
        if (!this.#out.wants('attendance.daily_summary', site.id)) continue;
        const data = await siteDaySummary(this.#store, site.id, day);
        written += await this.#out.publish({
          type: 'attendance.daily_summary',
          siteId: site.id,
          id: `daily-summary:${site.id}:${day}`,
          data: { ...data, siteName: site.name },
        });
      }
      if (sites.length < SITES_PAGE) return written;
      afterId = sites[sites.length - 1]!.id;
    }
  }
}

/**
 * The monthly attendance sheet (docs/attendance-statistics.md "The monthly sheet"):
 * worker × day of a site's month, each cell the worker's time on site that day, with
 * per-worker totals (days attended, hours) and per-day totals. Read from the day rows a
 * page of workers at a time (by person id, the day table's primary key order), so the
 * API pages it and the exports stream it without holding the month.
 *
 * A day counts as attended when it has a real-name punch; hours are the day's time on
 * site (pairs or last − first) in hours to two decimals, summed from minutes so the
 * totals add up to the cells.
 */
import type { DayStats } from '../../store/attendance-stats-types.js';
import type { Store } from '../../store/types.js';
import { monthDays } from './day.js';

export interface SheetCell {
  day: string;
  minutes: number;
  punches: number;
  firstIn: number | null;
  lastOut: number | null;
  /** Whether the day counts as attended (a real-name punch). */
  attended: boolean;
  /** single_punch, outside_fence, indirect_only, unknown_person, unpaired. */
  anomalies: string[];
}

export interface SheetWorker {
  personId: string;
  name: string | null;
  company: string | null;
  team: string | null;
  trade: string | null;
  /** Only days with punches, in order. */
  cells: SheetCell[];
  attendedDays: number;
  totalMinutes: number;
}

export interface SheetPage {
  workers: SheetWorker[];
  /** The last worker's id when more may follow; null at the end. */
  next: string | null;
}

export const minutesOf = (ms: number): number => Math.floor(ms / 60_000);
export const hoursOf = (minutes: number): number => Math.round((minutes / 60) * 100) / 100;

export function anomaliesOf(r: DayStats): string[] {
  const out: string[] = [];
  if (r.punches === 1) out.push('single_punch');
  if (r.outsideFence > 0) out.push('outside_fence');
  if (r.indirectOnly) out.push('indirect_only');
  if (r.unknownPerson) out.push('unknown_person');
  if (r.unpaired > 0) out.push('unpaired');
  return out;
}

/** The first and last day of a month 'YYYY-MM'. */
export function monthRange(month: string): { from: string; to: string; days: string[] } {
  const days = monthDays(month);
  return { from: days[0]!, to: days[days.length - 1]!, days };
}

/** Up to `limit` workers of the site's month after `after` (person id order). */
export async function sheetPage(
  store: Store,
  siteId: string,
  month: string,
  after: string | undefined,
  limit: number,
): Promise<SheetPage> {
  const rows = await store.stats.monthRows(siteId, month, after, limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (page.length === 0) return { workers: [], next: null };
  const ids = page.map((r) => r.personId);
  const [names, groups] = await Promise.all([
    store.attendance.personNames(ids),
    store.stats.groups(siteId, ids, monthRange(month).to),
  ]);
  const workers = page.map((r): SheetWorker => {
    const g = groups.get(r.personId);
    const w: SheetWorker = {
      personId: r.personId,
      name: names.get(r.personId) ?? null,
      company: g?.company ?? null,
      team: g?.team ?? null,
      trade: g?.trade ?? null,
      cells: [],
      attendedDays: 0,
      totalMinutes: 0,
    };
    for (const [day, d] of r.days) {
      const minutes = minutesOf(d.onSiteMs);
      const attended = d.realNamePunches > 0;
      w.cells.push({
        day,
        minutes,
        punches: d.punches,
        firstIn: d.firstIn,
        lastOut: d.lastOut,
        attended,
        anomalies: anomaliesOf(d),
      });
      w.totalMinutes += minutes;
      if (attended) w.attendedDays++;
    }
    return w;
  });
  return { workers, next: more ? ids[ids.length - 1]! : null };
}

/** Per day of the month: workers with a real-name punch, and the sum of the cells' minutes. */
export async function monthTotals(
  store: Store,
  siteId: string,
  month: string,
): Promise<{ day: string; headcount: number; minutes: number }[]> {
  const totals = new Map(monthRange(month).days.map((day) => [day, { day, headcount: 0, minutes: 0 }]));
  let after: string | undefined;
  for (;;) {
    const rows = await store.stats.monthRows(siteId, month, after, 1000);
    for (const r of rows)
      for (const [day, d] of r.days) {
        const t = totals.get(day);
        if (!t) continue;
        t.minutes += minutesOf(d.onSiteMs);
        if (d.realNamePunches > 0) t.headcount++;
      }
    if (rows.length < 1000) return [...totals.values()];
    after = rows[rows.length - 1]!.personId;
  }
}

/** Every worker of the month, a page at a time (the exports). */
export async function* sheetPages(
  store: Store,
  siteId: string,
  month: string,
  pageSize = 500,
): AsyncGenerator<SheetWorker[]> {
  let after: string | undefined;
  for (;;) {
    const page = await sheetPage(store, siteId, month, after, pageSize);
    if (page.workers.length > 0) yield page.workers;
    if (page.next === null) return;
    after = page.next;
  }
}

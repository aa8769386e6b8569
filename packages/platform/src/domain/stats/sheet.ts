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
import type { DayRow } from '../../store/attendance-stats-types.js';
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

export function anomaliesOf(r: DayRow): string[] {
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
  const { from, to } = monthRange(month);
  const persons = await store.stats.sheetPersons(siteId, from, to, after, limit + 1);
  const more = persons.length > limit;
  const page = persons.slice(0, limit);
  if (page.length === 0) return { workers: [], next: null };
  const rows = await store.stats.sheetRows(siteId, from, to, page[0]!, page[page.length - 1]!);
  const [names, groups] = await Promise.all([
    store.attendance.personNames(page),
    store.stats.groups(siteId, page, to),
  ]);
  const byPerson = new Map<string, SheetWorker>();
  for (const id of page) {
    const g = groups.get(id);
    byPerson.set(id, {
      personId: id,
      name: names.get(id) ?? null,
      company: g?.company ?? null,
      team: g?.team ?? null,
      trade: g?.trade ?? null,
      cells: [],
      attendedDays: 0,
      totalMinutes: 0,
    });
  }
  for (const r of rows) {
    const w = byPerson.get(r.personId);
    if (!w) continue;
    const minutes = minutesOf(r.onSiteMs);
    const attended = r.realNamePunches > 0;
    w.cells.push({
      day: r.day,
      minutes,
      punches: r.punches,
      firstIn: r.firstIn,
      lastOut: r.lastOut,
      attended,
      anomalies: anomaliesOf(r),
    });
    w.totalMinutes += minutes;
    if (attended) w.attendedDays++;
  }
  return { workers: [...byPerson.values()], next: more ? page[page.length - 1]! : null };
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

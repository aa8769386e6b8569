/**
 * China Standard Time calendar days (UTC+8, no DST), 'YYYY-MM-DD': the days attendance
 * statistics are kept by. In the store because the projector's step groups records by
 * day inside its transaction; the domain re-exports them (domain/stats/day.ts).
 */

const DAY_MS = 86_400_000;
const CST_MS = 8 * 3_600_000;

/** The CST calendar day of an instant, 'YYYY-MM-DD'. */
export function cstDay(ms: number): string {
  return new Date(ms + CST_MS).toISOString().slice(0, 10);
}

/** [start, end) of a CST day in epoch ms. */
export function dayBounds(day: string): { start: number; end: number } {
  const start = Date.parse(`${day}T00:00:00+08:00`);
  return { start, end: start + DAY_MS };
}

/** The days of a month 'YYYY-MM', in order. */
export function monthDays(month: string): string[] {
  const first = Date.parse(`${month}-01T00:00:00Z`);
  const out: string[] = [];
  for (let t = first; new Date(t).toISOString().slice(0, 7) === month; t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

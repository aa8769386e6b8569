/**
 * One worker's day on one site, computed from that day's punches alone: the pure rule
 * behind the day rows (docs/attendance-statistics.md). The projector, the tests'
 * brute-force recomputation and nothing else call it, so both agree by construction and
 * the tests check the projector's bookkeeping (which rows, which days, exactly once).
 *
 * Days are China Standard Time calendar days (UTC+8, no DST): a punch at 23:59 and one
 * at 00:01 belong to two days, and a night shift across midnight is two days, each
 * judged on its own punches (the simple rule; see the doc for what it means for pairs).
 */
import type { DayStats, Punch } from '../../store/attendance-stats-types.js';

export { cstDay, dayBounds, monthDays } from '../../store/cst-day.js';
export type { DayStats, Punch };

/** Time order, ties by id: the order the pairing walks, the same on every read. */
function byTime(a: Punch, b: Punch): number {
  return a.recordTime - b.recordTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Pairing over in/out devices: an 'in' opens a stay (an 'in' while one is open is a
 * repeat and ignored: the earlier one stands), an 'out' closes it and adds out − in; an
 * 'out' with nothing open, and a stay still open at the end of the day, are unpaired and
 * add nothing. A 'both' punch in a day that also has in/out punches toggles: it opens
 * when nothing is open and closes otherwise. A day with only 'both' punches is last − first.
 */
function pairs(sorted: readonly Punch[]): { onSiteMs: number; unpaired: number } {
  if (sorted.every((p) => p.direction === 'both')) {
    return { onSiteMs: sorted[sorted.length - 1]!.recordTime - sorted[0]!.recordTime, unpaired: 0 };
  }
  let open: number | undefined;
  let onSiteMs = 0;
  let unpaired = 0;
  for (const p of sorted) {
    const opens = p.direction === 'in' || (p.direction === 'both' && open === undefined);
    if (opens) {
      if (open === undefined) open = p.recordTime;
    } else if (open !== undefined) {
      onSiteMs += p.recordTime - open;
      open = undefined;
    } else unpaired++;
  }
  if (open !== undefined) unpaired++;
  return { onSiteMs, unpaired };
}

/** The day's figures from its punches (at least one). */
export function computeDay(punches: readonly Punch[]): DayStats {
  if (punches.length === 0) throw new Error('computeDay needs at least one punch');
  const sorted = [...punches].sort(byTime);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const inPunch = sorted.find((p) => p.direction !== 'out');
  let lastOut: number | null = null;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]!;
    if (p === inPunch) break;
    if (p.direction !== 'in') {
      lastOut = p.recordTime;
      break;
    }
  }
  const { onSiteMs, unpaired } = pairs(sorted);
  return {
    punches: sorted.length,
    realNamePunches: sorted.filter((p) => p.realName).length,
    firstAt: first.recordTime,
    lastAt: last.recordTime,
    firstIn: inPunch?.recordTime ?? null,
    lastOut,
    onSiteMs,
    unpaired,
    outsideFence: sorted.filter((p) => p.flags.includes('outside_fence')).length,
    indirectOnly: sorted.every((p) => !p.realName || p.flags.includes('indirect')),
    unknownPerson: sorted.some((p) => p.flags.includes('unknown_person')),
  };
}

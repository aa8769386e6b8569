/**
 * A site's day in figures (docs/attendance-statistics.md "Site summary"): headcount —
 * distinct workers with at least one real-name punch that day — in total and by company,
 * team and trade (from each worker's site assignment covering the day, else their latest
 * on the site; none → null), and how many workers had each anomaly. Read from the day
 * rows (one indexed range of the site's day), never from the raw records. The daily
 * summary webhook and GET /api/v1/sites/{siteId}/days/{day} both use it.
 */
import type { Store } from '../../store/types.js';

export interface GroupCount {
  /** The company, team or trade; null for workers without one (or without an assignment). */
  name: string | null;
  headcount: number;
}

export interface SiteDaySummary {
  siteId: string;
  day: string;
  /** Workers with a real-name punch. */
  headcount: number;
  /** Workers with any punch (real-name or not, known or not). */
  workers: number;
  punches: number;
  byCompany: GroupCount[];
  byTeam: GroupCount[];
  byTrade: GroupCount[];
  /** Workers with each anomaly that day. */
  anomalies: {
    singlePunch: number;
    outsideFence: number;
    indirectOnly: number;
    unknownPerson: number;
    unpaired: number;
  };
}

function counts(values: readonly (string | null)[]): GroupCount[] {
  const m = new Map<string | null, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  // Largest first, then by name (null last) so the order is stable.
  return [...m]
    .map(([name, headcount]) => ({ name, headcount }))
    .sort(
      (a, b) =>
        b.headcount - a.headcount ||
        (a.name === null ? 1 : b.name === null ? -1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
}

export async function siteDaySummary(store: Store, siteId: string, day: string): Promise<SiteDaySummary> {
  const rows = await store.stats.siteDayAll(siteId, day);
  const counted = rows.filter((r) => r.realNamePunches > 0);
  const groups = await store.stats.groups(
    siteId,
    counted.map((r) => r.personId),
    day,
  );
  const of = (pick: 'company' | 'team' | 'trade') =>
    counts(counted.map((r) => groups.get(r.personId)?.[pick] ?? null));
  return {
    siteId,
    day,
    headcount: counted.length,
    workers: rows.length,
    punches: rows.reduce((n, r) => n + r.punches, 0),
    byCompany: of('company'),
    byTeam: of('team'),
    byTrade: of('trade'),
    anomalies: {
      singlePunch: rows.filter((r) => r.punches === 1).length,
      outsideFence: rows.filter((r) => r.outsideFence > 0).length,
      indirectOnly: rows.filter((r) => r.indirectOnly).length,
      unknownPerson: rows.filter((r) => r.unknownPerson).length,
      unpaired: rows.filter((r) => r.unpaired > 0).length,
    },
  };
}

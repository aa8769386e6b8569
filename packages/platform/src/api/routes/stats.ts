/**
 * Daily attendance statistics (docs/attendance-statistics.md): a site's day in figures,
 * its workers' days a page at a time, and one person's days. Read from the day rows the
 * projector keeps (domain/stats/), never from the raw records. Scope as the site routes:
 * a site manager only their sites (404 outside), and of a person only the days on their
 * sites. Names are shown as in attendance lists; ID numbers never appear here.
 */
import { z } from 'zod';
import { anomaliesOf, hoursOf, minutesOf } from '../../domain/stats/sheet.js';
import { siteDaySummary } from '../../domain/stats/summary.js';
import type { DayRow } from '../../store/index.js';
import { siteScope } from '../auth/principal.js';
import { cursorId, encodeCursor, pageQuery } from '../pagination.js';
import { invalid } from '../problems.js';
import { isoDate, isoOrNull } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { visiblePerson } from './persons/common.js';
import { ID, siteInScope } from './sites/common.js';

const tags = ['statistics'];
/** Longest range of GET /persons/{id}/days: a year and a day. */
const MAX_RANGE_DAYS = 366;

/**
 * The day is checked in the handler after the site (dayOf): a site the caller may not see
 * is a 404 whatever else the request says, as on every site route.
 */
export const dayParams = z.strictObject({
  siteId: ID,
  day: z.string().max(64).describe('China time calendar day, YYYY-MM-DD'),
});

function dayOf(day: string): string {
  if (!isoDate.safeParse(day).success) throw invalid('params.day', 'a calendar day, YYYY-MM-DD');
  return day;
}

/** One worker's day as the API shows it. */
export function dayView(r: DayRow, names: ReadonlyMap<string, string>) {
  const minutes = minutesOf(r.onSiteMs);
  return {
    siteId: r.siteId,
    personId: r.personId,
    name: names.get(r.personId) ?? null,
    day: r.day,
    punches: r.punches,
    realNamePunches: r.realNamePunches,
    firstAt: isoOrNull(r.firstAt),
    lastAt: isoOrNull(r.lastAt),
    firstIn: isoOrNull(r.firstIn),
    lastOut: isoOrNull(r.lastOut),
    minutes,
    hours: hoursOf(minutes),
    outsideFencePunches: r.outsideFence,
    anomalies: anomaliesOf(r),
  };
}

export function statsRoutes(api: ApiApp, deps: ApiDeps): void {
  const { store } = deps.data;

  api.get(
    '/sites/:siteId/days/:day',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: "A site's day: headcount by company, team and trade; anomaly counts",
        params: dayParams,
      },
    },
    async (req) => {
      const { siteId } = req.params;
      await siteInScope(deps, principalOf(req), siteId);
      return siteDaySummary(store, siteId, dayOf(req.params.day));
    },
  );

  api.get(
    '/sites/:siteId/days/:day/workers',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: "A site's day per worker (first in, last out, time on site, anomalies), by person id",
        params: dayParams,
        querystring: z.strictObject({ ...pageQuery }),
      },
    },
    async (req) => {
      const { siteId } = req.params;
      await siteInScope(deps, principalOf(req), siteId);
      const day = dayOf(req.params.day);
      const { limit, cursor } = req.query;
      const rows = await store.stats.siteDay(siteId, day, cursorId(cursor), limit + 1);
      const page = rows.slice(0, limit);
      const names = await store.attendance.personNames(page.map((r) => r.personId));
      return {
        items: page.map((r) => dayView(r, names)),
        nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1]!.personId]) : null,
      };
    },
  );

  api.get(
    '/persons/:personId/days',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: "A person's days on the sites the caller sees, from..to (China time days, at most 366)",
        params: z.strictObject({ personId: ID }),
        querystring: z.strictObject({ from: isoDate, to: isoDate }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { personId } = req.params;
      const { from, to } = req.query;
      if (to < from) throw invalid('query.to', 'must not be before from');
      if ((Date.parse(to) - Date.parse(from)) / 86_400_000 >= MAX_RANGE_DAYS)
        throw invalid('query.to', `at most ${MAX_RANGE_DAYS} days from from`);
      const scope = siteScope(p);
      // A site manager sees a person of their sites only (404 otherwise); the others any
      // id, an unknown person's punches included.
      if (scope !== undefined) await visiblePerson(deps, p, personId);
      const rows = await store.stats.personDays(personId, from, to, scope);
      const names = await store.attendance.personNames([personId]);
      return { items: rows.map((r) => dayView(r, names)) };
    },
  );
}

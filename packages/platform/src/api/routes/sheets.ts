/**
 * GET /api/v1/sites/{siteId}/sheets/{YYYY-MM}: the monthly attendance sheet, the base of
 * wage payment (docs/attendance-statistics.md "The monthly sheet"). `…/2026-12` (or
 * `?format=json`) answers JSON a page of workers at a time (cursor pagination by person
 * id, api.md "Lists"); `…/2026-12.xlsx` and `…/2026-12.csv` (or `?format=`) stream the
 * whole month. Scope as the site routes; each file export is written to the audit log.
 */
import { z } from 'zod';
import { hoursOf, monthRange, monthTotals, sheetPage, sheetPages } from '../../domain/stats/sheet.js';
import { loadExcel } from '../../excel.js';
import { cursorId, encodeCursor, pageQuery } from '../pagination.js';
import { invalid } from '../problems.js';
import { isoCst } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import {
  csvSheet,
  SHEET_FORMATS,
  SHEET_TYPES,
  type SheetFormat,
  type SheetSink,
  xlsxSheet,
} from './sheet-export.js';
import { ID, siteInScope } from './sites/common.js';

const MONTH = /^(\d{4}-(?:0[1-9]|1[0-2]))(?:\.(xlsx|csv|json))?$/;

export function sheetRoutes(api: ApiApp, deps: ApiDeps): void {
  const { store } = deps.data;

  api.get(
    '/sites/:siteId/sheets/:month',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags: ['statistics'],
        summary: 'Monthly attendance sheet (worker × day, hours, totals): JSON pages, or .xlsx / .csv whole',
        params: z.strictObject({
          siteId: ID,
          // Checked in the handler after the site: outside the caller's scope is a 404 first.
          month: z.string().max(64).describe('China time month YYYY-MM, optionally .xlsx, .csv or .json'),
        }),
        querystring: z.strictObject({
          ...pageQuery,
          format: z.enum(SHEET_FORMATS).optional(),
          /** Column headers: Chinese with English (default) or English (here or by Accept-Language: en). */
          lang: z.enum(['zh', 'en']).optional(),
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const site = await siteInScope(deps, p, req.params.siteId);
      const [, month, ext] = MONTH.exec(req.params.month) ?? [];
      if (month === undefined) throw invalid('params.month', 'YYYY-MM, optionally .xlsx, .csv or .json');
      const { limit, cursor, lang } = req.query;
      const format: SheetFormat = req.query.format ?? (ext as SheetFormat | undefined) ?? 'json';
      const { days } = monthRange(month);

      if (format === 'json') {
        const after = cursorId(cursor);
        const page = await sheetPage(store, site.id, month, after, limit);
        const totals = after === undefined ? await monthTotals(store, site.id, month) : undefined;
        return {
          siteId: site.id,
          month,
          days,
          items: page.workers.map((w) => ({
            ...w,
            cells: w.cells.map((c) => ({
              ...c,
              hours: hoursOf(c.minutes),
              firstIn: c.firstIn === null ? null : isoCst(c.firstIn),
              lastOut: c.lastOut === null ? null : isoCst(c.lastOut),
            })),
            totalHours: hoursOf(w.totalMinutes),
          })),
          // The site's per-day totals, on the first page only (one aggregate of the month).
          ...(totals ? { dayTotals: totals } : {}),
          nextCursor: page.next === null ? null : encodeCursor([page.next]),
        };
      }

      const sheetLang = lang ?? (/^\s*en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'zh');
      const sink: SheetSink =
        format === 'csv'
          ? csvSheet(days, sheetLang)
          : xlsxSheet(loadExcel(), {
              days,
              lang: sheetLang,
              title:
                sheetLang === 'en'
                  ? `${site.name} — attendance sheet ${month}`
                  : `${site.name} 考勤表 ${month}`,
            });
      const pages = sheetPages(store, site.id, month);
      // The first page before any byte: a failure here is still a problem document.
      const first = await pages.next();
      const audit = (workers: number, complete: boolean) =>
        deps.audit.record({
          by: p,
          action: 'attendance.sheet.export',
          resource: 'site',
          resourceId: site.id,
          siteId: site.id,
          detail: { month, format, workers, complete },
        });
      void (async () => {
        let workers = 0;
        try {
          for (let step = first; !step.done; step = await pages.next()) {
            for (const w of step.value) sink.write(w);
            workers += step.value.length;
            await sink.drained();
            if (sink.body.destroyed) break;
          }
          const complete = !sink.body.destroyed;
          await audit(workers, complete);
          if (complete) await sink.end();
        } catch (err) {
          req.log.error({ err, workers }, 'attendance sheet export failed part way');
          sink.body.destroy(err instanceof Error ? err : new Error(String(err)));
          await audit(workers, false).catch(() => {});
        }
      })();
      return reply
        .header('Content-Type', SHEET_TYPES[format])
        .header('Content-Disposition', `attachment; filename="sheet-${site.id}-${month}.${format}"`)
        .header('Cache-Control', 'no-store')
        .send(sink.body);
    },
  );
}

/**
 * /api/v1/attendance: clock-in records, newest first by the time of the clock-in
 * (recordTime, then id): the order a labour manager reads a day in, and the time wages
 * are counted by; a record a device uploads late lands where its time puts it, not at
 * the top. Filters by site, person, device, type, flag, real-name and time range, each
 * an index range (migration 0012); pages are keyset cursors on (recordTime, id), so a
 * page never repeats or skips a record that existed when the list was first read.
 *
 * Scope: a site manager sees its sites' records; admins, operators and auditors all.
 * Vendors read no attendance (api.md: a vendor sees its devices and firmware, not the
 * workers' clock-ins, names or photos: PIPL minimum necessary), as the event stream.
 * Photos are signed URLs that expire; a page or record that hands out photo URLs is
 * written to the audit log. Exports stream the same filter as CSV or XLSX
 * (attendance-export.ts).
 */
import { z } from 'zod';
import type { AttendanceRecord } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { canSeeSite } from '../auth/principal.js';
import { pageOf, pageQuery } from '../pagination.js';
import { notFound } from '../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { EXPORT_FORMATS, streamExport } from './attendance-export.js';
import {
  afterOf,
  attendanceFilterQuery,
  attendanceView,
  filterDetail,
  photoSigner,
  scopedFilter,
} from './attendance-view.js';
import { ID } from './device-common.js';

function visible(p: Principal, r: AttendanceRecord): boolean {
  return canSeeSite(p, r.siteId);
}

export function attendanceRoutes(api: ApiApp, deps: ApiDeps): void {
  const store = deps.data.store.attendance;

  api.get(
    '/attendance',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags: ['attendance'],
        summary: 'Clock-in records, newest first, filtered; photos as signed URLs',
        querystring: z.strictObject({ ...pageQuery, ...attendanceFilterQuery }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { limit, cursor, ...q } = req.query;
      const after = afterOf(cursor);
      const filter = await scopedFilter(deps, p, q);
      const rows = await store.page({ ...filter, ...(after ? { after } : {}), limit: limit + 1 });
      const names = await store.personNames(rows.slice(0, limit).map((r) => r.personId));
      const sign = photoSigner(deps, req);
      const page = pageOf(
        rows,
        limit,
        (r) => [r.recordTime, r.id],
        (r) => attendanceView(r, names, sign),
      );
      const photos = page.items.filter((i) => i.photoUrl !== null).length;
      if (photos > 0)
        // Noted, not awaited: a page of photo URLs must not wait on a commit (docs/api.md).
        deps.audit.note({
          by: p,
          action: 'attendance.photos.view',
          resource: 'attendance',
          detail: { filter: filterDetail(q), records: page.items.length, photos },
        });
      return page;
    },
  );

  api.get(
    '/attendance/export',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags: ['attendance'],
        summary: 'Clock-in records for a filter as CSV (UTF-8 with BOM) or XLSX, streamed',
        querystring: z.strictObject({
          format: z.enum(EXPORT_FORMATS).default('xlsx'),
          /** Column headers: Chinese unless asked otherwise (here or by Accept-Language: en). */
          lang: z.enum(['zh', 'en']).optional(),
          ...attendanceFilterQuery,
        }),
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const { format, lang, ...q } = req.query;
      const filter = await scopedFilter(deps, p, q);
      const headerLang = lang ?? (/^\s*en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'zh');
      return streamExport(deps, req, reply, {
        format,
        lang: headerLang,
        filter,
        detail: filterDetail(q),
        by: p,
      });
    },
  );

  api.get(
    '/attendance/:id',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags: ['attendance'],
        summary: 'One clock-in record',
        params: z.strictObject({ id: ID }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const r = await store.byId(req.params.id);
      if (!r || !visible(p, r)) throw notFound({ en: 'no such attendance record', zh: '考勤记录不存在' });
      const names = await store.personNames([r.personId]);
      const view = attendanceView(r, names, photoSigner(deps, req));
      if (view.photoUrl !== null)
        // Noted, not awaited: a page of photo URLs must not wait on a commit (docs/api.md).
        deps.audit.note({
          by: p,
          action: 'attendance.photos.view',
          resource: 'attendance',
          resourceId: r.id,
          siteId: r.siteId,
          detail: { records: 1, photos: 1 },
        });
      return view;
    },
  );
}

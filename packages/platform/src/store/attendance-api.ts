/**
 * Attendance as the management API reads it (lists, exports) and the photo bookkeeping
 * of retention and erasure. Pages are newest first by (record_time, id), and each query
 * is one range of an index of migration 0012 in that order: a page costs the same at
 * row 10 and row 10,000,000, and an export reads the whole range in such pages.
 */
import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type {
  AttendanceApiRepo,
  AttendanceFilter,
  AttendancePageQuery,
  AttendanceRecord,
} from './attendance-api-types.js';
import { fromDb } from './attendance-rows.js';
import type { Capabilities } from './dialect.js';
import type { AttendanceTable, Database } from './schema-types.js';
import { chunk, rowsPerStatement } from './util.js';

type Query = SelectQueryBuilder<Database, 'attendance', Selectable<AttendanceTable>>;

/** The column a page's index range is led by, and the values it takes (one range each). */
type Lead =
  | { column: 'person_id' | 'device_id' | 'site_id'; values: readonly string[] }
  | { column: undefined; values: readonly [undefined] };

/**
 * The most selective equality the filter has: a person's records are few, a device's
 * more, a site's more again. The planner is left to agree; EXPLAIN in the tests checks
 * that it does on both databases.
 */
function leadOf(f: AttendanceFilter): Lead {
  if (f.personId !== undefined) return { column: 'person_id', values: [f.personId] };
  if (f.deviceIds !== undefined) return { column: 'device_id', values: f.deviceIds };
  if (f.siteIds !== undefined) return { column: 'site_id', values: f.siteIds };
  return { column: undefined, values: [undefined] };
}

/** LIKE pattern of a flag inside the flags JSON text; `_` is a LIKE wildcard, so escaped. */
const flagPattern = (flag: string): string => `%"${flag.replace(/[\\%_]/g, (c) => `\\${c}`)}"%`;

/** Every condition of the filter but the lead's own; the lead is `lead = value`. */
function where(query: Query, f: AttendanceFilter, lead: Lead['column'], value: string | undefined): Query {
  let q = query;
  if (lead !== undefined && value !== undefined) q = q.where(lead, '=', value);
  if (lead !== 'person_id' && f.personId !== undefined) q = q.where('person_id', '=', f.personId);
  if (lead !== 'device_id' && f.deviceIds !== undefined) q = q.where('device_id', 'in', [...f.deviceIds]);
  if (lead !== 'site_id' && f.siteIds !== undefined) q = q.where('site_id', 'in', [...f.siteIds]);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.realName !== undefined) q = q.where('real_name', '=', f.realName ? 1 : 0);
  if (f.flag !== undefined) q = q.where(sql<boolean>`flags like ${flagPattern(f.flag)} escape '\\'`);
  if (f.since !== undefined) q = q.where('record_time', '>=', f.since);
  if (f.until !== undefined) q = q.where('record_time', '<', f.until);
  return q;
}

export const recordOf = (r: Selectable<AttendanceTable>): AttendanceRecord => ({
  ...fromDb(r),
  photoRemoved: r.photo_removed ?? null,
});

/** Newest first; ties in record time by id. */
const newerFirst = (a: AttendanceRecord, b: AttendanceRecord): number =>
  b.recordTime - a.recordTime || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The queries one page runs: one per value of its lead (attendance-plans.test.ts reads
 * their plans with EXPLAIN on both databases).
 */
export function pageQueries(db: Kysely<Database>, q: AttendancePageQuery): Query[] {
  const lead = leadOf(q);
  return [...new Set(lead.values)].map((value) => {
    let query = where(db.selectFrom('attendance').selectAll(), q, lead.column, value);
    const after = q.after;
    if (after !== undefined) {
      query = query.where(({ eb, refTuple, tuple }) =>
        eb(refTuple('record_time', 'id'), '<', tuple(after.recordTime, after.id)),
      );
    }
    return query.orderBy('record_time', 'desc').orderBy('id', 'desc').limit(q.limit);
  });
}

export function attendanceApiRepo(db: Kysely<Database>, caps: Capabilities): AttendanceApiRepo {
  const perIn = rowsPerStatement(caps.maxBindParams, 1) - 16;

  return {
    async page(q) {
      if (q.limit <= 0) return [];
      const queries = pageQueries(db, q);
      if (queries.length === 1) return (await queries[0]!.execute()).map(recordOf);
      // Several ranges (a manager's sites, the devices of one serial): each gives its
      // newest `limit`, and the newest `limit` of them all is the page. None: nothing.
      const parts = await Promise.all(queries.map((query) => query.execute()));
      return parts.flat().map(recordOf).sort(newerFirst).slice(0, q.limit);
    },

    async byId(id) {
      const r = await db.selectFrom('attendance').selectAll().where('id', '=', id).executeTakeFirst();
      return r && recordOf(r);
    },

    async deviceIdsBySn(sn) {
      const rows = await db.selectFrom('devices').select('id').where('sn', '=', sn).execute();
      return rows.map((r) => r.id);
    },

    async personNames(ids) {
      const out = new Map<string, string>();
      for (const part of chunk([...new Set(ids)], perIn)) {
        const rows = await db.selectFrom('persons').select(['id', 'name']).where('id', 'in', part).execute();
        for (const r of rows) if (r.name) out.set(r.id, r.name);
      }
      return out;
    },

    async siteNames(ids) {
      const out = new Map<string, string>();
      for (const part of chunk([...new Set(ids)], perIn)) {
        const rows = await db.selectFrom('sites').select(['id', 'name']).where('id', 'in', part).execute();
        for (const r of rows) out.set(r.id, r.name);
      }
      return out;
    },

    async rowsAfter(afterId, limit) {
      const rows = await db
        .selectFrom('attendance')
        .select(['id', 'photo_key', 'received_at'])
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, photoKey: r.photo_key, receivedAt: r.received_at }));
    },

    async photosOfPerson(personId) {
      const rows = await db
        .selectFrom('attendance')
        .select(['id', 'photo_key'])
        .where('person_id', '=', personId)
        .where('photo_key', 'is not', null)
        .execute();
      return rows.map((r) => ({ id: r.id, photoKey: r.photo_key! }));
    },

    async keysStillUsed(keys, except) {
      const used = new Set<string>();
      // One probe of the partial photo_key index per key, stopping at the first record
      // found: a photo shared by a million records costs what an unshared one does.
      for (const part of chunk([...new Set(keys)], 32)) {
        await Promise.all(
          part.map(async (key) => {
            let q = db.selectFrom('attendance').select('id').where('photo_key', '=', key);
            if (except.afterId !== undefined) q = q.where('id', '>', except.afterId);
            if (except.personId !== undefined) q = q.where('person_id', '<>', except.personId);
            if (await q.limit(1).executeTakeFirst()) used.add(key);
          }),
        );
      }
      return used;
    },

    async clearPhotos(ids, why) {
      let n = 0;
      for (const part of chunk([...ids], perIn)) {
        const r = await db
          .updateTable('attendance')
          .set({ photo_key: null, photo_removed: why })
          .where('id', 'in', part)
          .where('photo_key', 'is not', null)
          .executeTakeFirst();
        n += Number(r.numUpdatedRows);
      }
      return n;
    },

    async mark(name) {
      const r = await db
        .selectFrom('attendance_retention_marks')
        .select('last_id')
        .where('name', '=', name)
        .executeTakeFirst();
      return r?.last_id ?? '';
    },

    async setMark(name, lastId, at) {
      await db
        .insertInto('attendance_retention_marks')
        .values({ name, last_id: lastId, updated_at: at })
        .onConflict((oc) => oc.column('name').doUpdateSet({ last_id: lastId, updated_at: at }))
        .execute();
    },
  };
}

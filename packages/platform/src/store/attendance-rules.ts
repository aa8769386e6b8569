/**
 * The clock-in rules' reads (attendance-rules-types.ts). Each is one index range of
 * attendance: the record key (device_id, record_time, …) per device (migration 0025) or
 * (site_id, record_time, id) for a site (migration 0012), so a period costs the rows in
 * it and nothing else.
 * - Flag counts are counted here from the flags JSON of the flagged rows: the same code on
 *   both databases (json_each and jsonb_array_elements differ), and rows without a flag
 *   are counted in SQL, not read.
 * - Percentiles are nearest-rank, read with ORDER BY latency_ms OFFSET k: exact, on both
 *   databases (SQLite has no percentile function), one sort of the period's delays each.
 */
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { AttendanceRulesRepo, RulesPeriod, UploadDelayStats } from './attendance-rules-types.js';
import type { AttendanceFlag, UploadClass } from './row-types.js';
import type { Database } from './schema-types.js';

/** The 10-second clause (domain/attendance-rules/upload-timing.ts); the store sits below the domain. */
const UPLOAD_LIMIT_MS = 10_000;

type Q<O> = SelectQueryBuilder<Database, 'attendance', O>;

function inPeriod<O>(query: Q<O>, q: RulesPeriod): Q<O> {
  let out = query.where('record_time', '>=', q.since).where('record_time', '<', q.until);
  if (q.deviceIds !== undefined) {
    // An empty list matches nothing; IN () is not valid SQL.
    out = q.deviceIds.length
      ? out.where('device_id', 'in', [...q.deviceIds])
      : out.where(sql<boolean>`1 = 0`);
  }
  if (q.siteId !== undefined) out = out.where('site_id', '=', q.siteId);
  return out;
}

const CLASSES: readonly UploadClass[] = ['live', 'late', 'backlog'];

export function attendanceRulesRepo(db: Kysely<Database>): AttendanceRulesRepo {
  return {
    async flagCounts(q) {
      const total = await inPeriod(
        db.selectFrom('attendance').select((eb) => eb.fn.countAll<number>().as('n')),
        q,
      ).executeTakeFirstOrThrow();
      const flags: Partial<Record<AttendanceFlag, number>> = {};
      const rows = await inPeriod(db.selectFrom('attendance').select('flags'), q)
        .where('flags', '<>', '[]')
        .execute();
      for (const r of rows)
        for (const f of JSON.parse(r.flags) as AttendanceFlag[]) flags[f] = (flags[f] ?? 0) + 1;
      return { records: Number(total.n), flags };
    },

    async uploadDelay(q) {
      const groups = await inPeriod(
        db
          .selectFrom('attendance')
          .select((eb) => [
            'upload_class',
            eb.fn.countAll<number>().as('n'),
            eb.fn
              .sum<number>(eb.case().when('latency_ms', '<=', UPLOAD_LIMIT_MS).then(1).else(0).end())
              .as('within'),
            eb.fn.max<number>('latency_ms').as('max'),
          ])
          .groupBy('upload_class'),
        q,
      ).execute();
      const out: UploadDelayStats = {
        records: 0,
        byClass: { live: 0, late: 0, backlog: 0, unjudged: 0 },
        withinLimit: 0,
        p50Ms: null,
        p95Ms: null,
        maxMs: null,
      };
      for (const g of groups) {
        const n = Number(g.n);
        const cls = CLASSES.find((c) => c === g.upload_class) ?? 'unjudged';
        out.byClass[cls] += n;
        out.records += n;
        out.withinLimit += Number(g.within ?? 0);
        if (g.max !== null) out.maxMs = Math.max(out.maxMs ?? Number.NEGATIVE_INFINITY, Number(g.max));
      }
      const at = async (p: number): Promise<number | null> => {
        if (out.records === 0) return null;
        const offset = Math.max(0, Math.ceil(p * out.records) - 1);
        const r = await inPeriod(db.selectFrom('attendance').select('latency_ms'), q)
          .orderBy('latency_ms')
          .limit(1)
          .offset(offset)
          .executeTakeFirst();
        return r === undefined ? null : Number(r.latency_ms);
      };
      out.p50Ms = await at(0.5);
      out.p95Ms = await at(0.95);
      return out;
    },
  };
}

/**
 * Daily attendance statistics in the store (migration 0019, docs/attendance-statistics.md):
 * the projector's step, which turns attendance rows past a mark into day rows in one
 * transaction, and the reads of those rows (a site's day, a person's days, the monthly
 * sheet). The day table is typed here (withTables) rather than in schema-types.ts: only
 * this file reads or writes it.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  AttendanceStatsRepo,
  DayRow,
  DayRule,
  DayStats,
  Punch,
  WorkerGroup,
} from './attendance-stats-types.js';
import { cstDay, dayBounds } from './cst-day.js';
import type { Capabilities } from './dialect.js';
import type { Bool01, Database } from './schema-types.js';
import { chunk, rowsPerStatement, toBool01 } from './util.js';

/** The projector's mark in attendance_retention_marks (a generic name → last id table). */
export const STATS_MARK = 'attendance_stats';

interface AttendanceDaysTable {
  site_id: string;
  person_id: string;
  day: string;
  punches: number;
  real_name_punches: number;
  first_at: number;
  last_at: number;
  first_in: number | null;
  last_out: number | null;
  on_site_ms: number;
  unpaired: number;
  outside_fence: number;
  indirect_only: Bool01;
  unknown_person: Bool01;
  updated_at: number;
}

interface AttendanceMonthsTable {
  site_id: string;
  person_id: string;
  month: string;
  /** JSON: day of month ('01'…'31') → packed DayStats (pack()). */
  cells: string;
  updated_at: number;
}

type StatsTables = { attendance_days: AttendanceDaysTable; attendance_months: AttendanceMonthsTable };
type StatsDb = Database & StatsTables;

type Packed = [
  number,
  number,
  number,
  number,
  number | null,
  number | null,
  number,
  number,
  number,
  0 | 1,
  0 | 1,
];

/** A day's figures as a month cell: an array in a fixed order keeps the month row small. */
function pack(s: DayStats): Packed {
  return [
    s.punches,
    s.realNamePunches,
    s.firstAt,
    s.lastAt,
    s.firstIn,
    s.lastOut,
    s.onSiteMs,
    s.unpaired,
    s.outsideFence,
    s.indirectOnly ? 1 : 0,
    s.unknownPerson ? 1 : 0,
  ];
}

function unpack(p: Packed): DayStats {
  return {
    punches: p[0],
    realNamePunches: p[1],
    firstAt: p[2],
    lastAt: p[3],
    firstIn: p[4],
    lastOut: p[5],
    onSiteMs: p[6],
    unpaired: p[7],
    outsideFence: p[8],
    indirectOnly: p[9] === 1,
    unknownPerson: p[10] === 1,
  };
}

function unpackCells(month: string, cells: string): Map<string, DayStats> {
  const parsed = JSON.parse(cells) as Record<string, Packed>;
  const out = new Map<string, DayStats>();
  for (const dd of Object.keys(parsed).sort()) out.set(`${month}-${dd}`, unpack(parsed[dd]!));
  return out;
}

/**
 * Writes the month rows of the day rows just computed: each touched worker-month is read
 * (one IN list per site and chunk of persons), its cells for those days replaced, and
 * written back, in the projector's transaction.
 */
async function writeMonths(
  trx: Transaction<StatsDb>,
  rows: readonly AttendanceDaysTable[],
  now: number,
  perIn: number,
  perUpsert: number,
): Promise<void> {
  const byKey = new Map<
    string,
    { siteId: string; personId: string; month: string; days: AttendanceDaysTable[] }
  >();
  for (const r of rows) {
    const month = r.day.slice(0, 7);
    const key = `${r.site_id}\u0000${r.person_id}\u0000${month}`;
    let m = byKey.get(key);
    if (!m) {
      m = { siteId: r.site_id, personId: r.person_id, month, days: [] };
      byKey.set(key, m);
    }
    m.days.push(r);
  }
  const existing = new Map<string, string>();
  const bySiteMonth = new Map<string, { siteId: string; month: string; persons: string[] }>();
  for (const m of byKey.values()) {
    const k = `${m.siteId}\u0000${m.month}`;
    let g = bySiteMonth.get(k);
    if (!g) {
      g = { siteId: m.siteId, month: m.month, persons: [] };
      bySiteMonth.set(k, g);
    }
    g.persons.push(m.personId);
  }
  for (const g of bySiteMonth.values()) {
    for (const part of chunk(g.persons, perIn)) {
      const found = await trx
        .selectFrom('attendance_months')
        .select(['person_id', 'cells'])
        .where('site_id', '=', g.siteId)
        .where('month', '=', g.month)
        .where('person_id', 'in', part)
        .execute();
      for (const f of found) existing.set(`${g.siteId}\u0000${f.person_id}\u0000${g.month}`, f.cells);
    }
  }
  const out: AttendanceMonthsTable[] = [];
  for (const [key, m] of byKey) {
    const cells = JSON.parse(existing.get(key) ?? '{}') as Record<string, Packed>;
    for (const d of m.days) cells[d.day.slice(8, 10)] = pack(fromDb(d));
    out.push({
      site_id: m.siteId,
      person_id: m.personId,
      month: m.month,
      cells: JSON.stringify(cells),
      updated_at: now,
    });
  }
  for (const part of chunk(out, perUpsert)) {
    await trx
      .insertInto('attendance_months')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['site_id', 'month', 'person_id']).doUpdateSet((eb) => ({
          cells: eb.ref('excluded.cells'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

const DAY_KEY = ['site_id', 'person_id', 'day'] as const;
/** Rows per upsert: below the bind limit on both dialects, and one SQL text for full chunks. */
const ROWS_PER_UPSERT = 200;
/** Persons per IN list of the recompute read. */
const PERSONS_PER_READ = 500;

const UPDATED = [
  'punches',
  'real_name_punches',
  'first_at',
  'last_at',
  'first_in',
  'last_out',
  'on_site_ms',
  'unpaired',
  'outside_fence',
  'indirect_only',
  'unknown_person',
  'updated_at',
] as const;

function toDb(siteId: string, personId: string, day: string, s: DayStats, now: number): AttendanceDaysTable {
  return {
    site_id: siteId,
    person_id: personId,
    day,
    punches: s.punches,
    real_name_punches: s.realNamePunches,
    first_at: s.firstAt,
    last_at: s.lastAt,
    first_in: s.firstIn,
    last_out: s.lastOut,
    on_site_ms: s.onSiteMs,
    unpaired: s.unpaired,
    outside_fence: s.outsideFence,
    indirect_only: toBool01(s.indirectOnly),
    unknown_person: toBool01(s.unknownPerson),
    updated_at: now,
  };
}

function fromDb(r: Selectable<AttendanceDaysTable>): DayRow {
  return {
    siteId: r.site_id,
    personId: r.person_id,
    day: r.day,
    punches: Number(r.punches),
    realNamePunches: Number(r.real_name_punches),
    firstAt: Number(r.first_at),
    lastAt: Number(r.last_at),
    firstIn: r.first_in === null ? null : Number(r.first_in),
    lastOut: r.last_out === null ? null : Number(r.last_out),
    onSiteMs: Number(r.on_site_ms),
    unpaired: Number(r.unpaired),
    outsideFence: Number(r.outside_fence),
    indirectOnly: Number(r.indirect_only) === 1,
    unknownPerson: Number(r.unknown_person) === 1,
    updatedAt: Number(r.updated_at),
  };
}

const keyOf = (siteId: string, personId: string, day: string) => `${siteId}\u0000${personId}\u0000${day}`;

/**
 * The punches of the wanted person-days, read by day: one indexed range per day and
 * chunk of persons (attendance's (person_id, record_time, id) index), then narrowed to
 * the wanted keys (a person's punches on another site that day are not this row's).
 */
async function punchesOf(
  trx: Transaction<StatsDb>,
  wanted: ReadonlyMap<string, { siteId: string; personId: string; day: string }>,
): Promise<Map<string, Punch[]>> {
  const personsByDay = new Map<string, Set<string>>();
  for (const k of wanted.values()) {
    let set = personsByDay.get(k.day);
    if (!set) {
      set = new Set();
      personsByDay.set(k.day, set);
    }
    set.add(k.personId);
  }
  const out = new Map<string, Punch[]>();
  for (const [day, persons] of personsByDay) {
    const { start, end } = dayBounds(day);
    for (const part of chunk([...persons], PERSONS_PER_READ)) {
      const rows = await trx
        .selectFrom('attendance as a')
        .innerJoin('devices as d', 'd.id', 'a.device_id')
        .select([
          'a.id',
          'a.site_id',
          'a.person_id',
          'a.record_time',
          'a.real_name',
          'a.flags',
          'd.direction',
        ])
        .where('a.person_id', 'in', part)
        .where('a.record_time', '>=', start)
        .where('a.record_time', '<', end)
        .execute();
      for (const r of rows) {
        if (r.site_id === null) continue;
        const key = keyOf(r.site_id, r.person_id, day);
        if (!wanted.has(key)) continue;
        let list = out.get(key);
        if (!list) {
          list = [];
          out.set(key, list);
        }
        list.push({
          id: r.id,
          recordTime: Number(r.record_time),
          direction: r.direction,
          realName: Number(r.real_name) === 1,
          flags: JSON.parse(r.flags) as string[],
        });
      }
    }
  }
  return out;
}

async function readMark(trx: Kysely<StatsDb>): Promise<string> {
  const r = await trx
    .selectFrom('attendance_retention_marks')
    .select('last_id')
    .where('name', '=', STATS_MARK)
    .executeTakeFirst();
  return r?.last_id ?? '';
}

export function attendanceStatsRepo(base: Kysely<Database>, caps: Capabilities): AttendanceStatsRepo {
  const db = base.withTables<StatsTables>();
  const perUpsert = Math.min(ROWS_PER_UPSERT, rowsPerStatement(caps.maxBindParams, 15));
  const perIn = Math.min(PERSONS_PER_READ, caps.maxBindParams - 8);
  const selectDays = () => db.selectFrom('attendance_days').selectAll();

  return {
    project: (limit: number, now: number, rule: DayRule) =>
      db.transaction().execute(async (trx) => {
        const mark = await readMark(trx);
        const records = await trx
          .selectFrom('attendance')
          .select(['id', 'site_id', 'person_id', 'record_time'])
          .where('id', '>', mark)
          .orderBy('id')
          .limit(limit)
          .execute();
        if (records.length === 0) return { records: 0, days: 0, mark };
        const wanted = new Map<string, { siteId: string; personId: string; day: string }>();
        for (const r of records) {
          if (r.site_id === null) continue; // no site (device unassigned): no site's day to count in
          const day = cstDay(Number(r.record_time));
          wanted.set(keyOf(r.site_id, r.person_id, day), { siteId: r.site_id, personId: r.person_id, day });
        }
        const punches = await punchesOf(trx, wanted);
        const rows: AttendanceDaysTable[] = [];
        for (const [key, k] of wanted) {
          const list = punches.get(key);
          // Always found: the record that named this person-day is among its punches.
          if (list && list.length > 0) rows.push(toDb(k.siteId, k.personId, k.day, rule(list), now));
        }
        for (const part of chunk(rows, perUpsert)) {
          await trx
            .insertInto('attendance_days')
            .values(part)
            .onConflict((oc) =>
              oc
                .columns(DAY_KEY)
                .doUpdateSet((eb) => Object.fromEntries(UPDATED.map((c) => [c, eb.ref(`excluded.${c}`)]))),
            )
            .execute();
        }
        await writeMonths(trx, rows, now, perIn, perUpsert);
        const last = records[records.length - 1]!.id;
        await trx
          .insertInto('attendance_retention_marks')
          .values({ name: STATS_MARK, last_id: last, updated_at: now })
          .onConflict((oc) => oc.column('name').doUpdateSet({ last_id: last, updated_at: now }))
          .execute();
        return { records: records.length, days: rows.length, mark: last };
      }),

    mark: () => readMark(db),

    async siteDay(siteId, day, after, limit) {
      let q = selectDays().where('site_id', '=', siteId).where('day', '=', day);
      if (after !== undefined) q = q.where('person_id', '>', after);
      return (await q.orderBy('person_id').limit(limit).execute()).map(fromDb);
    },

    async siteDayAll(siteId, day) {
      const rows = await selectDays()
        .where('site_id', '=', siteId)
        .where('day', '=', day)
        .orderBy('person_id')
        .execute();
      return rows.map(fromDb);
    },

    async personDays(personId, from, to, siteIds) {
      if (siteIds !== undefined && siteIds.length === 0) return [];
      let q = selectDays().where('person_id', '=', personId).where('day', '>=', from).where('day', '<=', to);
      if (siteIds !== undefined) q = q.where('site_id', 'in', [...siteIds]);
      return (await q.orderBy('day').orderBy('site_id').execute()).map(fromDb);
    },

    async monthRows(siteId, month, after, limit) {
      let q = db
        .selectFrom('attendance_months')
        .select(['person_id', 'cells'])
        .where('site_id', '=', siteId)
        .where('month', '=', month);
      if (after !== undefined) q = q.where('person_id', '>', after);
      const rows = await q.orderBy('person_id').limit(limit).execute();
      return rows.map((r) => ({ siteId, personId: r.person_id, month, days: unpackCells(month, r.cells) }));
    },

    async groups(siteId, personIds, day) {
      const out = new Map<string, WorkerGroup & { covers: boolean; joinedOn: string }>();
      for (const part of chunk([...new Set(personIds)], perIn)) {
        const rows = await db
          .selectFrom('site_assignments')
          .select(['person_id', 'company', 'team', 'trade', 'joined_on', 'left_on'])
          .where('site_id', '=', siteId)
          .where('person_id', 'in', part)
          .execute();
        for (const r of rows) {
          const covers = r.joined_on <= day && (r.left_on === null || r.left_on >= day);
          const had = out.get(r.person_id);
          // The assignment covering the day wins; else the latest one on the site.
          if (had && (had.covers || (!covers && had.joinedOn >= r.joined_on))) continue;
          out.set(r.person_id, {
            personId: r.person_id,
            company: r.company,
            team: r.team,
            trade: r.trade,
            covers,
            joinedOn: r.joined_on,
          });
        }
      }
      return new Map(
        [...out].map(([id, g]) => [id, { personId: id, company: g.company, team: g.team, trade: g.trade }]),
      );
    },

    async countRows(siteId, from, to) {
      const r = await db
        .selectFrom('attendance_days')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('site_id', '=', siteId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

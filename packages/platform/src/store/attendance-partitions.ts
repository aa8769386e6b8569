/**
 * Attendance partitioned by month on PostgreSQL (issue 16): declarative range partitions
 * on record_time, one per China Standard Time calendar month (`attendance_m2026_12`:
 * the month a wage sheet covers), plus `attendance_default` for records outside every
 * partition (a device's backlog from before the oldest month). Old months can then be
 * detached, archived or dropped whole, and a month's queries touch one partition.
 *
 * - A new database's attendance table is made partitioned by migration 0024 while it is
 *   empty. An existing table with records is converted offline by `kaoqin store
 *   partition-attendance` (convert below): a copy, so every process must be stopped.
 * - The leader creates the current month's partition and the next ones ahead
 *   (ensureAhead, every hour): a month's records never wait for a partition.
 * - Keys: the primary key becomes (id, record_time) and the record key (device, person,
 *   time, type) already holds record_time, as PostgreSQL requires of a partitioned
 *   table's unique keys; every index of the table exists on each partition.
 * SQLite has no partitions: its implementation says so and does nothing.
 */
import { type Kysely, sql } from 'kysely';
import type { AttendancePartitions } from './attendance-partitions-types.js';
import type { Database } from './schema-types.js';

const CST_MS = 8 * 3_600_000;

/** Months made ahead of the current one (the migration, the leader's job, the conversion). */
export const PARTITION_MONTHS_AHEAD = 3;

/** 'YYYY-MM' of a CST instant. */
export function cstMonth(ms: number): string {
  return new Date(ms + CST_MS).toISOString().slice(0, 7);
}

/** [start, end) of a CST month in epoch ms. */
export function monthBounds(month: string): { start: number; end: number } {
  const start = Date.parse(`${month}-01T00:00:00+08:00`);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { start, end: Date.parse(`${next}-01T00:00:00+08:00`) };
}

export function monthsFrom(first: string, count: number): string[] {
  const out: string[] = [];
  let month = first;
  for (let i = 0; i < count; i++) {
    out.push(month);
    month = cstMonth(monthBounds(month).end);
  }
  return out;
}

/** Whole months from `from` to `to` ('YYYY-MM', to ≥ from). */
function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm);
}

const partitionName = (month: string) => `attendance_m${month.replace('-', '_')}`;

export const NO_PARTITIONS: AttendancePartitions = {
  partitioned: async () => false,
  list: async () => [],
  ensureAhead: async () => [],
  convert: async () => 0,
};

export function pgAttendancePartitions(db: Kysely<Database>): AttendancePartitions {
  const isPartitioned = async (q: Kysely<Database>) => {
    const r = await sql<{ kind: string }>`
      select c.relkind as kind from pg_class c
      where c.oid = to_regclass(current_schema() || '.attendance')`.execute(q);
    return r.rows[0]?.kind === 'p';
  };
  const createMonth = async (q: Kysely<Database>, month: string) => {
    const { start, end } = monthBounds(month);
    await sql`
      create table if not exists ${sql.id(partitionName(month))}
      partition of attendance for values from (${sql.lit(start)}) to (${sql.lit(end)})`.execute(q);
  };
  const existing = async (q: Kysely<Database>) => {
    const r = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      where i.inhparent = to_regclass(current_schema() || '.attendance')`.execute(q);
    return new Set(r.rows.map((x) => x.name));
  };

  return {
    partitioned: () => isPartitioned(db),

    async list() {
      const r = await sql<{ name: string; rows: number | string }>`
        select c.relname as name, greatest(c.reltuples, 0)::bigint as rows from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        where i.inhparent = to_regclass(current_schema() || '.attendance')
        order by c.relname`.execute(db);
      const out = r.rows.map((x) => ({
        name: x.name,
        month:
          x.name === 'attendance_default' ? 'default' : x.name.slice('attendance_m'.length).replace('_', '-'),
        rows: Number(x.rows),
      }));
      return [...out.filter((p) => p.month !== 'default'), ...out.filter((p) => p.month === 'default')];
    },

    async ensureAhead(now, ahead) {
      if (!(await isPartitioned(db))) return [];
      const have = await existing(db);
      const made: string[] = [];
      for (const month of monthsFrom(cstMonth(now), ahead + 1)) {
        if (have.has(partitionName(month))) continue;
        // Records of this month already in the default partition would make PostgreSQL
        // refuse the new partition: those stay where they are, and the month gets none.
        const { start, end } = monthBounds(month);
        const stray = await sql<{ n: number }>`
          select count(*)::int as n from attendance_default
          where record_time >= ${start} and record_time < ${end}`.execute(db);
        if ((stray.rows[0]?.n ?? 0) > 0) continue;
        await createMonth(db, month);
        made.push(partitionName(month));
      }
      return made;
    },

    async convert(now, ahead) {
      // Inside a migration the database is already a transaction (PostgreSQL's DDL is transactional).
      const inTransaction = <T>(work: (trx: Kysely<Database>) => Promise<T>) =>
        db.isTransaction ? work(db) : db.transaction().execute(work);
      return inTransaction(async (trx) => {
        if (await isPartitioned(trx)) return 0;
        await sql`lock table attendance in access exclusive mode`.execute(trx);
        await partitionTable(trx, now, ahead);
        const moved = await sql<{ n: number }>`
          with m as (insert into attendance select * from attendance_unpartitioned returning 1)
          select count(*)::int as n from m`.execute(trx);
        await sql`drop table attendance_unpartitioned`.execute(trx);
        return moved.rows[0]?.n ?? 0;
      });
    },
  };

  /**
   * Renames the plain table away and makes the partitioned one in its place, with the
   * same columns, keys and indexes, partitions from the oldest record's month to `ahead`
   * months after now's, and the default partition.
   */
  async function partitionTable(trx: Kysely<Database>, now: number, ahead: number): Promise<void> {
    // The plain table's indexes, to make again on the partitioned one (keys apart).
    const idx = await sql<{ name: string; def: string }>`
      select i.indexname as name, i.indexdef as def from pg_indexes i
      where i.schemaname = current_schema() and i.tablename = 'attendance'
        and i.indexname not in (
          select conname from pg_constraint where conrelid = to_regclass(current_schema() || '.attendance'))`.execute(
      trx,
    );
    const oldest = await sql<{ t: number | null }>`select min(record_time) as t from attendance`.execute(trx);
    await sql`alter table attendance rename to attendance_unpartitioned`.execute(trx);
    for (const { name } of idx.rows)
      await sql`alter index ${sql.id(name)} rename to ${sql.id(`${name}_old`)}`.execute(trx);
    await sql`alter table attendance_unpartitioned rename constraint attendance_pkey to attendance_pkey_old`.execute(
      trx,
    );
    await sql`alter table attendance_unpartitioned rename constraint attendance_record_key to attendance_record_key_old`.execute(
      trx,
    );
    await sql`
      create table attendance (like attendance_unpartitioned including defaults including constraints)
      partition by range (record_time)`.execute(trx);
    await sql`alter table attendance add constraint attendance_pkey primary key (id, record_time)`.execute(
      trx,
    );
    await sql`
      alter table attendance add constraint attendance_record_key
      unique (device_id, record_time, person_id, type)`.execute(trx);
    await sql`
      alter table attendance add constraint attendance_device_id_fkey
      foreign key (device_id) references devices (id)`.execute(trx);
    for (const { def } of idx.rows) {
      // Read before the rename: "CREATE INDEX name ON schema.attendance USING …", which
      // now makes the index on the partitioned table (the old one was renamed away).
      await sql.raw(def).execute(trx);
    }
    await sql`create table attendance_default partition of attendance default`.execute(trx);
    const first = cstMonth(Math.min(oldest.rows[0]?.t ?? now, now));
    for (const month of monthsFrom(first, monthsBetween(first, cstMonth(now)) + 1 + ahead))
      await createMonth(trx, month);
  }
}

/** Migration 0024's step: a new (empty) attendance table becomes partitioned at once. */
export async function partitionIfEmpty(db: Kysely<Database>, now: number, ahead: number): Promise<boolean> {
  const parts = pgAttendancePartitions(db);
  if (await parts.partitioned()) return false;
  const any = await sql`select 1 from attendance limit 1`.execute(db);
  if (any.rows.length > 0) return false;
  await parts.convert(now, ahead);
  return true;
}

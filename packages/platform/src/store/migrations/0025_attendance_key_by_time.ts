/**
 * D9's record key ordered (device_id, record_time, person_id, type), and the device index
 * (device_id, record_time, id) of migration 0012 dropped: the key now serves a device's
 * records by time, so each clock-in writes one B-tree fewer of those led by a random value
 * (issue 15). Measured on copies of a bench database (1,000-row batches, 19,000 devices,
 * synchronous=FULL): 6.7 MB of WAL a batch against 11.0 MB, 19,960–21,456 rows/s against
 * 13,671–16,277 (bench/README.md). What the key does not give a device's page is the order
 * of two records of one millisecond, which it keeps by person: the page sorts only such
 * ties by id (SQLite's "temp b-tree for last term of order by", PostgreSQL's incremental
 * sort), never the device's range.
 *
 * SQLite cannot change an inline constraint, so the table is rebuilt (its CREATE TABLE as
 * stored, with the new key; the rows copied; its other indexes made again from their own
 * stored SQL), in one transaction. PostgreSQL drops and adds the constraint, on every
 * partition. Either way the time is the table's size: docs/operations.md gives what one
 * million records took.
 */
import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

const KEY = 'attendance_record_key';
const KEY_COLUMNS = ['device_id', 'record_time', 'person_id', 'type'] as const;
const DROPPED_INDEX = 'attendance_device_time_id_idx';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (db.getExecutor().adapter instanceof PostgresAdapter) await rekeyPostgres(db);
    else await rekeySqlite(db);
  },
};

async function rekeyPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`alter table attendance drop constraint ${sql.id(KEY)}`.execute(db);
  await sql`alter table attendance add constraint ${sql.id(KEY)} unique (${sql.join(
    KEY_COLUMNS.map((c) => sql.id(c)),
  )})`.execute(db);
  await db.schema.dropIndex(DROPPED_INDEX).ifExists().execute();
}

/** The stored CREATE TABLE's record key clause, however it is quoted. */
const KEY_CLAUSE = /constraint\s+["`]?attendance_record_key["`]?\s+unique\s*\([^)]*\)/i;
const TABLE_NAME = /^create\s+table\s+["`]?attendance["`]?/i;

async function rekeySqlite(db: Kysely<unknown>): Promise<void> {
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'attendance'`.execute(db);
  const create = table.rows[0]?.sql;
  if (create === undefined || !KEY_CLAUSE.test(create) || !TABLE_NAME.test(create))
    throw new Error('attendance table: its record key clause was not found');
  const rekeyed = create
    .replace(KEY_CLAUSE, `constraint "${KEY}" unique (${KEY_COLUMNS.map((c) => `"${c}"`).join(', ')})`)
    .replace(TABLE_NAME, 'create table "attendance_rekeyed"');
  // Indexes and triggers with SQL of their own (autoindexes of the keys have none).
  const parts = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master
    where tbl_name = 'attendance' and type in ('index', 'trigger') and sql is not null`.execute(db);

  await db.transaction().execute(async (trx) => {
    await sql.raw(rekeyed).execute(trx);
    await sql`insert into attendance_rekeyed select * from attendance`.execute(trx);
    await sql`drop table attendance`.execute(trx);
    await sql`alter table attendance_rekeyed rename to attendance`.execute(trx);
    // Made after the copy: an index built over the rows at once is a sort, not a B-tree
    // insert per row.
    for (const p of parts.rows) if (p.name !== DROPPED_INDEX) await sql.raw(p.sql).execute(trx);
  });
}

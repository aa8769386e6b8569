/**
 * Migration 0025 on a table that holds records: the record key becomes (device_id,
 * record_time, person_id, type), the device index goes, and every record, every other
 * index and the foreign key stay. SQLite rebuilds the table; PostgreSQL re-makes the key,
 * on a plain table and on a partitioned one (on every partition).
 */
import { type Kysely, Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { TimeIds } from '../../src/ids.js';
import { attendanceRepo } from '../../src/store/attendance.js';
import type { Backend } from '../../src/store/dialect.js';
import type { AttendanceInput } from '../../src/store/index.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { Database } from '../../src/store/schema-types.js';
import { PG_URL } from '../helpers/pg.js';
import { scratchBackend } from '../helpers/scratch-backend.js';

const T0 = Date.parse('2026-03-02T08:00:00+08:00');

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Case {
  name: string;
  pg: boolean;
  /** The migration the records are written at; the table's state before 0025. */
  writtenAt: string;
  /** Puts back the key as a database made before 0025 had it (a partitioned one). */
  oldKey?: boolean;
}

const cases: Case[] = [
  { name: 'SQLite', pg: false, writtenAt: '0024_attendance_partitioned' },
  ...(PG_URL
    ? [
        // Records written before 0024: it leaves the table plain.
        { name: 'PostgreSQL, plain table', pg: true, writtenAt: '0023_blobs' },
        { name: 'PostgreSQL, partitioned', pg: true, writtenAt: '0024_attendance_partitioned', oldKey: true },
      ]
    : []),
];

async function open(pg: boolean): Promise<Backend> {
  const { backend, cleanup } = await scratchBackend(pg);
  cleanups.push(cleanup);
  return backend;
}

function record(n: number, over: Partial<AttendanceInput> = {}): AttendanceInput {
  return {
    deviceId: `d${n % 3}`,
    vendorId: 'v1',
    sn: `SN${n % 3}`,
    siteId: n % 2 ? 's1' : null,
    personId: `p${n % 5}`,
    recordTime: T0 + n * 1000,
    type: n % 4 === 0 ? 16 : 1,
    bitType: null,
    qrCodeInfo: null,
    photoKey: n % 2 ? 'ab'.repeat(32) : null,
    temperature: n % 3 ? 36.5 : null,
    irisInfo: null,
    longitude: 120.1,
    latitude: 30.2,
    realName: n % 7 !== 0,
    flags: n % 5 ? [] : ['unknown_person'],
    receivedAt: T0 + n * 1000 + 300,
    latencyMs: 300,
    ...over,
  };
}

/** Each index of attendance (the keys' too), with its columns in order. */
async function indexes(db: Kysely<Database>, pg: boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (pg) {
    const r = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes
      where schemaname = current_schema() and tablename = 'attendance'`.execute(db);
    for (const { name, def } of r.rows) out[name] = def.replace(/^.* USING btree /, '');
    return out;
  }
  const list = await sql<{ name: string }>`select name from pragma_index_list('attendance')`.execute(db);
  for (const { name } of list.rows) {
    const cols = await sql<{
      name: string;
    }>`select name from pragma_index_info(${name}) order by seqno`.execute(db);
    out[name] = `(${cols.rows.map((c) => c.name).join(', ')})`;
  }
  return out;
}

describe.each(cases)('migration 0025 on existing records ($name)', ({ pg, writtenAt, oldKey }) => {
  it('re-keys attendance by device and time, drops the device index, keeps every record and index', async () => {
    const backend = await open(pg);
    const { db, caps } = backend;
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      ...(caps.migrationSchema === undefined ? {} : { migrationTableSchema: caps.migrationSchema }),
    });
    expect((await migrator.migrateTo(writtenAt)).error).toBeUndefined();
    if (oldKey) {
      expect(
        (
          await sql<{ p: boolean }>`select exists (select 1 from pg_partitioned_table
            where partrelid = to_regclass(current_schema() || '.attendance')) as p`.execute(db)
        ).rows[0]!.p,
      ).toBe(true);
      await sql`alter table attendance drop constraint attendance_record_key`.execute(db);
      await sql`alter table attendance add constraint attendance_record_key
        unique (device_id, person_id, record_time, type)`.execute(db);
    }
    await sql`insert into vendors (id, name, access_id, access_key, secret_enc, secret_version, status, created_at, updated_at)
      values ('v1', 'v1', 'v1', 'v1', '', 1, 'active', 0, 0)`.execute(db);
    for (let d = 0; d < 3; d++)
      await sql`insert into devices (id, vendor_id, sn, site_id, disabled, registered_by, online, direction, created_at)
        values (${`d${d}`}, 'v1', ${`SN${d}`}, 's1', 0, 'operator', 0, 'both', 0)`.execute(db);
    const repo = attendanceRepo(db, caps, new TimeIds());
    const written = await repo.insertBatch(Array.from({ length: 40 }, (_, n) => record(n)));
    expect(written.every((o) => !o.duplicate)).toBe(true);

    const before = await indexes(db, pg);
    expect(Object.values(before)).toContain('(device_id, person_id, record_time, type)');
    expect(Object.keys(before)).toContain('attendance_device_time_id_idx');
    const rows = await sql`select * from attendance order by id`.execute(db);

    await migrateToLatest(backend);

    expect((await sql`select * from attendance order by id`.execute(db)).rows).toEqual(rows.rows);
    const after = await indexes(db, pg);
    const keyName = Object.keys(after).find((n) => after[n] === '(device_id, record_time, person_id, type)');
    expect(keyName, JSON.stringify(after)).toBeDefined();
    if (pg) {
      const def = await sql<{ def: string }>`select pg_get_constraintdef(oid) as def from pg_constraint
        where conname = 'attendance_record_key' and conrelid = to_regclass(current_schema() || '.attendance')`.execute(
        db,
      );
      expect(def.rows.map((r) => r.def)).toEqual(['UNIQUE (device_id, record_time, person_id, type)']);
    }
    // Everything else as it was: the device index gone, the old key replaced.
    const expected = { ...before };
    delete expected.attendance_device_time_id_idx;
    for (const n of Object.keys(expected))
      if (expected[n] === '(device_id, person_id, record_time, type)') delete expected[n];
    const rest = { ...after };
    delete rest[keyName!];
    if (pg) expect(rest).toEqual(expected);
    // SQLite names the keys' own indexes by their place in the rebuilt table.
    else expect(Object.values(rest).sort()).toEqual(Object.values(expected).sort());

    // The key still refuses a record sent twice, and takes a new one.
    const again = await repo.insertBatch([record(7), record(40)]);
    expect(again[0]).toEqual({ id: written[7]!.id, duplicate: true });
    expect(again[1]!.duplicate).toBe(false);
    // A device's records, newest first, ties in one millisecond by id.
    const tie = await repo.insertBatch([
      record(41, { deviceId: 'd0', personId: 'p9', recordTime: T0 + 100_000 }),
      record(42, { deviceId: 'd0', personId: 'p1', recordTime: T0 + 100_000 }),
    ]);
    // The key orders the two by person (p1 before p9); the page still orders them by id.
    const page = await repo.page({ deviceIds: ['d0'], limit: 3 });
    expect(page.map((r) => r.id)).toEqual([tie[1]!.id, tie[0]!.id, written[39]!.id]);
    if (!pg) {
      // The foreign key to devices came through the rebuild.
      await expect(repo.insertBatch([record(43, { deviceId: 'nope' })])).rejects.toThrow(/FOREIGN KEY/);
    }
    await db.destroy();
  });
});

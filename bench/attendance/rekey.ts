/**
 * npm run bench:attendance:rekey — how long migration 0025 (the record key re-ordered by
 * device and time, the device index dropped) holds an upgrade up on a table that already
 * holds records, on SQLite and, given a URL, PostgreSQL. Per store:
 *   1. generate: a database at migration 0024 with BENCH_RECORDS (1,000,000) clock-ins
 *      from 19,000 devices and 20,000 persons, through the store's own insertBatch
 *      (PostgreSQL: records written before 0024, so the table stays plain, as an older
 *      database's does; `kaoqin attendance partition` converts it afterwards);
 *   2. baseline: the same rows copied into a table with no key and no index
 *      (CREATE TABLE … AS SELECT), then dropped: what reading and writing the rows costs;
 *   3. the migration itself, to the latest.
 *
 * --database-url / BENCH_DATABASE_URL: postgres://… to run on PostgreSQL too (in a fresh
 * schema, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { TimeIds } from '../../packages/platform/src/ids.js';
import { attendanceRepo } from '../../packages/platform/src/store/attendance.js';
import type { Backend } from '../../packages/platform/src/store/dialect.js';
import type { AttendanceInput } from '../../packages/platform/src/store/index.js';
import { migrateToLatest } from '../../packages/platform/src/store/migrate.js';
import { migrationProvider } from '../../packages/platform/src/store/migrations/index.js';
import { openPostgres } from '../../packages/platform/src/store/postgres.js';
import { openSqlite } from '../../packages/platform/src/store/sqlite.js';
import { freshSchema, inSchema } from '../../packages/platform/test/helpers/pg.js';
import { progress } from '../lib/cli.js';
import { dec, int, type Row, ratio, table } from '../lib/table.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const DEVICES = 19_000;
const PERSONS = 20_000;
const BATCH = 1000;
const T0 = Date.parse('2026-11-01T07:00:00+08:00');

function argUrl(): string | undefined {
  const i = process.argv.indexOf('--database-url');
  return i >= 0 ? process.argv[i + 1] : process.env.BENCH_DATABASE_URL;
}

function record(n: number): AttendanceInput {
  const device = (n * 7919) % DEVICES;
  return {
    deviceId: `d${device}`,
    vendorId: 'v1',
    sn: `SN${device}`,
    siteId: `s${device % 200}`,
    personId: String(330_106_199_001_010_000n + BigInt((n * 104_729) % PERSONS)),
    // Spread over a month, every device's records in time order.
    recordTime: T0 + Math.floor((n / RECORDS) * 30 * 86_400_000),
    type: n % 9 === 0 ? 16 : 1,
    bitType: null,
    qrCodeInfo: null,
    photoKey: n % 2 ? (n * 2_654_435_761).toString(16).padStart(64, '0').slice(-64) : null,
    temperature: 36.5,
    irisInfo: null,
    longitude: null,
    latitude: null,
    realName: true,
    flags: [],
    receivedAt: T0 + n,
    latencyMs: 300,
  };
}

async function measure(name: string, backend: Backend): Promise<Row[]> {
  const { db, caps } = backend;
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(caps.migrationSchema === undefined ? {} : { migrationTableSchema: caps.migrationSchema }),
  });
  const before = caps.dialect === 'postgres' ? '0023_blobs' : '0024_attendance_partitioned';
  const to = await migrator.migrateTo(before);
  if (to.error) throw to.error;
  await sql`insert into vendors (id, name, access_id, access_key, secret_enc, secret_version, status, created_at, updated_at)
    values ('v1', 'v1', 'v1', 'v1', '', 1, 'active', 0, 0)`.execute(db);
  for (let d = 0; d < DEVICES; d += 1000) {
    const rows = Array.from({ length: Math.min(1000, DEVICES - d) }, (_, k) => ({
      id: `d${d + k}`,
      vendor_id: 'v1',
      sn: `SN${d + k}`,
      site_id: `s${(d + k) % 200}`,
      disabled: 0,
      registered_by: 'operator',
      online: 0,
      direction: 'both',
      created_at: 0,
    }));
    // Columns as of the migration the records are written at: raw, not the latest types.
    await sql`insert into devices (id, vendor_id, sn, site_id, disabled, registered_by, online, direction, created_at)
      values ${sql.join(rows.map((r) => sql`(${r.id}, ${r.vendor_id}, ${r.sn}, ${r.site_id}, ${r.disabled}, ${r.registered_by}, ${r.online}, ${r.direction}, ${r.created_at})`))}`.execute(
      db,
    );
  }
  const repo = attendanceRepo(db, caps, new TimeIds());
  for (let n = 0; n < RECORDS; n += BATCH) {
    await repo.insertBatch(Array.from({ length: Math.min(BATCH, RECORDS - n) }, (_, k) => record(n + k)));
    if ((n + BATCH) % 200_000 === 0) progress(`${name}: ${int.format(n + BATCH)} clock-ins written`);
  }

  progress(`${name}: baseline copy`);
  let t = performance.now();
  await sql`create table attendance_copy as select * from attendance`.execute(db);
  const copyMs = performance.now() - t;
  await sql`drop table attendance_copy`.execute(db);

  progress(`${name}: migration 0025`);
  t = performance.now();
  await migrateToLatest(backend);
  const migrateMs = performance.now() - t;
  const n = await sql<{ n: number }>`select count(*) as n from attendance`.execute(db);
  if (Number(n.rows[0]!.n) !== RECORDS)
    throw new Error(`${name}: ${n.rows[0]!.n} records after the migration`);

  const s = (ms: number) => `${dec(1).format(ms / 1000)} s`;
  return [
    [
      `${name}: migration 0025, ${int.format(RECORDS)} records`,
      s(migrateMs),
      `copy ${s(copyMs)}`,
      ratio(migrateMs, copyMs),
      '',
      '',
    ],
  ];
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kaoqin-rekey-'));
try {
  const b = openSqlite(dir);
  try {
    rows.push(...(await measure('SQLite', b)));
  } finally {
    await b.db.destroy();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const url = argUrl();
if (url) {
  const s = await freshSchema(url);
  try {
    const b = await openPostgres(inSchema(url, s.schema));
    try {
      rows.push(...(await measure('PostgreSQL', b)));
    } finally {
      await b.db.destroy();
    }
  } finally {
    await s.drop();
  }
}
console.log(table(rows));
console.log(
  '\nbaseline: the same records copied into a table with no key and no index (CREATE TABLE … AS SELECT).',
);

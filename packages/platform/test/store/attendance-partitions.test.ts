/**
 * Attendance partitioned by CST month on PostgreSQL (store/attendance-partitions.ts):
 * - a new database's table is partitioned from the start: this month and three ahead,
 *   and a default partition; each record lands in its month's partition (the default
 *   for a month without one), and a record sent twice is still stored once;
 * - the leader's job makes months as time goes on, idempotently, and never a month
 *   whose records already sit in the default partition;
 * - a plain table that holds records (a database from before partitioning) is converted
 *   offline with every record, key and index, and the store reads and dedupes as before.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/domain/secrets.js';
import { cstMonth, monthBounds } from '../../src/store/attendance-partitions.js';
import { openStore, type Store } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { admin, freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { kaoqin, serve } from '../helpers/process.js';
import { attendanceInput, insertDevice, insertVendor } from '../helpers/store-rows.js';

if (!PG_URL) {
  if (SERVICES_REQUIRED)
    it('requires PostgreSQL', () => expect.fail(`the partition tests are required here: ${PG_HOW}`));
  else console.warn(`attendance partitions skipped: ${PG_HOW}`);
}

const where = async (url: string, id: string) =>
  (
    await admin(url, (c) =>
      c.query<{ part: string }>('select tableoid::regclass::text as part from attendance where id = $1', [
        id,
      ]),
    )
  ).rows[0]?.part;

/** The master key the command-line test's processes are given. */
const MASTER_KEY = Buffer.alloc(32, 3);

async function device(store: Store) {
  // A secret sealed with MASTER_KEY, so a platform on a copy of this store can read it.
  const v = await insertVendor(store, { secretEnc: new SecretBox(MASTER_KEY).seal('s'.repeat(32)) });
  return insertDevice(store, v.id, null);
}

/**
 * A database from before partitioning, with records: records made by a store of today
 * (schema A), copied into schema B migrated only up to 0023 (a plain attendance table).
 */
async function plainWithRecords(now: number) {
  const [sa, sb] = [await freshSchema(PG_URL!), await freshSchema(PG_URL!)];
  const urlB = inSchema(PG_URL!, sb.schema);
  const a = await openStore({ dataDir: tmpdir(), databaseUrl: inSchema(PG_URL!, sa.schema) });
  const d = await device(a);
  const inputs = [0, 1, 2, 40, 41, 400].map((days) =>
    attendanceInput(d, { personId: `p${days}`, recordTime: now - days * 86_400_000 }),
  );
  const ids = (await a.attendance.insertBatch(inputs)).map((o) => o.id).sort();
  await a.close();
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: urlB }) }),
  });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableSchema: sb.schema,
  });
  expect((await migrator.migrateTo('0023_blobs')).error).toBeUndefined();
  await db.destroy();
  await admin(PG_URL!, async (c) => {
    for (const t of ['vendors', 'devices', 'attendance'])
      await c.query(`insert into ${sb.schema}.${t} select * from ${sa.schema}.${t}`);
  });
  await sa.drop();
  return { url: urlB, ids, inputs, drop: sb.drop };
}

describe.runIf(PG_URL)('attendance partitioned by month (PostgreSQL)', () => {
  it('partitions a new database, puts each record in its month, dedupes, and makes months ahead', async () => {
    const s = await freshSchema(PG_URL!);
    const url = inSchema(PG_URL!, s.schema);
    const store = await openStore({ dataDir: tmpdir(), databaseUrl: url });
    try {
      expect(await store.partitions.partitioned()).toBe(true);
      const now = Date.now();
      const months = (await store.partitions.list()).map((p) => p.month);
      const thisMonth = cstMonth(now);
      expect(months[0]).toBe(thisMonth);
      expect(months).toHaveLength(5);
      expect(months.at(-1)).toBe('default');

      const d = await device(store);
      const nextMonth = months[1]!;
      const [a, b, old] = await store.attendance.insertBatch([
        attendanceInput(d, { personId: 'p1', recordTime: now }),
        attendanceInput(d, { personId: 'p1', recordTime: monthBounds(nextMonth).start + 5 }),
        attendanceInput(d, { personId: 'p1', recordTime: now - 3 * 365 * 86_400_000 }),
      ]);
      expect(await where(url, a!.id)).toBe(`attendance_m${thisMonth.replace('-', '_')}`);
      expect(await where(url, b!.id)).toBe(`attendance_m${nextMonth.replace('-', '_')}`);
      expect(await where(url, old!.id)).toBe('attendance_default');
      const [again] = await store.attendance.insertBatch([
        attendanceInput(d, { personId: 'p1', recordTime: now }),
      ]);
      expect(again).toEqual({ id: a!.id, duplicate: true });

      // A year on: the job makes that month and three ahead, once.
      const later = monthBounds(months[3]!).start + 300 * 86_400_000;
      const made = await store.partitions.ensureAhead(later, 3);
      expect(made).toHaveLength(4);
      expect(await store.partitions.ensureAhead(later, 3)).toEqual([]);
      // A month whose records wait in the default partition gets none (PostgreSQL would refuse it).
      const oldMonth = cstMonth(now - 3 * 365 * 86_400_000);
      expect(await store.partitions.ensureAhead(monthBounds(oldMonth).start, 0)).toEqual([]);
    } finally {
      await store.close();
      await s.drop();
    }
  });

  it('converts a plain table that holds records, keeping every record, key and index', async () => {
    const now = Date.now();
    const { url: urlB, ids, inputs, drop } = await plainWithRecords(now);
    try {
      const b = await openStore({ dataDir: tmpdir(), databaseUrl: urlB });
      try {
        expect(await b.partitions.partitioned()).toBe(false); // 0024 leaves a table with records alone
        expect(await b.partitions.convert(now, 3)).toBe(6);
        expect(await b.partitions.partitioned()).toBe(true);
        expect(await b.partitions.convert(now, 3)).toBe(0);
        const months = (await b.partitions.list()).map((p) => p.month);
        expect(months[0]).toBe(cstMonth(now - 400 * 86_400_000));
        expect(months).toContain(cstMonth(now));
        const rows = await b.attendance.list({ limit: 100 });
        expect(rows.map((r) => r.id).sort()).toEqual(ids);
        // The record key still dedupes; the indexes are there on every partition.
        const [dup] = await b.attendance.insertBatch([inputs[3]!]);
        expect(dup!.duplicate).toBe(true);
        const idx = await admin(urlB, (c) =>
          c.query<{ n: number }>(
            `select count(*)::int as n from pg_indexes where schemaname = current_schema()
             and tablename = $1`,
            [`attendance_m${cstMonth(now).replace('-', '_')}`],
          ),
        );
        const parent = await admin(urlB, (c) =>
          c.query<{ n: number }>(
            "select count(*)::int as n from pg_indexes where schemaname = current_schema() and tablename = 'attendance'",
          ),
        );
        expect(idx.rows[0]!.n).toBe(parent.rows[0]!.n);
        // The two keys, and the site, person, time and photo indexes (migrations 0012, 0025).
        expect(parent.rows[0]!.n).toBe(6);
      } finally {
        await b.close();
      }
    } finally {
      await drop();
    }
  });

  it('converts from the command line, and refuses while a serve process runs on the database', {
    timeout: 60_000,
  }, async () => {
    const now = Date.now();
    const { url, ids, drop } = await plainWithRecords(now);
    const env = { KAOQIN_DATABASE_URL: url, KAOQIN_MASTER_KEY: MASTER_KEY.toString('base64') };
    const dataDir = tmpdir();
    try {
      const done = await kaoqin(['attendance', 'partition', '--json', '--data-dir', dataDir], env);
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout).moved).toBe(ids.length);
      const listed = await kaoqin(['attendance', 'partitions', '--json', '--data-dir', dataDir], env);
      expect(JSON.parse(listed.stdout).partitioned).toBe(true);

      const s = await serve(['--data-dir', await mkdtemp(join(tmpdir(), 'kaoqin-part-'))], env);
      try {
        const refused = await kaoqin(['attendance', 'partition', '--data-dir', dataDir], env);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain('stop every process');
      } finally {
        s.child.kill('SIGTERM');
        await s.exited;
      }
    } finally {
      await drop();
    }
  });
});

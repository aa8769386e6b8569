/**
 * The SQLite ingest path (attendance-sqlite.ts), both ways it runs: by default on the
 * write thread's own connection (sqlite-write-thread.ts, synchronous=FULL there), and
 * on the event loop (the thread turned off, or dead), where a batch commits with
 * synchronous=NORMAL and the WAL is synced before answering. Either way the store's
 * connection stays at FULL for every other writer, whether the batch went in or failed,
 * and the answer comes only once another connection sees the rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeIds } from '../../src/ids.js';
import { attendanceRepo } from '../../src/store/attendance.js';
import type { Backend, SqliteWal } from '../../src/store/dialect.js';
import type { AttendanceRepo } from '../../src/store/index.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { attendanceInput, type RecordDevice } from '../helpers/store-rows.js';

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);

describe.each([
  { name: 'on the write thread', writeThread: true },
  { name: 'on the event loop, the WAL synced off it', writeThread: false },
])('attendance.insertBatch on SQLite, $name', ({ writeThread }) => {
  let dir: string;
  let dataDir: string;
  let b: Backend;
  let wal: SqliteWal;
  let repo: AttendanceRepo;
  const d: RecordDevice = { id: 'd1', vendorId: 'v1', sn: 'SN1', siteId: null };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-att-sqlite-'));
    dataDir = join(dir, 'data');
    b = openSqlite(dataDir, undefined, { writeThread });
    expect(b.sqliteWal!.writer !== undefined).toBe(writeThread);
    await migrateToLatest(b);
    wal = b.sqliteWal!;
    repo = attendanceRepo(b.db, b.caps, new TimeIds(), wal);
    await sql`insert into vendors (id, name, access_id, access_key, secret_enc, secret_version, status, created_at, updated_at)
              values ('v1', 'v1', 'v1', 'v1', '', 1, 'active', 0, 0)`.execute(b.db);
    await sql`insert into devices (id, vendor_id, sn, site_id, disabled, registered_by, online, direction, created_at)
              values ('d1', 'v1', 'SN1', null, 0, 'operator', 0, 'both', 0)`.execute(b.db);
  });

  afterEach(async () => {
    await b.db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  /** synchronous as the store's own connection has it (each connection has its own). */
  const synchronous = (): unknown => wal.conn.pragma('synchronous', { simple: true });
  const count = (): unknown => wal.conn.prepare('select count(*) from attendance').pluck().get();

  it('leaves the connection at synchronous=FULL after a batch, and after a batch that fails', async () => {
    expect(synchronous()).toBe(2);
    const out = await repo.insertBatch([attendanceInput(d, { personId: 'p1', recordTime: T0 })]);
    expect(out[0]!.duplicate).toBe(false);
    expect(synchronous()).toBe(2);

    // A device that does not exist: the foreign key fails the whole batch.
    const ghost = { ...d, id: 'no-such-device' };
    await expect(
      repo.insertBatch([
        attendanceInput(d, { personId: 'p2', recordTime: T0 }),
        attendanceInput(ghost, { personId: 'p3', recordTime: T0 }),
      ]),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(synchronous()).toBe(2);
    // Nothing of the failed batch went in; the store still takes the next one.
    expect(count()).toBe(1);
    const again = await repo.insertBatch([attendanceInput(d, { personId: 'p2', recordTime: T0 })]);
    expect(again[0]!.duplicate).toBe(false);
  });

  it('answers after the rows are in the WAL and another connection sees them', async () => {
    const batch = Array.from({ length: 300 }, (_, i) =>
      attendanceInput(d, { personId: `p${i}`, recordTime: T0 + i }),
    );
    const [a, b] = await Promise.all([
      repo.insertBatch(batch.slice(0, 200)),
      repo.insertBatch([...batch.slice(150), batch[0]!]),
    ]);
    expect(a.every((o) => !o.duplicate)).toBe(true);
    // The overlap (150…199, and the first record) comes back as duplicates with the first ids.
    expect(b.slice(0, 50)).toEqual(a.slice(150).map((o) => ({ id: o.id, duplicate: true })));
    expect(b.slice(50, 150).every((o) => !o.duplicate)).toBe(true);
    expect(b[150]).toEqual({ id: a[0]!.id, duplicate: true });
    const other = new Database(join(dataDir, 'kaoqin.db'), { readonly: true });
    try {
      expect(other.prepare('select count(*) from attendance').pluck().get()).toBe(300);
    } finally {
      other.close();
    }
  });

  it.runIf(writeThread)('writes on the event loop once the write thread is gone', async () => {
    const first = await repo.insertBatch([attendanceInput(d, { personId: 'p1', recordTime: T0 })]);
    await wal.writer!.close();
    expect(wal.writer!.alive).toBe(false);
    const out = await repo.insertBatch([
      attendanceInput(d, { personId: 'p1', recordTime: T0 }),
      attendanceInput(d, { personId: 'p2', recordTime: T0 }),
    ]);
    expect(out[0]).toEqual({ id: first[0]!.id, duplicate: true });
    expect(out[1]!.duplicate).toBe(false);
    expect(count()).toBe(2);
    expect(synchronous()).toBe(2);
  });

  it.runIf(writeThread)(
    'a write thread killed mid-batch answers nothing for it, keeps none of it, and the store goes on',
    async () => {
      // Big enough that the thread is still inserting when it is killed at 150 ms: the whole
      // batch takes ~750 ms here (measured), and a machine that commits it before the kill
      // fails the test loudly ('acked'), never passes it by accident.
      const batch = Array.from({ length: 50_000 }, (_, i) =>
        attendanceInput(d, { personId: `p${i}`, recordTime: T0 + i }),
      );
      const pending = repo.insertBatch(batch);
      const settled = pending.then(
        () => 'acked',
        () => 'refused',
      );
      await new Promise((r) => setTimeout(r, 150));
      await wal.writer!.terminate();
      expect(await settled).toBe('refused');
      expect(wal.writer!.alive).toBe(false);
      // The transaction died uncommitted: none of its rows, and no lock left behind.
      expect(count()).toBe(0);
      const out = await repo.insertBatch(batch.slice(0, 3));
      expect(out.every((o) => !o.duplicate)).toBe(true);
      expect(count()).toBe(3);
    },
    30_000,
  );
});

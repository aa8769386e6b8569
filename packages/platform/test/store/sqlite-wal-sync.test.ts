import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { WalSync, WalSyncSqliteDialect } from '../../src/store/sqlite-wal-sync.js';

interface Db {
  t: { id: number; v: string };
}

/** Records each fdatasync, and can be told to fail like a dying disk. */
class CountingWalSync extends WalSync {
  calls = 0;
  fail = false;
  override async sync(): Promise<void> {
    this.calls++;
    if (this.fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await super.sync();
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(): Promise<{ db: Kysely<Db>; wal: CountingWalSync }> {
  const dir = mkdtempSync(join(tmpdir(), 'kaoqin-walsync-'));
  dirs.push(dir);
  const file = join(dir, 'x.db');
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const wal = new CountingWalSync(file);
  const db = new Kysely<Db>({ dialect: new WalSyncSqliteDialect({ database: raw }, raw, wal) });
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`.execute(db);
  wal.calls = 0;
  return { db, wal };
}

describe('SQLite writes resolve after an fdatasync of the WAL (synchronous=NORMAL + our own sync)', () => {
  it('syncs after an autocommit write and once per transaction, at its COMMIT; never for a SELECT', async () => {
    const { db, wal } = await open();
    try {
      await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
      expect(wal.calls).toBe(1);
      await db.transaction().execute(async (trx) => {
        for (let i = 2; i <= 4; i++) await trx.insertInto('t').values({ id: i, v: 'b' }).execute();
        expect(wal.calls).toBe(1); // nothing synced inside the transaction
      });
      expect(wal.calls).toBe(2);
      await db.selectFrom('t').selectAll().execute();
      expect(wal.calls).toBe(2);
    } finally {
      await db.destroy();
    }
  });

  it('rejects the write when the sync fails, so nothing is acknowledged that may not be on disk', async () => {
    const { db, wal } = await open();
    try {
      wal.fail = true;
      await expect(db.insertInto('t').values({ id: 1, v: 'a' }).execute()).rejects.toThrow(/EIO/);
      await expect(
        db.transaction().execute((trx) => trx.insertInto('t').values({ id: 2, v: 'b' }).execute()),
      ).rejects.toThrow(/EIO/);
    } finally {
      await db.destroy();
    }
  });
});

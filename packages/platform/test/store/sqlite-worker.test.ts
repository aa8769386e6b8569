/**
 * The SQLite worker thread behind the store (src/store/sqlite-worker/): what the shared
 * suite cannot see. The main thread stays free while SQLite works, a connection's user
 * has it alone, closing lets queued queries finish, and a dead thread fails its queries.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/store/index.js';
import { SqliteWorkerDialect } from '../../src/store/sqlite-worker/driver.js';
import { SqliteThread } from '../../src/store/sqlite-worker/thread.js';

/** A SELECT that keeps SQLite busy for a while (tens of ms or more). */
const SLOW = sql<{
  n: number;
}>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000000) select count(*) as n from c`;

describe('Store: SQLite worker thread', () => {
  let dir: string;
  let n = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-sqlite-worker-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ file: string; thread: SqliteThread; db: Kysely<Record<string, never>> }> {
    const file = join(dir, `t${n++}.db`);
    const { thread, opened } = await SqliteThread.open(file);
    expect(opened.journalMode).toBe('wal');
    const db = new Kysely<Record<string, never>>({ dialect: new SqliteWorkerDialect(thread) });
    await sql`create table t (x integer primary key, note text)`.execute(db);
    return { file, thread, db };
  }

  it('applies the durability pragmas in the thread', async () => {
    const { db } = await open();
    const pragma = async (name: string) =>
      (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0];
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await pragma('synchronous')).toEqual({ synchronous: 2 }); // FULL
    expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
    await db.destroy();
  });

  it('leaves the main thread free while SQLite works', async () => {
    const { db } = await open();
    let ticked = false;
    const timer = setTimeout(() => {
      ticked = true;
    }, 1);
    const { rows } = await SLOW.execute(db);
    clearTimeout(timer);
    expect(rows).toEqual([{ n: 1_000_000 }]);
    expect(ticked).toBe(true);
    await db.destroy();
  });

  it('returns affected rows and insert ids, and SQLite errors with their code', async () => {
    const { db } = await open();
    const inserted = await sql`insert into t (x, note) values (7, 'a'), (8, 'b')`.execute(db);
    expect(inserted.numAffectedRows).toBe(2n);
    expect(inserted.insertId).toBe(8n);
    const err = await sql`insert into t (x) values (7)`.execute(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'SqliteError', code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(isUniqueViolation(err)).toBe(true);
    await expect(sql`selec 1`.execute(db)).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    await db.destroy();
  });

  it('gives a transaction the connection alone: a query made meanwhile waits and survives its rollback', async () => {
    const { db } = await open();
    let outside: Promise<unknown> | undefined;
    const failed = db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into t (x, note) values (1, 'in the transaction')`.execute(trx);
        outside = sql`insert into t (x, note) values (2, 'outside')`.execute(db);
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('roll back');
      })
      .catch((e: unknown) => e);
    expect(await failed).toMatchObject({ message: 'roll back' });
    await outside;
    expect((await sql`select x from t order by x`.execute(db)).rows).toEqual([{ x: 2 }]);
    await db.destroy();
  });

  it('closes after the queries already made have finished, then refuses new ones', async () => {
    const { db, file, thread } = await open();
    const writes = Array.from({ length: 20 }, (_, i) =>
      db.transaction().execute((trx) => sql`insert into t (x) values (${i})`.execute(trx)),
    );
    const slow = SLOW.execute(db);
    await db.destroy();
    await expect(Promise.all(writes)).resolves.toHaveLength(20);
    await expect(slow).resolves.toMatchObject({ rows: [{ n: 1_000_000 }] });
    await expect(thread.query('select 1', [])).rejects.toThrow(/SQLite store is closed/);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('select count(*) as n from t').get()).toEqual({ n: 20 });
    check.close();
  });

  it('fails queries in flight and later ones, rather than hang, when the thread dies', async () => {
    const { db, thread } = await open();
    const inFlight = SLOW.execute(db);
    const queued = sql`insert into t (x) values (1)`.execute(db);
    await new Promise((r) => setTimeout(r, 5));
    await thread.terminate();
    await expect(inFlight).rejects.toThrow(/SQLite worker thread exited .* before answering/);
    await expect(queued).rejects.toThrow(/SQLite worker thread exited/);
    await expect(sql`select 1`.execute(db)).rejects.toThrow(/SQLite worker thread exited/);
    await expect(db.destroy()).resolves.toBeUndefined();
  });

  it('reports a file it cannot open with the error better-sqlite3 gave', async () => {
    await expect(SqliteThread.open(join(dir, 'no-such-dir', 'x.db'))).rejects.toMatchObject({
      name: 'TypeError',
      message: expect.stringMatching(/directory does not exist/),
    });
  });
});

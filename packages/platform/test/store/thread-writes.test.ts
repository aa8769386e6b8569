/**
 * Background flushes (presence, device events) written through writeAll: on SQLite's write
 * thread by default, on the store's connection when the thread is off or gone. Either way
 * a flush is one transaction (all of its statements or none), durable before it resolves,
 * and seen by the store's own connection afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { writeAll } from '../../src/store/thread-writes.js';

describe.each([
  { name: 'on the write thread', writeThread: true },
  { name: 'on the store connection', writeThread: false },
])('writeAll on SQLite, $name', ({ writeThread }) => {
  let dir: string;
  let b: Backend;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-thread-writes-'));
    b = openSqlite(join(dir, 'data'), undefined, { writeThread });
    expect(b.sqliteWal!.writer !== undefined).toBe(writeThread);
    await migrateToLatest(b);
    await sql`insert into vendors (id, name, access_id, access_key, secret_enc, secret_version, status, created_at, updated_at)
              values ('v1', 'v1', 'v1', 'v1', '', 1, 'active', 0, 0)`.execute(b.db);
  });

  afterEach(async () => {
    await b.beforeClose?.();
    await b.db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const device = (id: string) =>
    sql`insert into devices (id, vendor_id, sn, site_id, disabled, registered_by, online, direction, created_at)
        values (${id}, 'v1', ${id}, null, 0, 'operator', 0, 'both', 0)`.compile(b.db);
  const ids = async (): Promise<string[]> =>
    (await b.db.selectFrom('devices').select('id').orderBy('id').execute()).map((r) => r.id);

  it('writes every statement of a flush, in order, and the store reads them afterwards', async () => {
    const write = writeAll(b.db, b.sqliteWal?.writer);
    await write([
      device('d1'),
      device('d2'),
      b.db.updateTable('devices').set({ online: 1 }).where('id', '=', 'd2').compile(),
    ]);
    expect(await ids()).toEqual(['d1', 'd2']);
    const online = await b.db
      .selectFrom('devices')
      .select('online')
      .where('id', '=', 'd2')
      .executeTakeFirst();
    expect(online?.online).toBe(1);
  });

  it('writes none of a flush whose statement fails, and reports the SQLite error', async () => {
    const write = writeAll(b.db, b.sqliteWal?.writer);
    await expect(write([device('d1'), device('d1')])).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE', // a text primary key is a unique index
    });
    expect(await ids()).toEqual([]);
    await write([device('d3')]);
    expect(await ids()).toEqual(['d3']);
  });

  it.runIf(writeThread)('writes on the store connection once the thread is gone', async () => {
    const write = writeAll(b.db, b.sqliteWal?.writer);
    await b.sqliteWal!.writer!.close();
    await write([device('d4')]);
    expect(await ids()).toEqual(['d4']);
  });
});

/**
 * The SQLite store checkpoints its WAL on a thread: the write thread (sqlite-write-thread.ts)
 * by default, else one of its own (sqlite-checkpointer.ts):
 * its own connection only checkpoints as a safety net, the thread copies committed pages
 * into the database file meanwhile, and closing the store ends the thread.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, SQLITE_FILE } from '../../src/store/sqlite.js';
import { SAFETY_NET_PAGES } from '../../src/store/sqlite-checkpointer.js';

describe('SQLite WAL checkpoints on their own thread', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-ckpt-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { by: 'the write thread', writeThread: true },
    { by: 'a thread of their own', writeThread: false },
  ])('leaves commits to the WAL and copies them into the database file from $by', async ({ writeThread }) => {
    const b = openSqlite(dir, undefined, { writeThread });
    try {
      const conn = b.sqliteWal!.conn;
      expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
      conn.exec('CREATE TABLE filler (x TEXT)');
      const before = (await stat(join(dir, SQLITE_FILE))).size;
      // About 2 MB of pages: well under the safety net, so only the thread can have copied them.
      const add = conn.prepare('INSERT INTO filler VALUES (?)');
      conn.transaction(() => {
        for (let i = 0; i < 2000; i++) add.run('x'.repeat(1000));
      })();
      let grown = before;
      // Bounded: polls for at most 10 s (the thread checkpoints every 200 ms).
      for (let i = 0; i < 100 && grown < before + 1_000_000; i++) {
        await new Promise((r) => setTimeout(r, 100));
        grown = (await stat(join(dir, SQLITE_FILE))).size;
      }
      expect(grown).toBeGreaterThan(before + 1_000_000);
    } finally {
      await b.db.destroy();
    }
  });

  it('checkpoints inside commits, as SQLite does, when the thread is turned off', async () => {
    const b = openSqlite(dir, undefined, { checkpointThread: false });
    try {
      expect(b.sqliteWal!.conn.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      await b.db.destroy();
    }
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/store/sqlite-checkpoint.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writeRows(db: Database.Database, n: number): void {
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) ins.run('x'.repeat(500));
  })();
}

describe('SQLite WAL checkpoints from a worker thread', () => {
  it('copies the WAL back while the writer has automatic checkpoints off, so the WAL restarts instead of growing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaoqin-ckpt-'));
    dirs.push(dir);
    const file = join(dir, 'x.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    writeRows(db, 20_000); // ~10 MB of WAL that no commit will checkpoint
    const walAfterFirst = statSync(`${file}-wal`).size;
    expect(walAfterFirst).toBeGreaterThan(5_000_000);

    const ckpt = startCheckpointer(file, 20);
    try {
      await expect
        .poll(() => ckpt.stats.log > 0 && ckpt.stats.checkpointed === ckpt.stats.log, { timeout: 10_000 })
        .toBe(true);
      // The next writes start the WAL over from its beginning rather than appending.
      for (let i = 0; i < 5; i++) {
        writeRows(db, 4_000);
        await sleep(150); // the worker catches up meanwhile
      }
      expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(walAfterFirst);
      expect(ckpt.stats.errors).toBe(0);
    } finally {
      await ckpt.stop();
      db.close();
    }
    // Every row is in the database file once the WAL is gone.
    const check = new Database(file, { readonly: true });
    expect((check.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(40_000);
    check.close();
  });
});

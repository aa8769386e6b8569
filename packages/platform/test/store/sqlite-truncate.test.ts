/**
 * An erasure's WAL truncate completes even while another connection checkpoints: SQLite
 * answers busy = 1 (no busy handler) when its checkpoint lock is taken, and the store's
 * own threads take it every 200 ms. A CI run once found an erased name still in both files.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { tempDir } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { openSqlite, SQLITE_FILE } from '../../src/store/sqlite.js';
import { type CheckpointResult, truncateWal, untilTruncated } from '../../src/store/sqlite-truncate.js';

/** A second connection that checkpoints in a tight loop until told to stop. */
const HAMMER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
let stop = false;
parentPort.on('message', () => { stop = true; });
const loop = () => {
  const until = Date.now() + 20;
  while (Date.now() < until) db.pragma('wal_checkpoint(PASSIVE)');
  if (stop) { db.close(); parentPort.close(); } else setImmediate(loop);
};
parentPort.postMessage('ready');
loop();
`;

describe('the WAL truncate of an erasure', () => {
  it('retries a checkpoint that reports busy, and gives up with an error after its deadline', async () => {
    const answers: CheckpointResult[] = [
      { busy: 1, log: 40, checkpointed: 12 },
      { busy: 1, log: 40, checkpointed: 40 },
      { busy: 0, log: 0, checkpointed: 0 },
    ];
    let calls = 0;
    expect(await untilTruncated(async () => answers[calls++], { pauseMs: 1 })).toBe(3);
    expect(calls).toBe(3);

    await expect(
      untilTruncated(async () => ({ busy: 1, log: 5, checkpointed: 5 }), { deadlineMs: 30, pauseMs: 1 }),
    ).rejects.toThrow(/did not complete in 30 ms/);
  });

  it('leaves an empty log after every write, against a second connection holding the checkpoint lock most of the time', async () => {
    const { dir, remove } = await tempDir('kaoqin-truncate-');
    const b = openSqlite(dir);
    const file = join(dir, SQLITE_FILE);
    const hammer = new Worker(HAMMER, {
      eval: true,
      workerData: { file, module: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    try {
      await new Promise((resolve) => hammer.once('message', resolve));
      const conn = b.sqliteWal!.conn;
      conn.exec('CREATE TABLE secrets (x TEXT)');
      const add = conn.prepare('INSERT INTO secrets VALUES (?)');
      let retried = 0;
      for (let i = 0; i < 40; i++) {
        conn.transaction(() => {
          for (let j = 0; j < 50; j++) add.run(`secret ${i}.${j} `.repeat(40));
        })();
        const tries = await truncateWal(b.db);
        if (tries > 1) retried++;
        expect((await stat(`${file}-wal`)).size).toBe(0);
      }
      // The contention is real: without the retries these truncates would have failed.
      expect(retried).toBeGreaterThan(0);
    } finally {
      hammer.postMessage('stop');
      await new Promise((resolve) => hammer.once('exit', resolve));
      await b.db.destroy();
      await remove();
    }
  });
});

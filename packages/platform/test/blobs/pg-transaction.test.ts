/**
 * inTransaction (src/blobs/pg-transaction.ts), on a real PostgreSQL: what it commits,
 * what it rolls back, and a session killed mid-work: the caller sees the work's error and
 * the next caller a live session.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/blobs/pg-transaction.js';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { skippedSuite } from '../helpers/skipped-suite.js';

async function withTable(work: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const s = await freshSchema(PG_URL!);
  const pool = new pg.Pool({ connectionString: inSchema(PG_URL!, s.schema), max: 1 });
  try {
    await pool.query('create table t (n int primary key)');
    await work(pool);
  } finally {
    await pool.end();
    await s.drop();
  }
}

const rows = async (pool: pg.Pool) =>
  (await pool.query<{ n: number }>('select n from t order by n')).rows.map((r) => r.n);

if (PG_URL) {
  describe('inTransaction', () => {
    it('commits what the work wrote and returns its result', async () => {
      await withTable(async (pool) => {
        const out = await inTransaction(pool, async (c) => {
          await c.query('insert into t values (1), (2)');
          return 'done';
        });
        expect(out).toBe('done');
        expect(await rows(pool)).toEqual([1, 2]);
      });
    });

    it('rolls back everything when the work throws, and rethrows its error', async () => {
      await withTable(async (pool) => {
        await pool.query('insert into t values (1)');
        await expect(
          inTransaction(pool, async (c) => {
            await c.query('insert into t values (2)');
            await c.query('insert into t values (1)'); // duplicate key
          }),
        ).rejects.toThrow(/duplicate key/);
        expect(await rows(pool)).toEqual([1]);
        // The one pooled connection is usable again, outside any transaction.
        await inTransaction(pool, (c) => c.query('insert into t values (3)'));
        expect(await rows(pool)).toEqual([1, 3]);
      });
    });

    it('after a session killed mid-work, rethrows the work’s error and gives the next caller a live session', async () => {
      await withTable(async (pool) => {
        let firstPid = 0;
        await expect(
          inTransaction(pool, async (c) => {
            c.on('error', () => {}); // the server's notice of the kill, between queries
            firstPid = (c as unknown as { processID: number }).processID;
            await c.query('insert into t values (1)');
            // The server ends this session, so the rollback cannot be sent. The timeout makes
            // pg_terminate_backend wait until the session has ended (PostgreSQL 14+): without
            // it the rollback could still reach the session and succeed before the signal.
            const killer = new pg.Client({ connectionString: PG_URL! });
            await killer.connect();
            try {
              await killer.query('select pg_terminate_backend($1, 10000)', [firstPid]);
            } finally {
              await killer.end();
            }
            throw new Error('work failed');
          }),
        ).rejects.toThrow(/work failed/);
        // The next caller gets a new session (the pool holds one connection), not the dead one.
        const nextPid = await inTransaction(pool, async (c) => {
          await c.query('insert into t values (2)');
          return (c as unknown as { processID: number }).processID;
        });
        expect(nextPid).not.toBe(firstPid);
        expect(await rows(pool)).toEqual([2]);
      });
    });
  });
} else if (SERVICES_REQUIRED) {
  describe('inTransaction', () => {
    it('requires PostgreSQL', () =>
      expect.fail(`the PostgreSQL transaction test is required here: ${PG_HOW}`));
  });
} else {
  skippedSuite('PostgreSQL transaction test', PG_HOW);
}

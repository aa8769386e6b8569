/**
 * One pooled connection inside a transaction, for the stores that speak pg directly
 * (photos and firmware images in PostgreSQL): committed when `work` returns, rolled back
 * when it throws, and the caller sees the work's error, not the rollback's.
 *
 * A session that died mid-work fails both. The client may not have seen its socket close
 * yet when it is released, and pg's pool would then hand the dead connection to the next
 * caller (ECONNRESET on its `begin`): so a connection whose rollback failed is released
 * with that error, which makes the pool destroy it instead of keeping it.
 */
import type pg from 'pg';

export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

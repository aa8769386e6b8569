/**
 * One pooled connection inside a transaction, for the stores that speak pg directly
 * (photos and firmware images in PostgreSQL): committed when `work` returns, rolled back
 * when it throws, and the caller sees the work's error, not the rollback's (a session
 * that died mid-work fails both; pg's pool drops a connection that ended).
 */
import type pg from 'pg';

export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

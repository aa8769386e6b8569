/**
 * A background flush's statements written in one transaction: on SQLite's write thread
 * when there is one (sqlite-write-thread.ts: the SQLite work and the COMMIT's fsync off
 * the event loop), otherwise as a transaction on the store's own connection (PostgreSQL,
 * SQLite without WAL, or the thread gone).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema-types.js';
import type { WriteThread } from './sqlite-write-thread.js';

export type WriteAll = (queries: readonly CompiledQuery[]) => Promise<void>;

export function writeAll(db: Kysely<Database>, thread?: WriteThread): WriteAll {
  const onConnection: WriteAll = async (queries) => {
    if (queries.length === 0) return;
    await db.transaction().execute(async (trx) => {
      for (const q of queries) await trx.executeQuery(q);
    });
  };
  if (!thread) return onConnection;
  return async (queries) => {
    if (queries.length === 0) return;
    if (!thread.alive) return onConnection(queries);
    // Held while the thread writes: our connection never waits on the thread's write lock
    // (see sqlite-write-thread.ts).
    await db
      .connection()
      .execute(() => thread.run(queries.map((q) => ({ sql: q.sql, params: q.parameters }))));
  };
}

/** Remembered answers to POSTs sent with an Idempotency-Key (api.md: 24 h). */
import type { Kysely } from 'kysely';
import type { IdempotencyRepo } from './api-types.js';
import type { Database } from './schema-types.js';

export function idempotencyRepo(db: Kysely<Database>): IdempotencyRepo {
  return {
    async claim(row) {
      const r = await db
        .insertInto('idempotency_keys')
        .values({
          account_id: row.accountId,
          key: row.key,
          request_hash: row.requestHash,
          status: null,
          headers: null,
          body: null,
          created_at: row.createdAt,
        })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async get(accountId, key) {
      const r = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .executeTakeFirst();
      return (
        r && {
          accountId: r.account_id,
          key: r.key,
          requestHash: r.request_hash,
          status: r.status === null ? null : Number(r.status),
          headers: r.headers === null ? null : (JSON.parse(r.headers) as Record<string, string>),
          body: r.body,
          createdAt: Number(r.created_at),
        }
      );
    },
    async complete(accountId, key, status, headers, body) {
      await db
        .updateTable('idempotency_keys')
        .set({ status, headers: JSON.stringify(headers), body })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .execute();
    },
    async release(accountId, key) {
      await db
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .execute();
    },
    async purge(before) {
      const r = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

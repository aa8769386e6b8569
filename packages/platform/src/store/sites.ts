/** Sites (工地). */
import type { Kysely } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import type { SiteRepo } from './task-types.js';

export function siteRepo(db: Kysely<Database>, _caps: Capabilities): SiteRepo {
  return {
    async create(row) {
      await db
        .insertInto('sites')
        .values({ id: row.id, name: row.name, created_at: row.createdAt })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { id: r.id, name: r.name, createdAt: Number(r.created_at) };
    },
    async list() {
      const rows = await db.selectFrom('sites').selectAll().orderBy('created_at').execute();
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: Number(r.created_at) }));
    },
  };
}

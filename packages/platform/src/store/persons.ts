/** Persons enrolled on sites (§1.1(1)); the sealed fields stay sealed here. */
import type { Kysely } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { json, person } from './task-rows.js';
import type { PersonRepo } from './task-types.js';

export function personRepo(db: Kysely<Database>, _caps: Capabilities): PersonRepo {
  return {
    async insert(p) {
      await db
        .insertInto('persons')
        .values({
          id: p.id,
          site_id: p.siteId,
          name: p.name,
          pii_enc: p.piiEnc,
          id_number_hash: p.idNumberHash,
          id_number_tail: p.idNumberTail,
          photo_keys: json(p.photoKeys),
          status: p.status,
          created_at: p.createdAt,
          updated_at: p.updatedAt,
        })
        .execute();
    },
    async get(id) {
      const r = await db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
      return r && person(r);
    },
    async findByIdNumber(siteId, hash) {
      const r = await db
        .selectFrom('persons')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id_number_hash', '=', hash)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return r && person(r);
    },
    async activeOfSite(siteId) {
      const rows = await db
        .selectFrom('persons')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('status', '=', 'active')
        .orderBy('id')
        .execute();
      return rows.map(person);
    },
    async activeIdsOfSite(siteId) {
      const rows = await db
        .selectFrom('persons')
        .select('id')
        .where('site_id', '=', siteId)
        .where('status', '=', 'active')
        .execute();
      return rows.map((r) => r.id);
    },
    async countActive(siteId) {
      const r = await db
        .selectFrom('persons')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('site_id', '=', siteId)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async update(id, patch, now) {
      await db
        .updateTable('persons')
        .set({
          updated_at: now,
          ...(patch.photoKeys ? { photo_keys: json(patch.photoKeys) } : {}),
          ...(patch.status ? { status: patch.status } : {}),
          ...(patch.name ? { name: patch.name } : {}),
        })
        .where('id', '=', id)
        .execute();
    },
  };
}

/**
 * The lists that belong to a site: sub-contractors (参建/分包单位) and teams (班组). Every
 * query names the site, so a row is never reached through another site's id; a site's
 * list pages on the (site_id, id) index, and a name is unique within its site (the unique
 * key throws, which the API answers with 409).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, SiteSubcontractorsTable, SiteTeamsTable } from './schema-types.js';
import type { SubcontractorRepo, SubcontractorRow, TeamRepo, TeamRow } from './site-types.js';

const subFromDb = (r: Selectable<SiteSubcontractorsTable>): SubcontractorRow => ({
  id: r.id,
  siteId: r.site_id,
  name: r.name,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const teamFromDb = (r: Selectable<SiteTeamsTable>): TeamRow => ({
  id: r.id,
  siteId: r.site_id,
  name: r.name,
  subcontractorId: r.subcontractor_id,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export function subcontractorRepo(db: Kysely<Database>): SubcontractorRepo {
  return {
    async insert(row) {
      await db
        .insertInto('site_subcontractors')
        .values({
          id: row.id,
          site_id: row.siteId,
          name: row.name,
          created_at: row.createdAt,
          updated_at: row.updatedAt,
        })
        .execute();
    },
    async get(siteId, id) {
      const r = await db
        .selectFrom('site_subcontractors')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && subFromDb(r);
    },
    async page(siteId, afterId, limit) {
      let q = db
        .selectFrom('site_subcontractors')
        .selectAll()
        .where('site_id', '=', siteId)
        .orderBy('id')
        .limit(limit);
      if (afterId !== undefined) q = q.where('id', '>', afterId);
      return (await q.execute()).map(subFromDb);
    },
    async update(siteId, id, patch, now) {
      const r = await db
        .updateTable('site_subcontractors')
        .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), updated_at: now })
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && subFromDb(r);
    },
    async delete(siteId, id) {
      const r = await db
        .deleteFrom('site_subcontractors')
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export function teamRepo(db: Kysely<Database>): TeamRepo {
  return {
    async insert(row) {
      await db
        .insertInto('site_teams')
        .values({
          id: row.id,
          site_id: row.siteId,
          name: row.name,
          subcontractor_id: row.subcontractorId,
          created_at: row.createdAt,
          updated_at: row.updatedAt,
        })
        .execute();
    },
    async get(siteId, id) {
      const r = await db
        .selectFrom('site_teams')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst();
      return r && teamFromDb(r);
    },
    async page(siteId, afterId, limit) {
      let q = db
        .selectFrom('site_teams')
        .selectAll()
        .where('site_id', '=', siteId)
        .orderBy('id')
        .limit(limit);
      if (afterId !== undefined) q = q.where('id', '>', afterId);
      return (await q.execute()).map(teamFromDb);
    },
    async update(siteId, id, patch, now) {
      const r = await db
        .updateTable('site_teams')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.subcontractorId !== undefined ? { subcontractor_id: patch.subcontractorId } : {}),
          updated_at: now,
        })
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && teamFromDb(r);
    },
    async delete(siteId, id) {
      const r = await db
        .deleteFrom('site_teams')
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async namesSubcontractor(siteId, subcontractorId) {
      const r = await db
        .selectFrom('site_teams')
        .select('id')
        .where('site_id', '=', siteId)
        .where('subcontractor_id', '=', subcontractorId)
        .limit(1)
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}

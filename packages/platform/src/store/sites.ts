/**
 * Sites (工地): name, address, general contractor, location, geofence (JSON text) and a
 * version that every update bumps, so an editor holding an old copy is told (If-Match)
 * instead of overwriting what another saved. Lists page by id, the primary key.
 */
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database, SitesTable } from './schema-types.js';
import { subcontractorRepo, teamRepo } from './site-parts.js';
import type { Geofence, SitePatch, SiteRepo, SiteRow } from './site-types.js';

function fromDb(r: Selectable<SitesTable>): SiteRow {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    generalContractor: r.general_contractor,
    location: r.lat === null || r.lng === null ? null : { lat: Number(r.lat), lng: Number(r.lng) },
    geofence: r.geofence === null ? null : (JSON.parse(r.geofence) as Geofence),
    fenceToleranceMeters: Number(r.fence_tolerance_m ?? 0),
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function patchToDb(p: SitePatch): Updateable<SitesTable> {
  const set: Updateable<SitesTable> = {};
  if (p.name !== undefined) set.name = p.name;
  if (p.address !== undefined) set.address = p.address;
  if (p.generalContractor !== undefined) set.general_contractor = p.generalContractor;
  if (p.location !== undefined) {
    set.lat = p.location?.lat ?? null;
    set.lng = p.location?.lng ?? null;
  }
  if (p.geofence !== undefined) set.geofence = p.geofence === null ? null : JSON.stringify(p.geofence);
  if (p.fenceToleranceMeters !== undefined) set.fence_tolerance_m = p.fenceToleranceMeters;
  return set;
}

/** A row elsewhere still refers to the one being deleted (SQLite's code, PostgreSQL's SQLSTATE). */
function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

export function siteRepo(db: Kysely<Database>, _caps: Capabilities): SiteRepo {
  const byId = async (id: string) => {
    const r = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return r && fromDb(r);
  };
  return {
    async create(row) {
      await db
        .insertInto('sites')
        .values({
          id: row.id,
          name: row.name,
          address: row.address ?? null,
          general_contractor: row.generalContractor ?? null,
          lat: row.location?.lat ?? null,
          lng: row.location?.lng ?? null,
          geofence: row.geofence ? JSON.stringify(row.geofence) : null,
          fence_tolerance_m: row.fenceToleranceMeters ?? 0,
          version: 1,
          created_at: row.createdAt,
          updated_at: row.createdAt,
        })
        .execute();
    },
    get: byId,
    async list() {
      const rows = await db.selectFrom('sites').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromDb);
    },
    async page(q) {
      if (q.ids !== undefined && q.ids.length === 0) return [];
      let query = db.selectFrom('sites').selectAll().orderBy('id').limit(q.limit);
      if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
      if (q.ids !== undefined) query = query.where('id', 'in', [...q.ids]);
      if (q.namePrefix) {
        // substr/length rather than LIKE: LIKE ignores ASCII case on SQLite and not on
        // PostgreSQL, and would need its wildcards escaped. Both count characters.
        const prefix = q.namePrefix;
        query = query.where(sql<string>`substr(name, 1, ${[...prefix].length})`, '=', prefix);
      }
      return (await query.execute()).map(fromDb);
    },
    async update(id, patch, now, ifVersion) {
      let query = db
        .updateTable('sites')
        .set({ ...patchToDb(patch), version: sql<number>`version + 1`, updated_at: now })
        .where('id', '=', id);
      if (ifVersion !== undefined) query = query.where('version', '=', ifVersion);
      const r = await query.returningAll().executeTakeFirst();
      if (r) return fromDb(r);
      return (await byId(id)) ? 'stale' : 'not_found';
    },
    async delete(id, ifVersion) {
      // Teams before sub-contractors (a team may name one); the site's foreign keys would
      // cascade, but deleting in order says so and does not depend on the pragma.
      try {
        return await db.transaction().execute(async (trx) => {
          const site = await trx
            .selectFrom('sites')
            .select('version')
            .where('id', '=', id)
            .executeTakeFirst();
          if (!site) return 'not_found' as const;
          if (ifVersion !== undefined && Number(site.version) !== ifVersion) return 'stale' as const;
          await trx.deleteFrom('site_teams').where('site_id', '=', id).execute();
          await trx.deleteFrom('site_subcontractors').where('site_id', '=', id).execute();
          await trx.deleteFrom('sites').where('id', '=', id).execute();
          return true as const;
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) return 'in_use';
        throw err;
      }
    },
    teams: teamRepo(db),
    subcontractors: subcontractorRepo(db),
  };
}

/**
 * Site assignments: a person's work on a site, with its dates, company, team and trade.
 * At most one is active per (person, site) (a partial unique index); the periodic job
 * finds the due ones through (status, left_on).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { AssignmentRepo, AssignmentRow } from './person-types.js';
import type { Database, SiteAssignmentsTable } from './schema-types.js';

export function assignment(r: Selectable<SiteAssignmentsTable>): AssignmentRow {
  return {
    id: r.id,
    personId: r.person_id,
    siteId: r.site_id,
    company: r.company,
    team: r.team,
    trade: r.trade,
    joinedOn: r.joined_on,
    leftOn: r.left_on,
    status: r.status,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  };
}

export function assignmentRepo(db: Kysely<Database>, _caps: Capabilities): AssignmentRepo {
  const get = async (id: string) => {
    const r = await db.selectFrom('site_assignments').selectAll().where('id', '=', id).executeTakeFirst();
    return r && assignment(r);
  };
  return {
    async insert(a) {
      await db
        .insertInto('site_assignments')
        .values({
          id: a.id,
          person_id: a.personId,
          site_id: a.siteId,
          company: a.company,
          team: a.team,
          trade: a.trade,
          joined_on: a.joinedOn,
          left_on: a.leftOn,
          status: a.status,
          created_at: a.createdAt,
          updated_at: a.updatedAt,
          ended_at: a.endedAt,
        })
        .execute();
    },
    get,
    async ofPerson(personId) {
      const rows = await db
        .selectFrom('site_assignments')
        .selectAll()
        .where('person_id', '=', personId)
        .orderBy('id')
        .execute();
      return rows.map(assignment);
    },
    async update(id, patch, now) {
      const r = await db
        .updateTable('site_assignments')
        .set({
          updated_at: now,
          ...(patch.company !== undefined ? { company: patch.company } : {}),
          ...(patch.team !== undefined ? { team: patch.team } : {}),
          ...(patch.trade !== undefined ? { trade: patch.trade } : {}),
          ...(patch.joinedOn !== undefined ? { joined_on: patch.joinedOn } : {}),
          ...(patch.leftOn !== undefined ? { left_on: patch.leftOn } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return r && assignment(r);
    },
    async end(id, leftOn, now) {
      // Only the caller that moves it from active ends it: the removal is sent once.
      const r = await db
        .updateTable('site_assignments')
        .set({ status: 'ended', left_on: leftOn, ended_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .returningAll()
        .executeTakeFirst();
      return r && assignment(r);
    },
    async dueToEnd(today, limit) {
      const rows = await db
        .selectFrom('site_assignments')
        .selectAll()
        .where('status', '=', 'active')
        .where('left_on', 'is not', null)
        .where('left_on', '<=', today)
        .orderBy('left_on')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(assignment);
    },
  };
}

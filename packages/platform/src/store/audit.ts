/** The audit log: append-only, read newest first. */
import type { Kysely } from 'kysely';
import type { AuditRepo } from './api-types.js';
import type { Database } from './schema-types.js';

export function auditRepo(db: Kysely<Database>): AuditRepo {
  return {
    async insert(a) {
      await db
        .insertInto('audit_log')
        .values({
          id: a.id,
          at: a.at,
          actor_id: a.actorId,
          actor: a.actor,
          role: a.role,
          action: a.action,
          resource: a.resource,
          resource_id: a.resourceId,
          site_id: a.siteId,
          ip: a.ip,
          detail: a.detail === null ? null : JSON.stringify(a.detail),
        })
        .execute();
    },
    async page(q) {
      let s = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit);
      if (q.actor !== undefined) s = s.where('actor', '=', q.actor);
      if (q.action !== undefined) s = s.where('action', '=', q.action);
      if (q.resource !== undefined) s = s.where('resource', '=', q.resource);
      if (q.resourceId !== undefined) s = s.where('resource_id', '=', q.resourceId);
      if (q.since !== undefined) s = s.where('at', '>=', q.since);
      if (q.until !== undefined) s = s.where('at', '<', q.until);
      if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
      return (await s.execute()).map((r) => ({
        id: r.id,
        at: Number(r.at),
        actorId: r.actor_id,
        actor: r.actor,
        role: r.role,
        action: r.action,
        resource: r.resource,
        resourceId: r.resource_id,
        siteId: r.site_id,
        ip: r.ip,
        detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
      }));
    },
  };
}

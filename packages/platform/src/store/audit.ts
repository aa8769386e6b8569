/** The audit log: append-only, read newest first. */
import type { Kysely } from 'kysely';
import type { AuditRepo, AuditRow } from './api-types.js';
import type { Capabilities } from './dialect.js';
import type { AuditLogTable, Database } from './schema-types.js';
import { chunk, rowsPerStatement } from './util.js';

const toDb = (a: AuditRow): AuditLogTable => ({
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
});

export function auditRepo(db: Kysely<Database>, caps: Capabilities): AuditRepo {
  const perStatement = rowsPerStatement(caps.maxBindParams, 11);
  return {
    async insert(a) {
      await db.insertInto('audit_log').values(toDb(a)).execute();
    },
    async insertMany(rows) {
      if (rows.length === 0) return;
      const parts = chunk(rows.map(toDb), perStatement);
      if (parts.length === 1) {
        await db.insertInto('audit_log').values(parts[0]!).execute();
        return;
      }
      await db.transaction().execute(async (tx) => {
        for (const part of parts) await tx.insertInto('audit_log').values(part).execute();
      });
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

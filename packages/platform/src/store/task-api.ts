/**
 * The management API's task list: tasks joined with the device they are for, newest
 * first (task ids are time-ordered, so `id desc` is creation order and the primary key
 * is the keyset), confined to the caller's devices in the query.
 */
import type { Kysely } from 'kysely';
import { scopeCondition } from './device-api.js';
import type { TaskApiRepo, TaskListRow } from './device-api-types.js';
import type { Database } from './schema-types.js';
import { task } from './task-rows.js';

export function taskApiRepo(db: Kysely<Database>): TaskApiRepo {
  const base = () =>
    db
      .selectFrom('tasks')
      .innerJoin('devices', 'devices.id', 'tasks.device_id')
      .selectAll('tasks')
      .select(['devices.sn as sn', 'devices.vendor_id as vendor_id', 'devices.site_id as site_id']);
  type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;
  const view = (r: Row): TaskListRow => ({ ...task(r), sn: r.sn, vendorId: r.vendor_id, siteId: r.site_id });

  return {
    async page(q) {
      let s = base();
      const scoped = scopeCondition(q);
      if (scoped) s = s.where(scoped);
      if (q.deviceIds !== undefined) {
        if (q.deviceIds.length === 0) return [];
        s = s.where('tasks.device_id', 'in', [...q.deviceIds]);
      }
      if (q.siteId !== undefined) s = s.where('devices.site_id', '=', q.siteId);
      if (q.apicode !== undefined) s = s.where('tasks.apicode', '=', q.apicode);
      if (q.state !== undefined) s = s.where('tasks.state', '=', q.state);
      if (q.since !== undefined) s = s.where('tasks.created_at', '>=', q.since);
      if (q.until !== undefined) s = s.where('tasks.created_at', '<', q.until);
      if (q.beforeId !== undefined) s = s.where('tasks.id', '<', q.beforeId);
      const rows = await s.orderBy('tasks.id', 'desc').limit(q.limit).execute();
      return rows.map(view);
    },
    async get(id) {
      const r = await base().where('tasks.id', '=', id).executeTakeFirst();
      return r && view(r);
    },
  };
}

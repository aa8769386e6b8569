/** The per-device task queue (D11) with its frozen rosters. */
import type { Kysely } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { insertItems, keys, task, upsertDistribution } from './task-rows.js';
import { OPEN_TASK_STATES, type TaskRepo } from './task-types.js';

export function taskRepo(db: Kysely<Database>, caps: Capabilities): TaskRepo {
  const open = [...OPEN_TASK_STATES];
  return {
    async create(t, distribution) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('tasks')
          .values({
            id: t.id,
            device_id: t.deviceId,
            apicode: t.apicode,
            state: 'queued',
            param: t.param,
            total: t.items.length,
            reason: null,
            created_at: t.createdAt,
            offered_at: null,
            fetched_at: null,
            finished_at: null,
            expires_at: t.expiresAt,
            fetches: 0,
          })
          .execute();
        await insertItems(trx, caps, t.id, 0, t.items);
        await upsertDistribution(trx, caps, distribution);
      });
    },
    async append(taskId, items, param, distribution) {
      return db.transaction().execute(async (trx) => {
        // Claim the item numbers by the update itself: it locks the row on PostgreSQL, so
        // two appends to one task (an import writes rows side by side) can never read the
        // same total and number their items alike (a read-then-write did: task_items_pkey).
        const t = await trx
          .updateTable('tasks')
          .set((eb) => ({ total: eb('total', '+', items.length), param }))
          .where('id', '=', taskId)
          .where('state', '=', 'queued')
          .returning('total')
          .executeTakeFirst();
        if (!t) return false;
        const first = Number(t.total) - items.length;
        await insertItems(trx, caps, taskId, first, items);
        await upsertDistribution(trx, caps, distribution);
        return true;
      });
    },
    async get(id) {
      const r = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
      return r && task(r);
    },
    async getMany(deviceId, ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('tasks')
        .selectAll()
        .where('device_id', '=', deviceId)
        .where('id', 'in', [...ids])
        .orderBy('id')
        .execute();
      return rows.map(task);
    },
    async queuedOf(deviceId, apicode) {
      const r = await db
        .selectFrom('tasks')
        .selectAll()
        .where('device_id', '=', deviceId)
        .where('state', '=', 'queued')
        .where('apicode', '=', apicode)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return r && task(r);
    },
    async pendingIds(deviceId, reofferBefore) {
      const rows = await db
        .selectFrom('tasks')
        .select('id')
        .where('device_id', '=', deviceId)
        .where((eb) =>
          eb.or([
            eb('state', 'in', ['queued', 'offered']),
            eb.and([eb('state', '=', 'fetched'), eb('fetched_at', '<=', reofferBefore)]),
          ]),
        )
        .orderBy('id')
        .limit(1000)
        .execute();
      return rows.map((r) => r.id);
    },
    async markOffered(ids, now) {
      if (ids.length === 0) return;
      await db
        .updateTable('tasks')
        .set({ state: 'offered', offered_at: now })
        .where('id', 'in', [...ids])
        .where('state', '=', 'queued')
        .execute();
    },
    async markFetched(ids, now) {
      if (ids.length === 0) return;
      await db
        .updateTable('tasks')
        .set((eb) => ({ state: 'fetched', fetched_at: now, fetches: eb('fetches', '+', 1) }))
        .where('id', 'in', [...ids])
        .where('state', 'in', open)
        .execute();
    },
    async finish(id, state, reason, now) {
      const r = await db
        .updateTable('tasks')
        .set({ state, reason, finished_at: now })
        .where('id', '=', id)
        .where('state', 'in', open)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async supersede(deviceId, apicodes, reason, now) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('tasks')
          .select('id')
          .where('device_id', '=', deviceId)
          .where('state', 'in', open)
          .where('apicode', 'in', [...apicodes])
          .execute();
        const ids = rows.map((r) => r.id);
        if (ids.length) {
          await trx
            .updateTable('tasks')
            .set({ state: 'superseded', reason, finished_at: now })
            .where('id', 'in', ids)
            .execute();
        }
        return ids;
      });
    },
    async expire(now) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('tasks')
          .selectAll()
          .where('state', 'in', open)
          .where('expires_at', '<=', now)
          .limit(10_000)
          .execute();
        if (rows.length) {
          await trx
            .updateTable('tasks')
            .set({ state: 'expired', reason: 'expired', finished_at: now })
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
        }
        return rows.map((r) => ({ ...task(r), state: 'expired' as const, finishedAt: now }));
      });
    },
    async items(taskId, offset, limit) {
      const rows = await db
        .selectFrom('task_items')
        .selectAll()
        .where('task_id', '=', taskId)
        .where('seq', '>=', offset)
        .where('seq', '<', offset + limit)
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({ personId: r.person_id, name: r.name, photoKeys: keys(r.photo_keys) }));
    },
    async allItems(taskId) {
      const rows = await db
        .selectFrom('task_items')
        .selectAll()
        .where('task_id', '=', taskId)
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({ personId: r.person_id, name: r.name, photoKeys: keys(r.photo_keys) }));
    },
    async listForDevice(deviceId, limit = 100) {
      const rows = await db
        .selectFrom('tasks')
        .selectAll()
        .where('device_id', '=', deviceId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(task);
    },
    async openCounts() {
      const rows = await db
        .selectFrom('tasks')
        .select(['state', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
        .where('state', 'in', [...OPEN_TASK_STATES])
        .groupBy('state')
        .execute();
      const counts: Record<string, number> = Object.fromEntries(OPEN_TASK_STATES.map((s) => [s, 0]));
      for (const r of rows) counts[r.state] = Number(r.n);
      return counts;
    },
    async devicesWithQueued() {
      const rows = await db
        .selectFrom('tasks')
        .select('device_id')
        .distinct()
        .where('state', '=', 'queued')
        .execute();
      return rows.map((r) => r.device_id);
    },
    async devicesWithOpenTasks() {
      const rows = await db
        .selectFrom('tasks')
        .select('device_id')
        .distinct()
        .where('state', 'in', open)
        .execute();
      return rows.map((r) => r.device_id);
    },
  };
}

/** Distribution state per (person, device). */
import type { Kysely } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { dist, upsertDistribution } from './task-rows.js';
import type { DistributionRepo, DistributionState } from './task-types.js';
import { chunk, rowsPerStatement } from './util.js';

export function distributionRepo(db: Kysely<Database>, caps: Capabilities): DistributionRepo {
  return {
    upsert: (rows) => upsertDistribution(db, caps, rows),
    async set(deviceId, personIds, state, reason, now) {
      for (const part of chunk([...personIds], rowsPerStatement(caps.maxBindParams, 1) - 10)) {
        await db
          .updateTable('distribution')
          .set({ state, reason, updated_at: now })
          .where('device_id', '=', deviceId)
          .where('person_id', 'in', part)
          .execute();
      }
    },
    async forDevice(deviceId, states) {
      let q = db.selectFrom('distribution').selectAll().where('device_id', '=', deviceId);
      if (states) q = q.where('state', 'in', [...states]);
      return (await q.orderBy('person_id').execute()).map(dist);
    },
    async forPerson(personId) {
      const rows = await db
        .selectFrom('distribution')
        .selectAll()
        .where('person_id', '=', personId)
        .orderBy('device_id')
        .execute();
      return rows.map(dist);
    },
    async forTask(deviceId, taskId) {
      const rows = await db
        .selectFrom('distribution')
        .selectAll()
        .where('task_id', '=', taskId)
        .where('device_id', '=', deviceId)
        .execute();
      return rows.map(dist);
    },
    async settleTask(deviceId, taskId, state, reason, failed, now) {
      return db.transaction().execute(async (trx) => {
        const all = await trx
          .updateTable('distribution')
          .set({ state, reason, updated_at: now })
          .where('task_id', '=', taskId)
          .where('device_id', '=', deviceId)
          .returning('person_id')
          .execute();
        const out = all.map((r) => ({ personId: r.person_id, state }));
        if (failed.size === 0) return out;
        const mine = new Set(all.map((r) => r.person_id));
        for (const [personId, why] of failed) {
          if (!mine.has(personId)) continue;
          await trx
            .updateTable('distribution')
            .set({ state: 'failed', reason: why, updated_at: now })
            .where('person_id', '=', personId)
            .where('device_id', '=', deviceId)
            .execute();
        }
        return out.map((r) => (failed.has(r.personId) ? { ...r, state: 'failed' as const } : r));
      });
    },
    async expectedAmong(deviceId, personIds) {
      const out: string[] = [];
      for (const part of chunk([...personIds], rowsPerStatement(caps.maxBindParams, 1) - 10)) {
        const rows = await db
          .selectFrom('distribution')
          .select('person_id')
          .where('device_id', '=', deviceId)
          .where('state', 'in', ['pending', 'on_device'])
          .where('person_id', 'in', part)
          .execute();
        for (const r of rows) out.push(r.person_id);
      }
      return out;
    },
    async expectedCount(deviceId) {
      const r = await db
        .selectFrom('distribution')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('device_id', '=', deviceId)
        .where('state', 'in', ['pending', 'on_device'])
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async counts(deviceId) {
      const rows = await db
        .selectFrom('distribution')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .where('device_id', '=', deviceId)
        .groupBy('state')
        .execute();
      const out: Record<DistributionState, number> = {
        pending: 0,
        on_device: 0,
        failed: 0,
        refused: 0,
        removing: 0,
        removed: 0,
      };
      for (const r of rows) out[r.state as DistributionState] = Number(r.n);
      return out;
    },
  };
}

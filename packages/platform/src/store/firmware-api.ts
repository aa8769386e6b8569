/**
 * The management API's firmware reads: images newest first, and each rollout's devices
 * (firmware_rollouts: the latest task of the image per device, migration 0011) with the
 * state of that task and the version the device last reported.
 */
import type { Kysely } from 'kysely';
import type { FirmwareApiRepo, RolloutRow } from './device-api-types.js';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { firmware } from './task-rows.js';
import type { TaskState } from './task-types.js';
import { chunk, rowsPerStatement } from './util.js';

export function firmwareApiRepo(db: Kysely<Database>, caps: Capabilities): FirmwareApiRepo {
  return {
    async page(q) {
      let s = db.selectFrom('firmware').selectAll();
      if (q.vendorId === null) s = s.where('vendor_id', 'is', null);
      else if (q.vendorId !== undefined) s = s.where('vendor_id', '=', q.vendorId);
      if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
      return (await s.orderBy('id', 'desc').limit(q.limit).execute()).map(firmware);
    },
    async recordRollout(firmwareId, tasks, now) {
      const rows = tasks.map((t) => ({
        firmware_id: firmwareId,
        device_id: t.deviceId,
        task_id: t.taskId,
        created_at: now,
      }));
      await db.transaction().execute(async (trx) => {
        for (const part of chunk(rows, rowsPerStatement(caps.maxBindParams, 4))) {
          await trx
            .insertInto('firmware_rollouts')
            .values(part)
            .onConflict((oc) =>
              oc.columns(['firmware_id', 'device_id']).doUpdateSet((eb) => ({
                task_id: eb.ref('excluded.task_id'),
                created_at: eb.ref('excluded.created_at'),
              })),
            )
            .execute();
        }
      });
    },
    async progress(firmwareId, afterDeviceId, limit) {
      let s = db
        .selectFrom('firmware_rollouts as r')
        .innerJoin('tasks', 'tasks.id', 'r.task_id')
        .innerJoin('devices', 'devices.id', 'r.device_id')
        .select([
          'r.device_id',
          'r.task_id',
          'devices.sn',
          'devices.vendor_id',
          'devices.site_id',
          'devices.device_version',
          'devices.online',
          'tasks.state',
          'tasks.reason',
          'tasks.created_at',
          'tasks.finished_at',
        ])
        .where('r.firmware_id', '=', firmwareId);
      if (afterDeviceId !== undefined) s = s.where('r.device_id', '>', afterDeviceId);
      const rows = await s.orderBy('r.device_id').limit(limit).execute();
      return rows.map(
        (r): RolloutRow => ({
          deviceId: r.device_id,
          sn: r.sn,
          vendorId: r.vendor_id,
          siteId: r.site_id,
          deviceVersion: r.device_version,
          online: r.online === 1,
          taskId: r.task_id,
          state: r.state as TaskState,
          reason: r.reason,
          createdAt: Number(r.created_at),
          finishedAt: r.finished_at === null ? null : Number(r.finished_at),
        }),
      );
    },
    async progressCounts(firmwareId) {
      const rows = await db
        .selectFrom('firmware_rollouts as r')
        .innerJoin('tasks', 'tasks.id', 'r.task_id')
        .select(['tasks.state', (eb) => eb.fn.countAll<number>().as('n')])
        .where('r.firmware_id', '=', firmwareId)
        .groupBy('tasks.state')
        .execute();
      const out: Partial<Record<TaskState, number>> = {};
      for (const r of rows) out[r.state as TaskState] = Number(r.n);
      return out;
    },
  };
}

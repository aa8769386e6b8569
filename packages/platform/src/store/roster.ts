/** What devices uploaded for reconciliation (3.8) and the differences found. */
import type { Kysely } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { diff } from './task-rows.js';
import type { RosterRepo } from './task-types.js';
import { chunk, rowsPerStatement } from './util.js';

export function rosterRepo(db: Kysely<Database>, caps: Capabilities): RosterRepo {
  return {
    async addUploads(taskId, rows) {
      const values = rows.map((r) => ({
        task_id: taskId,
        person_id: r.personId,
        name: r.name,
        has_img: r.hasImg,
      }));
      for (const part of chunk(values, rowsPerStatement(caps.maxBindParams, 4))) {
        // A page sent twice (lost answer) is harmless.
        await db
          .insertInto('roster_uploads')
          .values(part)
          .onConflict((oc) => oc.columns(['task_id', 'person_id']).doNothing())
          .execute();
      }
    },
    async uploadedIds(taskId) {
      const rows = await db
        .selectFrom('roster_uploads')
        .select('person_id')
        .where('task_id', '=', taskId)
        .orderBy('person_id')
        .execute();
      return rows.map((r) => r.person_id);
    },
    async addDiffs(rows) {
      const values = rows.map((d) => ({
        id: d.id,
        device_id: d.deviceId,
        task_id: d.taskId,
        person_id: d.personId,
        kind: d.kind,
        found_at: d.foundAt,
        repaired_by: d.repairedBy,
      }));
      for (const part of chunk(values, rowsPerStatement(caps.maxBindParams, 7))) {
        await db.insertInto('roster_diffs').values(part).execute();
      }
    },
    async openDiffs(deviceId) {
      const rows = await db
        .selectFrom('roster_diffs')
        .selectAll()
        .where('device_id', '=', deviceId)
        .where('repaired_by', 'is', null)
        .orderBy('id')
        .execute();
      return rows.map(diff);
    },
    async markRepaired(ids, taskId) {
      if (ids.length === 0) return;
      await db
        .updateTable('roster_diffs')
        .set({ repaired_by: taskId })
        .where('id', 'in', [...ids])
        .execute();
    },
  };
}

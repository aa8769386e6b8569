/**
 * A task's report settles the distribution rows of that task on that device (`task_id =
 * ? and device_id = ?`: settleTask, forTask). Migration 0007's index on task_id alone
 * served it until 0011 added (device_id, state, person_id): SQLite, without statistics,
 * then took the device's index for the same query and read the device's whole roster,
 * 3–4 ms per report at 10,000 persons, 20 reports per single add with 20 devices
 * (bench/distribution: 182–251 ms of platform CPU per add, single add p99 253–282 ms).
 * An index on both columns is the better match for the query on either database, and
 * serves task_id alone as well, so it replaces 0007's.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('distribution_task_device_idx')
      .ifNotExists()
      .on('distribution')
      .columns(['task_id', 'device_id'])
      .execute();
    await db.schema.dropIndex('distribution_task_id_idx').ifExists().execute();
  },
};

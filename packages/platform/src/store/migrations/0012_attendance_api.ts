/**
 * What the management API reads of attendance (issue 10), and what clock-in photo
 * retention and erasure need:
 * - lists and exports are newest first by (record_time, id), the clock-in's own time
 *   (what wages are counted by), so every filter a labour manager uses is one index
 *   range read in that order: by site, person or device, and over all sites (vendors read
 *   no attendance, so no vendor index: each index is a write per clock-in);
 *   (device_id, record_time) is replaced by the same with id, so a device's page needs
 *   no sort either (migration 0025 has since dropped that index: the record key, now led
 *   by device and time, serves a device's pages);
 * - (photo_key) where photo_key is not null: whether any other record still points at a
 *   photo (content-addressed keys are shared by identical bytes), asked before a photo
 *   is dropped; rows without a photo are not in it, and rows leave it when their photo goes;
 * - photo_removed: why a record has no photo any more ('expired' by retention,
 *   'erased' with its person), so a manager reads "expired" rather than "none";
 * - attendance_retention_marks: how far the retention job has gone through the records
 *   in the order they were written, so each run reads only the rows it has not seen.
 *
 * Each index is another B-tree write per clock-in: measured with 300,000 rows in
 * batches of 1,000 on SQLite, the indexes added here (five then; the vendor one has
 * since been dropped as unused) took insertBatch from about 11-18k
 * to 8-9k rows/s on the shared 2-core machine (noisy); still far above the gateway's
 * durable sign-in rate, which is bound by the requests, not the insert.
 */
import { type Kysely, type Migration, sql } from 'kysely';

const BY_TIME = ['record_time', 'id'] as const;

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('attendance').addColumn('photo_removed', 'text').execute();

    await db.schema
      .createIndex('attendance_device_time_id_idx')
      .ifNotExists()
      .on('attendance')
      .columns(['device_id', ...BY_TIME])
      .execute();
    await db.schema.dropIndex('attendance_device_id_record_time_idx').ifExists().execute();
    for (const lead of ['site_id', 'person_id'] as const) {
      await db.schema
        .createIndex(`attendance_${lead.replace('_id', '')}_time_id_idx`)
        .ifNotExists()
        .on('attendance')
        .columns([lead, ...BY_TIME])
        .execute();
    }
    await db.schema
      .createIndex('attendance_time_id_idx')
      .ifNotExists()
      .on('attendance')
      .columns([...BY_TIME])
      .execute();
    await db.schema
      .createIndex('attendance_photo_key_idx')
      .ifNotExists()
      .on('attendance')
      .column('photo_key')
      .where(sql.ref('photo_key'), 'is not', null)
      .execute();

    await db.schema
      .createTable('attendance_retention_marks')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('last_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

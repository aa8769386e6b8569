/**
 * Attendance read by serial number goes through the device rows (a serial is one device
 * per vendor), so the attendance table keeps one index fewer: each index is another
 * B-tree write per clock-in, and this one cost ~20 % of SQLite's insert rate (measured
 * with the bench/gateway table shape). devices gets an index on sn for that lookup; it is
 * written only when a device is registered.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('attendance_sn_record_time_idx').ifExists().execute();
    await db.schema.createIndex('devices_sn_idx').ifNotExists().on('devices').column('sn').execute();
  },
};

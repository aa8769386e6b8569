/**
 * Clock-in records. The unique key is D9's idempotency key: a device that resends a
 * record (its ack was lost) gets the first record's id back instead of a second row.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('attendance')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
      .addColumn('vendor_id', 'text', (c) => c.notNull())
      .addColumn('sn', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text')
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('record_time', 'bigint', (c) => c.notNull())
      .addColumn('type', 'integer', (c) => c.notNull())
      .addColumn('bit_type', 'integer')
      .addColumn('qr_code_info', 'text')
      .addColumn('photo_key', 'text')
      .addColumn('temperature', 'double precision')
      .addColumn('iris_info', 'text')
      .addColumn('longitude', 'double precision')
      .addColumn('latitude', 'double precision')
      .addColumn('real_name', 'integer', (c) => c.notNull())
      .addColumn('flags', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('latency_ms', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('attendance_record_key', ['device_id', 'person_id', 'record_time', 'type'])
      .execute();
    // The two ways records are read: by device serial (the API) and by device row.
    await db.schema
      .createIndex('attendance_sn_record_time_idx')
      .ifNotExists()
      .on('attendance')
      .columns(['sn', 'record_time'])
      .execute();
    await db.schema
      .createIndex('attendance_device_id_record_time_idx')
      .ifNotExists()
      .on('attendance')
      .columns(['device_id', 'record_time'])
      .execute();
  },
};

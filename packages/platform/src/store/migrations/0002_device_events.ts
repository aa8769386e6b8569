/** A device's history (registered, online, offline, auth failures), read newest first per device. */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('device_events')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema
      .createIndex('device_events_device_id_at_idx')
      .ifNotExists()
      .on('device_events')
      .columns(['device_id', 'at'])
      .execute();
  },
};

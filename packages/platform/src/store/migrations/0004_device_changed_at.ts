/**
 * When an operator last changed a device (disabled, site, direction). A serving process
 * caches devices and re-reads only those changed since its last look, instead of every
 * device every few seconds.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('devices').addColumn('changed_at', 'bigint').execute();
    await db.schema
      .createIndex('devices_changed_at_idx')
      .ifNotExists()
      .on('devices')
      .column('changed_at')
      .execute();
  },
};

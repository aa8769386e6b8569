/**
 * What the management API needs of devices, tasks and firmware (issue 10):
 * - a device's kind (face, iris, gate, mobile, qr, capture; rows from before are face
 *   devices, the only kind the platform served), and the indexes its lists walk: by sn
 *   (an sn names a device in the API's paths, unique only per vendor), and by vendor or
 *   site in id order (a vendor's or a site manager's keyset pages);
 * - a task list per device, newest first;
 * - a device's distribution rows in (state, person) order, so a page of failures is a
 *   range read, not a scan of the device's roster;
 * - the vendor a firmware image belongs to (null: platform-wide), and the rollouts of
 *   each image (its latest task per device), which is what progress is read from.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('devices')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('face'))
      .execute();
    await db.schema.createIndex('devices_sn_idx').ifNotExists().on('devices').column('sn').execute();
    await db.schema
      .createIndex('devices_vendor_id_id_idx')
      .ifNotExists()
      .on('devices')
      .columns(['vendor_id', 'id'])
      .execute();
    await db.schema
      .createIndex('devices_site_id_id_idx')
      .ifNotExists()
      .on('devices')
      .columns(['site_id', 'id'])
      .execute();

    await db.schema
      .createIndex('tasks_device_id_id_idx')
      .ifNotExists()
      .on('tasks')
      .columns(['device_id', 'id'])
      .execute();

    await db.schema
      .createIndex('distribution_device_id_state_person_id_idx')
      .ifNotExists()
      .on('distribution')
      .columns(['device_id', 'state', 'person_id'])
      .execute();

    await db.schema.alterTable('firmware').addColumn('vendor_id', 'text').execute();
    await db.schema
      .createIndex('firmware_vendor_id_id_idx')
      .ifNotExists()
      .on('firmware')
      .columns(['vendor_id', 'id'])
      .execute();
    await db.schema
      .createTable('firmware_rollouts')
      .ifNotExists()
      .addColumn('firmware_id', 'text', (c) => c.notNull().references('firmware.id'))
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('firmware_rollouts_pkey', ['firmware_id', 'device_id'])
      .execute();
  },
};

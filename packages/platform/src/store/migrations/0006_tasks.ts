/**
 * Chapter 3: sites' persons, the task queue per device with frozen rosters (D11), the
 * distribution state per (person, device), firmware images, and what reconciliation
 * (T_POST_DEVICE_PERSON) found. Person data a device does not need (ID card fields,
 * phone) is sealed under the master key (PIPL: sensitive personal information); the ID
 * number is also kept as a keyed hash, so "is this worker already enrolled" needs no
 * decryption, and as its last four digits for display.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('devices').addColumn('face_capacity', 'integer').execute();
    await db.schema.alterTable('devices').addColumn('reported_person_count', 'integer').execute();
    await db.schema.alterTable('devices').addColumn('reported_face_count', 'integer').execute();
    await db.schema.alterTable('devices').addColumn('reported_at', 'bigint').execute();

    await db.schema
      .createTable('persons')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('pii_enc', 'text', (c) => c.notNull())
      .addColumn('id_number_hash', 'text', (c) => c.notNull())
      .addColumn('id_number_tail', 'text', (c) => c.notNull())
      .addColumn('photo_keys', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('persons_site_id_status_idx')
      .ifNotExists()
      .on('persons')
      .columns(['site_id', 'status'])
      .execute();
    await db.schema
      .createIndex('persons_id_number_hash_idx')
      .ifNotExists()
      .on('persons')
      .columns(['site_id', 'id_number_hash'])
      .execute();

    await db.schema
      .createTable('tasks')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
      .addColumn('apicode', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('param', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('offered_at', 'bigint')
      .addColumn('fetched_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('fetches', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('tasks_device_id_state_idx')
      .ifNotExists()
      .on('tasks')
      .columns(['device_id', 'state'])
      .execute();
    await db.schema.createIndex('tasks_state_idx').ifNotExists().on('tasks').columns(['state']).execute();

    // A person task's roster, frozen when the task is made: its pages never shift.
    await db.schema
      .createTable('task_items')
      .ifNotExists()
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('photo_keys', 'text')
      .addPrimaryKeyConstraint('task_items_pkey', ['task_id', 'seq'])
      .execute();

    await db.schema
      .createTable('distribution')
      .ifNotExists()
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('task_id', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('distribution_pkey', ['person_id', 'device_id'])
      .execute();
    await db.schema
      .createIndex('distribution_device_id_state_idx')
      .ifNotExists()
      .on('distribution')
      .columns(['device_id', 'state'])
      .execute();

    await db.schema
      .createTable('firmware')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'text', (c) => c.notNull().unique())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    // What a device uploaded in a T_POST_DEVICE_PERSON task, compared when it reports.
    await db.schema
      .createTable('roster_uploads')
      .ifNotExists()
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('has_img', 'integer')
      .addPrimaryKeyConstraint('roster_uploads_pkey', ['task_id', 'person_id'])
      .execute();

    await db.schema
      .createTable('roster_diffs')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('found_at', 'bigint', (c) => c.notNull())
      .addColumn('repaired_by', 'text')
      .execute();
    await db.schema
      .createIndex('roster_diffs_device_id_idx')
      .ifNotExists()
      .on('roster_diffs')
      .columns(['device_id', 'repaired_by'])
      .execute();
  },
};

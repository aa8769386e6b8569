/**
 * Vendors, sites and devices. Column types are spelt so both dialects read them the
 * same: text ids, bigint epoch ms (SQLite stores any integer in 64 bits), integer 0/1
 * booleans. Every CREATE says IF NOT EXISTS because Kysely runs SQLite migrations
 * outside a transaction: a crash half-way must leave a migration that can run again.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('vendors')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('access_id', 'text', (c) => c.notNull())
      .addColumn('access_key', 'text', (c) => c.notNull())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('secret_version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('public_key_pem', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('vendors_access_id_key', ['access_id'])
      .execute();

    // Minimal for now: devices point at a site; the site's own fields arrive with its API.
    await db.schema
      .createTable('sites')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    // site_id has no foreign key yet: the store's contract has no way to create sites,
    // and a device must be assignable by id before it does.
    await db.schema
      .createTable('devices')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
      .addColumn('sn', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('registered_by', 'text', (c) => c.notNull())
      .addColumn('device_version', 'text')
      .addColumn('device_ip', 'text')
      .addColumn('first_seen_at', 'bigint')
      .addColumn('last_seen_at', 'bigint')
      .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('devices_vendor_id_sn_key', ['vendor_id', 'sn'])
      .execute();
    await db.schema
      .createIndex('devices_site_id_idx')
      .ifNotExists()
      .on('devices')
      .column('site_id')
      .execute();
  },
};

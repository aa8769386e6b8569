/**
 * Mobile attendance (issue 14): the one-time codes a site manager hands a worker to
 * register a phone, each phone's own credentials, and which vendor is the platform's
 * built-in mobile vendor (the owner of the phones' devices).
 *
 * - mobile_codes: only a keyed hash of the code is kept (the code is shown once); a code
 *   is spent by used_at, or burned by failed_tries (wrong ID-number tails).
 * - mobile_phones: one row per registered phone (a device of kind mobile), its
 *   accessId/accessKey and its accessSecret sealed by the SecretBox, as vendors' are.
 * - mobile_vendor: one row (id 1), so every process agrees which vendor owns phones.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('mobile_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('failed_tries', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('mobile_phones')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('access_id', 'text', (c) => c.notNull().unique())
      .addColumn('access_key', 'text', (c) => c.notNull())
      .addColumn('secret_enc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // A person's phones on a site: the ones a new registration disables.
    await db.schema
      .createIndex('mobile_phones_person_site_idx')
      .on('mobile_phones')
      .columns(['person_id', 'site_id'])
      .execute();

    await db.schema
      .createTable('mobile_vendor')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('vendor_id', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Person QR codes (issue 12 item 3, docs/qr-codes.md): each site's Ed25519 keys, the
 * private half sealed under the master key, old keys kept (retired_at set) so codes they
 * signed verify until they expire; and the code last issued to a person for a site, which
 * the PNG/SVG routes print. key_id is the 32-bit number a code carries: unique across
 * sites, since it is how a code names its site.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('qr_keys')
      .addColumn('key_id', 'bigint', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('private_key_enc', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('qr_keys_site_idx')
      .on('qr_keys')
      .columns(['site_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('person_qr_codes')
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('code_value', 'text', (c) => c.notNull())
      .addColumn('key_id', 'bigint', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('person_qr_codes_pkey', ['person_id', 'site_id'])
      .execute();
  },
};

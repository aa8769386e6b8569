/**
 * Blobs in the database (issue 16, blobs/postgres.ts): photos and images every platform
 * process of a cluster reads, when the store is PostgreSQL. `blobs` holds one row per
 * stored blob of a named store ('faces', 'photos'); `blob_chunks` its bytes in chunks
 * of at most 256 KiB, so no single value is large and a read can stream. SQLite keeps
 * its blobs in the data directory (blobs/local.ts, blobs/segments.ts): these tables stay
 * empty there.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('blobs')
      .ifNotExists()
      .addColumn('store', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('ext', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('blobs_pk', ['store', 'key'])
      .execute();
    await db.schema
      .createTable('blob_chunks')
      .ifNotExists()
      .addColumn('store', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('bytes', 'bytea', (c) => c.notNull())
      .addPrimaryKeyConstraint('blob_chunks_pk', ['store', 'key', 'seq'])
      .execute();
  },
};

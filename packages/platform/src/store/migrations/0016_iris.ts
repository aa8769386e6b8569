/**
 * Iris images (issue 11 item 4, 技术要求 1.1(5)(6), 1.2(2)): at most one per eye per
 * person. The row holds the blob keys of the raw BMP as received and of its lossless
 * JPEG 2000 export, and what the check measured (pupil and iris radius, the iris
 * region's mean grey), so lists and audits need not decode anything. The blobs are also
 * recorded in person_blobs, so erasing the person deletes the files like face photos.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('person_iris')
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('eye', 'text', (c) => c.notNull())
      .addColumn('raw_key', 'text', (c) => c.notNull())
      .addColumn('jp2_key', 'text', (c) => c.notNull())
      .addColumn('iris_radius', 'integer', (c) => c.notNull())
      .addColumn('pupil_radius', 'integer', (c) => c.notNull())
      .addColumn('grey', 'real', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('person_iris_pkey', ['person_id', 'eye'])
      .execute();
    // "Is this blob still some iris's?" before a file is deleted: by key, not by scan.
    await db.schema.createIndex('person_iris_raw_idx').on('person_iris').column('raw_key').execute();
    await db.schema.createIndex('person_iris_jp2_idx').on('person_iris').column('jp2_key').execute();
  },
};

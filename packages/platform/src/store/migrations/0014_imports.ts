/**
 * Roster imports (花名册, issue 10 item 5): one row per import (a dry run or an apply), its
 * progress and totals, and one row per roster row with what became of it (created,
 * updated, unchanged, failed with the reasons and cells). The report names no one: a row
 * is found by its number in the operator's own file and by the person id it produced,
 * so erasing a person leaves nothing of theirs here. Reports are purged after a while.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('imports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('roster_name', 'text')
      .addColumn('photos_name', 'text')
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('total_rows', 'integer', (c) => c.notNull())
      .addColumn('done_rows', 'integer', (c) => c.notNull())
      .addColumn('created', 'integer', (c) => c.notNull())
      .addColumn('updated', 'integer', (c) => c.notNull())
      .addColumn('unchanged', 'integer', (c) => c.notNull())
      .addColumn('failed', 'integer', (c) => c.notNull())
      .addColumn('tasks', 'integer', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    // A site's imports, newest first (site managers' lists); old ones, for the purge; running ones.
    await db.schema.createIndex('imports_site_idx').on('imports').columns(['site_id', 'id']).execute();
    await db.schema.createIndex('imports_created_idx').on('imports').column('created_at').execute();
    await db.schema
      .createIndex('imports_status_idx')
      .on('imports')
      .columns(['status', 'updated_at'])
      .execute();

    await db.schema
      .createTable('import_rows')
      .addColumn('import_id', 'text', (c) => c.notNull())
      .addColumn('row_no', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text')
      .addColumn('changes', 'text')
      .addColumn('problems', 'text')
      .addPrimaryKeyConstraint('import_rows_pkey', ['import_id', 'row_no'])
      .execute();
    // The failed rows of an import, in row order, without reading the others.
    await db.schema
      .createIndex('import_rows_status_idx')
      .on('import_rows')
      .columns(['import_id', 'status', 'row_no'])
      .execute();
  },
};

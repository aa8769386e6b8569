/**
 * A phone clock-in's GPS accuracy (issue 14): attendance.coordinate_accuracy_m, metres, the
 * `accuracy` our phone page adds to 2.3.2 coordinate (docs/protocol.md §4.4, kaoqin
 * extension). Nullable: null when a record did not send one, which is every record of a
 * standard device and every record written before this migration.
 *
 * SQLite runs migrations outside a transaction and has no ADD COLUMN IF NOT EXISTS: the
 * column is added only when missing, so a crash half-way leaves a migration that can run
 * again (as 0017). PostgreSQL runs it in one transaction.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const tables = db.isTransaction ? [] : await db.introspection.getTables();
    const has = tables
      .find((t) => t.name === 'attendance')
      ?.columns.some((c) => c.name === 'coordinate_accuracy_m');
    if (!has)
      await db.schema
        .alterTable('attendance')
        .addColumn('coordinate_accuracy_m', 'double precision')
        .execute();
  },
};

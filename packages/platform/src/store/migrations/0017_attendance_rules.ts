/**
 * The clock-in rules of issue 12 (docs/attendance-rules.md) keep two results per record
 * beside its flags, and a site gets a tolerance for its geofence:
 * - attendance.upload_class: 'live' | 'late' | 'backlog' (the 10-second clause, §5(5));
 * - attendance.fence_distance_m: metres from the site's fence of a record outside it
 *   (0 inside; null when not checked: no coordinate, no fence, or not a type checked);
 * - sites.fence_tolerance_m: metres outside the fence still counted inside (default 0).
 * Records written before this migration keep null in both: they were never judged, and
 * guessing now (the device's presence then is not known) would state what nobody checked.
 *
 * SQLite runs migrations outside a transaction and has no ADD COLUMN IF NOT EXISTS: a
 * column is added only when missing, so a crash half-way leaves a migration that can run
 * again (as 0009). PostgreSQL runs it in one transaction.
 */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const tables = db.isTransaction ? [] : await db.introspection.getTables();
    const has = (table: string, column: string) =>
      tables.find((t) => t.name === table)?.columns.some((c) => c.name === column) ?? false;

    if (!has('attendance', 'upload_class'))
      await db.schema.alterTable('attendance').addColumn('upload_class', 'text').execute();
    if (!has('attendance', 'fence_distance_m'))
      await db.schema.alterTable('attendance').addColumn('fence_distance_m', 'double precision').execute();
    if (!has('sites', 'fence_tolerance_m'))
      await db.schema
        .alterTable('sites')
        .addColumn('fence_tolerance_m', 'double precision', (c) => c.notNull().defaultTo(0))
        .execute();
  },
};

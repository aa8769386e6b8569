/**
 * Sites get their own fields (address, general contractor, location, geofence), a
 * version for If-Match, and two lists of their own: sub-contractors (参建/分包单位) and
 * teams (班组), each a table keyed by id with the site's id beside it, so a site's list
 * pages on (site_id, id) and a name is unique within its site.
 *
 * SQLite runs migrations outside a transaction, and ALTER TABLE … ADD COLUMN has no IF
 * NOT EXISTS: there a column is added only when the table does not have it yet, so a
 * crash half-way leaves a migration that can run again. PostgreSQL runs it in a
 * transaction (all or nothing), and its introspection would list every schema's `sites`.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const migration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const have = new Set(
      db.isTransaction
        ? []
        : ((await db.introspection.getTables()).find((t) => t.name === 'sites')?.columns.map((c) => c.name) ??
            []),
    );
    const add = async (
      name: string,
      type: 'text' | 'double precision' | 'integer' | 'bigint',
      notNullDefault?: number,
    ) => {
      if (have.has(name)) return;
      await db.schema
        .alterTable('sites')
        .addColumn(name, type, (c) =>
          notNullDefault === undefined ? c : c.notNull().defaultTo(notNullDefault),
        )
        .execute();
    };
    await add('address', 'text');
    await add('general_contractor', 'text');
    await add('lat', 'double precision');
    await add('lng', 'double precision');
    /** JSON of the Geofence (store/site-types.ts), validated before it is written. */
    await add('geofence', 'text');
    await add('version', 'integer', 1);
    await add('updated_at', 'bigint', 0);
    await sql`update sites set updated_at = created_at where updated_at = 0`.execute(db);

    await db.schema
      .createTable('site_subcontractors')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('site_subcontractors_site_name_key', ['site_id', 'name'])
      .execute();
    await db.schema
      .createIndex('site_subcontractors_site_id_idx')
      .ifNotExists()
      .on('site_subcontractors')
      .columns(['site_id', 'id'])
      .execute();

    await db.schema
      .createTable('site_teams')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      // No ON DELETE: a sub-contractor a team names is refused deletion (409) instead.
      .addColumn('subcontractor_id', 'text', (c) => c.references('site_subcontractors.id'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('site_teams_site_name_key', ['site_id', 'name'])
      .execute();
    await db.schema
      .createIndex('site_teams_site_id_idx')
      .ifNotExists()
      .on('site_teams')
      .columns(['site_id', 'id'])
      .execute();
    await db.schema
      .createIndex('site_teams_subcontractor_id_idx')
      .ifNotExists()
      .on('site_teams')
      .column('subcontractor_id')
      .execute();
  },
};

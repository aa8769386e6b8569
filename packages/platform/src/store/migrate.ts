/** Brings the schema to the latest migration before the store is used. */
import { Migrator } from 'kysely';
import type { Backend } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/**
 * PostgreSQL codes the migrator's first step can meet when another schema of the same
 * database is dropped or migrated while it runs: kysely looks for its migration table by
 * listing the tables of every schema, with their columns' sequences, and an object
 * dropped or altered between the listing and its lookup fails it (undefined_table,
 * invalid_schema_name, undefined_column: a CI run met the last from another schema's
 * attendance partition). Nothing has migrated at that point (the listing comes before
 * kysely's lock), so trying again is safe.
 */
const CATALOGUE_RACE = new Set(['42P01', '3F000', '42703']);
const TRIES = 5;

export async function migrateToLatest({ db, caps }: Backend): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(caps.migrationSchema === undefined ? {} : { migrationTableSchema: caps.migrationSchema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const ranNone = results === undefined || results.every((r) => r.status === 'NotExecuted');
    if (ranNone && attempt < TRIES && CATALOGUE_RACE.has(sqlState(error))) continue;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(failed ? `store migration ${failed} failed` : 'store migrations failed', {
      cause: error,
    });
  }
}

function sqlState(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : '';
}

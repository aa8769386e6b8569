/** Brings the schema to the latest migration before the store is used. */
import { Migrator } from 'kysely';
import type { Backend } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

export async function migrateToLatest({ db, caps }: Backend): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(caps.migrationSchema === undefined ? {} : { migrationTableSchema: caps.migrationSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  throw new Error(failed ? `store migration ${failed} failed` : 'store migrations failed', { cause: error });
}

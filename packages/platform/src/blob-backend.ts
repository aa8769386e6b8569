/**
 * Which blob backend a config asks for (config blobStore): the database when it is
 * PostgreSQL and nothing else is said, the data directory otherwise. Asking for the
 * database on SQLite is a configuration error, said at start.
 */
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { isPostgresUrl } from './store/url.js';

export function blobBackend(config: Pick<Config, 'blobStore' | 'databaseUrl'>): 'local' | 'database' {
  const pg = config.databaseUrl !== undefined && isPostgresUrl(config.databaseUrl);
  const chosen = config.blobStore ?? (pg ? 'database' : 'local');
  if (chosen === 'database' && !pg)
    throw new ConfigError(
      'blobStore "database" needs a postgres:// databaseUrl (on SQLite photos stay in dataDir)',
    );
  return chosen;
}

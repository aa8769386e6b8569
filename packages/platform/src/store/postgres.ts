/** PostgreSQL, chosen by a postgres:// URL: a pg.Pool behind Kysely. */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Backend, StoreLogger } from './dialect.js';
import type { Database } from './schema-types.js';

/** The wire protocol counts bind parameters in an Int16. */
const PG_MAX_BIND_PARAMS = 65_535;

/**
 * pg returns BIGINT (and count(*)) as strings, since not every int8 fits a double. Ours
 * are epoch ms and counts, far below 2^53, so they come back as numbers; a value that
 * would lose precision is an error rather than a silent rounding. Set on this pool only:
 * pg's global parsers belong to whoever else shares the process.
 */
function pgTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, 'text', (text: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} does not fit a JavaScript number`);
    return n;
  });
  return types;
}

export async function openPostgres(databaseUrl: string, logger?: StoreLogger): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: databaseUrl, types: pgTypes() });
  // An idle pooled connection that drops (server restart, network) emits 'error' on the
  // pool; unhandled, that would end the process. The pool replaces it on next use.
  pool.on('error', (err) => logger?.warn({ err }, 'PostgreSQL pool connection lost'));
  // A connection that drops while checked out (mid-transaction) emits 'error' on the
  // client itself: the running query fails and the caller retries, but the event must
  // still have a listener or it ends the process.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger?.warn({ err }, 'PostgreSQL connection lost mid-use'));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // Where unqualified names land (search_path may be set in the URL's `options`).
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema;
    if (!schema) throw new Error('PostgreSQL search_path names no existing schema');
    return { db, caps: { dialect: 'postgres', maxBindParams: PG_MAX_BIND_PARAMS, migrationSchema: schema } };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

/** SQLSTATE unique_violation. */
export function isPgUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

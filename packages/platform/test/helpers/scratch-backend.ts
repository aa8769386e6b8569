/**
 * A store backend of its own for a test: SQLite in a new temporary directory, or
 * PostgreSQL in a fresh schema; not migrated. And EXPLAIN of a compiled query on either,
 * one line per plan node or step, for the query-plan tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Backend } from '../../src/store/dialect.js';
import { openPostgres } from '../../src/store/postgres.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { freshSchema, inSchema, PG_URL } from './pg.js';

export async function scratchBackend(pg: boolean): Promise<{ backend: Backend; cleanup(): Promise<void> }> {
  if (pg) {
    const s = await freshSchema(PG_URL!);
    return { backend: await openPostgres(inSchema(PG_URL!, s.schema)), cleanup: s.drop };
  }
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-store-'));
  return { backend: openSqlite(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The plan of a compiled query: PostgreSQL's EXPLAIN lines, SQLite's EXPLAIN QUERY PLAN details. */
export async function explain<DB>(db: Kysely<DB>, pg: boolean, c: CompiledQuery): Promise<string[]> {
  const prefix = pg ? 'explain ' : 'explain query plan ';
  const r = await db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(prefix + c.sql, [...c.parameters]),
  );
  return r.rows.map((row) => String(pg ? row['QUERY PLAN'] : row.detail));
}

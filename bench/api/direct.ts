/**
 * The baseline's side of the database: a connection of the harness's own, straight to
 * the data set (better-sqlite3 read-only on the same file; pg on the same schema), that
 * replays the statements the platform issued for a request, with the same parameters,
 * one after another, and times them. Also answers the harness's own questions about the
 * data (which site, person or time range to filter on).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../../packages/platform/src/store/sqlite.js';
import type { CapturedQuery } from './capture.js';
import type { DataSet } from './generate.js';

export interface DirectDb {
  readonly dialect: 'sqlite' | 'postgres';
  /** The harness's own questions, parameters numbered $1, $2, … on both stores. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs the statements in order once; answers the time (ms). */
  replay(statements: readonly CapturedQuery[]): Promise<number>;
  /** The query plan of a statement, one line per step. */
  explain(statement: CapturedQuery): Promise<string[]>;
  close(): Promise<void>;
}

/** Parameters as the driver takes them (IPC brought them back as JSON). */
const sqliteParams = (params: readonly unknown[]) =>
  params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

export function directSqlite(set: DataSet): DirectDb {
  const db = new Database(join(set.dataDir, SQLITE_FILE), { readonly: true, fileMustExist: true });
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  return {
    dialect: 'sqlite',
    async query<T>(sql: string, params: readonly unknown[] = []) {
      // The harness's own queries say $1, $2, … in order, each once: positional ? here.
      return prepared(sql.replace(/\$\d+/g, '?')).all(sqliteParams(params)) as T[];
    },
    async replay(list) {
      const t0 = performance.now();
      for (const q of list) {
        const s = prepared(q.sql);
        if (s.reader) s.all(sqliteParams(q.params));
        else throw new Error(`not a read: ${q.sql}`);
      }
      return performance.now() - t0;
    },
    async explain(q) {
      const rows = db.prepare(`explain query plan ${q.sql}`).all(sqliteParams(q.params)) as {
        id: number;
        parent: number;
        detail: string;
      }[];
      const depth = new Map<number, number>([[0, 0]]);
      return rows.map((r) => {
        const d = (depth.get(r.parent) ?? 0) + 1;
        depth.set(r.id, d);
        return `${'  '.repeat(d - 1)}${r.detail}`;
      });
    },
    async close() {
      db.close();
    },
  };
}

export async function directPostgres(set: DataSet): Promise<DirectDb> {
  if (!set.databaseUrl) throw new Error('no PostgreSQL URL for this data set');
  const c = new pg.Client({ connectionString: set.databaseUrl });
  await c.connect();
  return {
    dialect: 'postgres',
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await c.query(sql, [...params])).rows as T[];
    },
    async replay(list) {
      const t0 = performance.now();
      for (const q of list) await c.query(q.sql, [...q.params]);
      return performance.now() - t0;
    },
    async explain(q) {
      const r = await c.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, [...q.params]);
      return r.rows.map((x) => x['QUERY PLAN']);
    },
    async close() {
      await c.end();
    },
  };
}

export function openDirect(set: DataSet): Promise<DirectDb> {
  return set.db === 'postgres' ? directPostgres(set) : Promise.resolve(directSqlite(set));
}

/**
 * Bulk loading into the tables the platform's migrations made, on either store. Per
 * table: its secondary indexes (and, on PostgreSQL, its unique and foreign-key
 * constraints) are dropped, the rows go in in large batches, then each index and
 * constraint is rebuilt from its own definition as read from the catalogue. So the
 * loaded table ends up exactly as the migrations declared it, whatever indexes they add
 * later, and a 5,000,000-row table loads in minutes rather than hours (an index built
 * once from sorted keys, instead of 5,000,000 random B-tree inserts each).
 *
 * SQLite: one better-sqlite3 connection, synchronous=OFF and a 1 GiB page cache while
 * loading, one prepared INSERT run per row inside transactions of a batch. No ANALYZE:
 * the platform never runs it, so the planner sees what it sees in production.
 * PostgreSQL: INSERT … SELECT FROM unnest($1::text[], …), one array per column per batch,
 * then VACUUM ANALYZE (what autovacuum does soon after a bulk load anyway).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../../packages/platform/src/store/sqlite.js';
import type { DbName } from './config.js';

export interface LoadStats {
  rows: number;
  insertMs: number;
  /** Rebuilding the dropped indexes and constraints. */
  indexMs: number;
}

export interface BulkLoader {
  readonly dialect: DbName;
  load(
    table: string,
    columns: readonly string[],
    batches: Iterable<unknown[][]>,
    progress?: (rows: number) => void,
  ): Promise<LoadStats>;
  /** After every table: statistics and checkpoints, as the store would have them at rest. */
  finish(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function sqliteLoader(dataDir: string): BulkLoader {
  const db = new Database(join(dataDir, SQLITE_FILE));
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1048576');
  db.pragma('foreign_keys = OFF');
  return {
    dialect: 'sqlite',
    async load(table, columns, batches, progress) {
      const indexes = db
        .prepare(
          "select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null",
        )
        .all(table) as { name: string; sql: string }[];
      for (const i of indexes) db.exec(`drop index ${quote(i.name)}`);
      const insert = db.prepare(
        `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
      );
      const write = db.transaction((rows: unknown[][]) => {
        for (const r of rows) insert.run(r);
      });
      let rows = 0;
      const t0 = performance.now();
      for (const batch of batches) {
        write(batch);
        rows += batch.length;
        progress?.(rows);
      }
      const t1 = performance.now();
      for (const i of indexes) db.exec(i.sql);
      return { rows, insertMs: t1 - t0, indexMs: performance.now() - t1 };
    },
    async finish() {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async close() {
      db.close();
    },
  };
}

/** PostgreSQL array type per column, from the catalogue (udt_name is e.g. int8, text). */
async function columnTypes(c: pg.Client, table: string): Promise<Map<string, string>> {
  const { rows } = await c.query<{ column_name: string; udt_name: string }>(
    'select column_name, udt_name from information_schema.columns where table_schema = current_schema() and table_name = $1',
    [table],
  );
  return new Map(rows.map((r) => [r.column_name, r.udt_name]));
}

export async function pgLoader(url: string): Promise<BulkLoader> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return {
    dialect: 'postgres',
    async load(table, columns, batches, progress) {
      const types = await columnTypes(c, table);
      const casts = columns.map((col, i) => {
        const t = types.get(col);
        if (!t) throw new Error(`${table}.${col}: no such column`);
        return `$${i + 1}::${t}[]`;
      });
      const constraints = (
        await c.query<{ name: string; def: string }>(
          `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
           where conrelid = $1::regclass and contype in ('u', 'f')`,
          [table],
        )
      ).rows;
      const indexes = (
        await c.query<{ name: string; def: string }>(
          `select i.indexname as name, i.indexdef as def from pg_indexes i
           where i.schemaname = current_schema() and i.tablename = $1
             and not exists (select 1 from pg_constraint k
                             where k.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
          [table],
        )
      ).rows;
      for (const k of constraints)
        await c.query(`alter table ${quote(table)} drop constraint ${quote(k.name)}`);
      for (const i of indexes) await c.query(`drop index ${quote(i.name)}`);
      const text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) select * from unnest(${casts.join(', ')})`;
      let rows = 0;
      const t0 = performance.now();
      for (const batch of batches) {
        const arrays = columns.map((_, ci) => batch.map((r) => r[ci]));
        await c.query(text, arrays);
        rows += batch.length;
        progress?.(rows);
      }
      const t1 = performance.now();
      for (const i of indexes) await c.query(i.def);
      for (const k of constraints)
        await c.query(`alter table ${quote(table)} add constraint ${quote(k.name)} ${k.def}`);
      return { rows, insertMs: t1 - t0, indexMs: performance.now() - t1 };
    },
    async finish(tables) {
      for (const t of tables) await c.query(`vacuum analyze ${quote(t)}`);
    },
    async close() {
      await c.end();
    },
  };
}

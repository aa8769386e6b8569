/**
 * PostgreSQL for cross-package tests: a fresh schema per use on the server named by
 * KAOQIN_TEST_DATABASE_URL, reached through the connection's search_path, so parallel
 * test files never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.KAOQIN_TEST_DATABASE_URL;

/** The same server and database, with unqualified names resolved in `schema`. */
export function inSchema(base: string, schema: string): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function query(base: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function freshSchema(base: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `kq_test_${randomBytes(6).toString('hex')}`;
  await query(base, `create schema ${schema}`);
  return { schema, drop: () => query(base, `drop schema ${schema} cascade`) };
}

/**
 * PostgreSQL for tests: a fresh schema per use on the server named by
 * KAOQIN_TEST_DATABASE_URL, reached through the connection's search_path, so parallel
 * test files never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.KAOQIN_TEST_DATABASE_URL;
export const SERVICES_REQUIRED = process.env.KAOQIN_REQUIRE_SERVICES === '1';
export const PG_HOW = 'set KAOQIN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them';

/** The same server and database, with unqualified names resolved in `schema`. */
export function inSchema(base: string, schema: string, applicationName?: string): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  if (applicationName) u.searchParams.set('application_name', applicationName);
  return u.toString();
}

export async function admin<T>(base: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function freshSchema(base: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `kq_test_${randomBytes(6).toString('hex')}`;
  await admin(base, (c) => c.query(`create schema ${schema}`));
  return {
    schema,
    drop: () => admin(base, (c) => c.query(`drop schema ${schema} cascade`)).then(() => undefined),
  };
}

/**
 * The store suite on PostgreSQL, from KAOQIN_TEST_DATABASE_URL. Each run works in a
 * schema of its own (kq_test_<random>, chosen through the connection's search_path), so
 * parallel test files and runs never see each other's rows; the schema is dropped after.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { admin, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { storeSuite } from './store.suite.js';

const url = PG_URL;
const required = SERVICES_REQUIRED;
const HOW = PG_HOW;

if (url) {
  storeSuite('PostgreSQL', 'postgres', async () => {
    const schema = `kq_test_${randomBytes(6).toString('hex')}`;
    await admin(url, (c) => c.query(`create schema ${schema}`));
    const schemaUrl = inSchema(url, schema);
    return {
      open: () => openStore({ dataDir: join(tmpdir(), `kaoqin-unused-${schema}`), databaseUrl: schemaUrl }),
      dispose: () => admin(url, (c) => c.query(`drop schema ${schema} cascade`)).then(() => undefined),
    };
  });

  describe('Store: PostgreSQL schemas', () => {
    it('migrates each search_path schema on its own, whatever other schemas hold, and leaves dataDir alone', async () => {
      const a = `kq_test_${randomBytes(6).toString('hex')}`;
      const b = `kq_test_${randomBytes(6).toString('hex')}`;
      await admin(url, (c) => c.query(`create schema ${a}; create schema ${b}`));
      try {
        // a is migrated first, so b's migrations must not mistake a's for its own.
        const dataDir = join(tmpdir(), `kaoqin-unused-${a}`);
        for (const schema of [a, b, a]) {
          await (await openStore({ dataDir, databaseUrl: inSchema(url, schema) })).close();
        }
        expect(existsSync(dataDir)).toBe(false);
        // Each schema holds the whole schema of its own, whatever the other holds (the list
        // is not spelt out here, so a new migration's tables need no edit of this test).
        const tablesOf = async (schema: string) =>
          (
            await admin(url, (c) =>
              c.query<{ table_name: string }>(
                'select table_name from information_schema.tables where table_schema = $1',
                [schema],
              ),
            )
          ).rows
            .map((r) => r.table_name)
            .sort();
        const [ta, tb] = [await tablesOf(a), await tablesOf(b)];
        expect(ta).toEqual(tb);
        for (const t of [
          'kysely_migration',
          'vendors',
          'devices',
          'attendance',
          'persons',
          'tasks',
          'accounts',
        ])
          expect(ta).toContain(t);
        const applied = await admin(url, (c) =>
          c.query<{ name: string }>(
            `select name from ${a}.kysely_migration union all select name from ${b}.kysely_migration`,
          ),
        );
        const names = applied.rows.map((r) => r.name);
        expect(names.length).toBeGreaterThan(0);
        expect(names.slice(0, names.length / 2)).toEqual(names.slice(names.length / 2));
      } finally {
        await admin(url, (c) => c.query(`drop schema ${a} cascade; drop schema ${b} cascade`));
      }
    });
  });
} else if (required) {
  describe('Store: PostgreSQL', () => {
    it('needs KAOQIN_TEST_DATABASE_URL (KAOQIN_REQUIRE_SERVICES=1 forbids skipping)', () => {
      expect.fail(`PostgreSQL store tests are required here: ${HOW}`);
    });
  });
} else {
  console.warn(`PostgreSQL store tests skipped: ${HOW}`);
  describe.skip(`Store: PostgreSQL (skipped: ${HOW})`, () => {
    it.skip('runs the store suite on PostgreSQL', () => {});
  });
}

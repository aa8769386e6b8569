import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { storeSuite } from './store.suite.js';

const execFileP = promisify(execFile);

storeSuite('SQLite', 'sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-store-'));
  const dataDir = join(dir, 'data');
  return {
    open: () => openStore({ dataDir }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('Store: SQLite file', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-store-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** What the file says, read beside the store with a connection of our own. */
  function inspect(dataDir: string): { journalMode: unknown; migrations: string[] } {
    const db = new Database(join(dataDir, 'kaoqin.db'), { readonly: true });
    try {
      return {
        journalMode: db.pragma('journal_mode', { simple: true }),
        migrations: db
          .prepare('select name from kysely_migration order by name')
          .pluck()
          .all()
          .map((n) => String(n)),
      };
    } finally {
      db.close();
    }
  }

  it('creates dataDir, keeps kaoqin.db in WAL mode, and applies each migration once', async () => {
    const dataDir = join(dir, 'nested', 'data');
    await (await openStore({ dataDir })).close();
    const first = inspect(dataDir);
    expect(first.journalMode).toBe('wal');
    expect(first.migrations.length).toBeGreaterThan(0);
    expect(first.migrations.every((name) => /^\d{4}_[a-z0-9_]+$/.test(name))).toBe(true);

    const again = await openStore({ dataDir });
    expect(inspect(dataDir)).toEqual(first);
    await again.close();
  });

  it('uses SQLite, and says so, when databaseUrl is not a PostgreSQL URL', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') };
    const store = await openStore({ dataDir: join(dir, 'other'), databaseUrl: 'postgress://typo', logger });
    expect(store.dialect).toBe('sqlite');
    expect(warnings).toHaveLength(1);
    await store.close();
  });
});

describe('Store: SQLite beside another process', () => {
  it('a transaction that reads, then writes, survives another process writing meanwhile (BEGIN IMMEDIATE)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaoqin-store-'));
    const backend = openSqlite(dir);
    try {
      await migrateToLatest(backend);
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const file = join(dir, 'kaoqin.db');
      let other: Promise<unknown> | undefined;
      await backend.db.transaction().execute(async (trx) => {
        await trx.selectFrom('sites').selectAll().execute();
        // Another process (the CLI beside a server) writes while this transaction is open.
        other = execFileP(process.execPath, [
          '-e',
          `const D = require(${JSON.stringify(driver)}); const db = new D(${JSON.stringify(file)});
           db.pragma('busy_timeout = 10000');
           db.prepare("insert into sites (id, name, created_at) values ('other', 'other', 1)").run();`,
        ]);
        await new Promise((r) => setTimeout(r, 400));
        await trx.insertInto('sites').values({ id: 'mine', name: 'mine', created_at: 1 }).execute();
      });
      await other; // it waited for the lock instead of making this transaction fail
      const ids = (await backend.db.selectFrom('sites').select('id').orderBy('id').execute()).map(
        (r) => r.id,
      );
      expect(ids).toEqual(['mine', 'other']);
    } finally {
      await backend.db.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

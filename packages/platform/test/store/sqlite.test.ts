import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { storeSuite } from './store.suite.js';

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

/**
 * Migration 0010 on data written before it, on both dialects: every person gets an
 * assignment to its old site (ended for a removed one), persons that shared an ID number
 * fold into the oldest (their assignments and photos follow, the merge is recorded), and
 * the ID number is unique from then on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/store/dialect.js';
import { isUniqueViolation, openStore } from '../../src/store/index.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrationProvider, migrations } from '../../src/store/migrations/index.js';
import { NOT_CHECKED } from '../../src/store/person-types.js';
import { openPostgres } from '../../src/store/postgres.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { freshSchema, inSchema, PG_URL } from '../helpers/pg.js';

const MINE = '0010_person_identity';
const BEFORE = Object.keys(migrations)
  .sort()
  .filter((n) => n < MINE)
  .pop()!;
/** 2026-03-02 10:00 China time. */
const T0 = Date.parse('2026-03-02T10:00:00+08:00');
const DAY = 24 * 60 * 60_000;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const backends: {
  name: string;
  open(): Promise<{ backend: Backend; databaseUrl?: string; dataDir: string }>;
}[] = [
  {
    name: 'SQLite',
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-mig-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      return { backend: openSqlite(dataDir), dataDir };
    },
  },
  ...(PG_URL
    ? [
        {
          name: 'PostgreSQL',
          async open() {
            const s = await freshSchema(PG_URL!);
            cleanups.push(s.drop);
            const databaseUrl = inSchema(PG_URL!, s.schema);
            return {
              backend: await openPostgres(databaseUrl),
              databaseUrl,
              dataDir: join(tmpdir(), 'unused'),
            };
          },
        },
      ]
    : []),
];

describe.each(backends)('migration 0010 on existing persons ($name)', ({ open }) => {
  it('gives every person an assignment to its old site and folds persons of one ID number into the oldest', async () => {
    const { backend, databaseUrl, dataDir } = await open();
    const { db, caps } = backend;
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      ...(caps.migrationSchema === undefined ? {} : { migrationTableSchema: caps.migrationSchema }),
    });
    const { error } = await migrator.migrateTo(BEFORE);
    expect(error).toBeUndefined();
    for (const s of ['s1', 's2'])
      await sql`insert into sites (id, name, created_at) values (${s}, ${s}, ${T0})`.execute(db);
    // p1 (oldest) and p2 are the same worker on two sites; p3 was the same worker, removed
    // from s1 a day later; p4 is someone else.
    const rows: [string, string, string, string, number, number, string][] = [
      ['p1', 's1', 'active', 'H', T0, T0, 'k1'],
      ['p3', 's1', 'removed', 'H', T0 + 5, T0 + DAY, 'k3'],
      ['p2', 's2', 'active', 'H', T0 + 10, T0 + 10, 'k2'],
      ['p4', 's2', 'active', 'K', T0 + 20, T0 + 20, 'k4'],
    ];
    for (const [id, site, status, hash, created, updated, photo] of rows)
      await sql`insert into persons (id, site_id, name, pii_enc, id_number_hash, id_number_tail, photo_keys, status, created_at, updated_at)
        values (${id}, ${site}, ${`name-${id}`}, 'sealed', ${hash}, '1234', ${JSON.stringify([photo])}, ${status}, ${created}, ${updated})`.execute(
        db,
      );
    await migrateToLatest(backend);

    const persons = await db
      .selectFrom('persons')
      .select(['id', 'name', 'status', 'version'])
      .orderBy('id')
      .execute();
    expect(persons.map((p) => [p.id, p.name, p.status, Number(p.version)])).toEqual([
      ['p1', 'name-p1', 'active', 1],
      ['p4', 'name-p4', 'active', 1],
    ]);
    const assignments = await db.selectFrom('site_assignments').selectAll().orderBy('id').execute();
    expect(
      assignments.map((a) => [
        a.id,
        a.person_id,
        a.site_id,
        a.status,
        a.joined_on,
        a.left_on,
        a.ended_at && Number(a.ended_at),
      ]),
    ).toEqual([
      ['p1', 'p1', 's1', 'active', '2026-03-02', null, null],
      ['p2', 'p1', 's2', 'active', '2026-03-02', null, null],
      ['p3', 'p1', 's1', 'ended', '2026-03-02', '2026-03-03', T0 + DAY],
      ['p4', 'p4', 's2', 'active', '2026-03-02', null, null],
    ]);
    const merges = await db
      .selectFrom('person_merges')
      .select(['merged_id', 'person_id'])
      .orderBy('merged_id')
      .execute();
    expect(merges).toEqual([
      { merged_id: 'p2', person_id: 'p1' },
      { merged_id: 'p3', person_id: 'p1' },
    ]);
    const blobs = await db.selectFrom('person_blobs').selectAll().orderBy('blob_key').execute();
    expect(blobs.map((b) => [b.blob_key, b.person_id])).toEqual([
      ['k1', 'p1'],
      ['k2', 'p1'],
      ['k3', 'p1'],
      ['k4', 'p4'],
    ]);
    await db.destroy();

    const store = await openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
    try {
      expect((await store.persons.activeOfSite('s1')).map((p) => p.id)).toEqual(['p1']);
      expect((await store.persons.activeOfSite('s2')).map((p) => p.id)).toEqual(['p1', 'p4']);
      expect(await store.persons.mergedInto('p2')).toBe('p1');
      expect((await store.persons.get('p1'))?.idNumberHead).toBeNull();
      const twice = await store.persons
        .insert({
          id: 'p5',
          name: 'x',
          piiEnc: 'x',
          idNumberHash: 'H',
          idNumberHead: null,
          idNumberTail: '1234',
          photoKeys: [],
          idCardPhotoKey: null,
          idCardFrontKey: null,
          idCardBackKey: null,
          faceMatch: NOT_CHECKED,
          status: 'active',
          version: 1,
          createdAt: T0,
          updatedAt: T0,
          erasedAt: null,
        })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(twice)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

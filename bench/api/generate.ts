/**
 * Makes (or finds) the data set a run measures: a data directory (master key, SQLite
 * file) and, for PostgreSQL, a schema of its own. Generated once per size and kept under
 * the cache directory, keyed by a hash of the sizes and this file's DATASET_VERSION.
 * A migration added since is applied by the platform when it starts on the cached data,
 * as it would be in production (the report lists which); a change to the generated rows
 * bumps DATASET_VERSION. Generating a data set removes the older ones of the same store
 * in the same cache directory (the 5,000,000-row SQLite file is a few GB).
 *
 * The platform's own code makes what is few and must be exactly its own (the schema,
 * the master key, vendors with sealed secrets, the admin account); the bulk loader
 * writes the many rows (sites, devices, persons, assignments, attendance).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadConfig, openData } from '@kaoqin/platform';
import pg from 'pg';
import { loadMasterKey, SecretBox } from '../../packages/platform/src/domain/secrets.js';
import { migrations } from '../../packages/platform/src/store/migrations/index.js';
import { progress } from '../lib/cli.js';
import type { DbName, Sizes } from './config.js';
import {
  ATTENDANCE_COLUMNS,
  attendanceBatches,
  DEVICE_COLUMNS,
  deviceRows,
  plan,
  SITE_COLUMNS,
  siteRows,
} from './dataset.js';
import { type BulkLoader, type LoadStats, pgLoader, sqliteLoader } from './load.js';
import { ASSIGNMENT_COLUMNS, BLOB_COLUMNS, PERSON_COLUMNS, personsData } from './persons-data.js';

/** Bumped whenever the generated rows change shape or meaning. */
export const DATASET_VERSION = 1;
export const ADMIN_PASSWORD = 'bench-api-admin-password';
const META = 'bench-meta.json';
const BATCH = 10_000;

export interface DataSet {
  db: DbName;
  key: string;
  dataDir: string;
  /** postgres:// URL with the data set's schema as search_path (PostgreSQL only). */
  databaseUrl: string | undefined;
  schema: string | undefined;
  sizes: Sizes;
  endMs: number;
  startMs: number;
  /** When and how long it took to generate (ms per table: insert + index). */
  generatedAt: string;
  generation: Record<string, LoadStats>;
  generationMs: number;
  /** The migrations the schema had when the rows were generated. */
  migrations: string[];
  /** This run found it in the cache. */
  cached: boolean;
}

export function dataSetKey(sizes: Sizes): string {
  const basis = JSON.stringify({ sizes, v: DATASET_VERSION });
  return createHash('sha256').update(basis).digest('hex').slice(0, 12);
}

/** The same server and database, unqualified names resolved in `schema` (as the tests' helper does). */
export function inSchema(base: string, schema: string): string {
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  u.searchParams.set('application_name', 'kaoqin-bench-api');
  return u.toString();
}

async function dropSchema(pgUrl: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end();
  }
}

async function schemaExists(pgUrl: string, schema: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    const r = await c.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
    return r.rowCount === 1;
  } finally {
    await c.end();
  }
}

/** Removes this store's data sets in the cache directory, their schemas with them. */
async function removeDataSets(cacheDir: string, db: DbName, pgUrl: string | undefined): Promise<void> {
  if (!existsSync(cacheDir)) return;
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith(`${db}-`)) continue;
    const dir = join(cacheDir, name);
    try {
      const meta = JSON.parse(readFileSync(join(dir, META), 'utf8')) as Partial<DataSet>;
      if (meta.schema && pgUrl) await dropSchema(pgUrl, meta.schema);
    } catch {
      // no meta: a generation that never finished; its schema name is the directory's key
      if (db === 'postgres' && pgUrl) await dropSchema(pgUrl, `kq_bench_api_${name.slice(db.length + 1)}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes a data set: its directory, and its schema on PostgreSQL. */
export async function discardDataSet(set: DataSet, pgUrl: string | undefined): Promise<void> {
  if (set.schema && pgUrl) await dropSchema(pgUrl, set.schema);
  rmSync(set.dataDir, { recursive: true, force: true });
}

export interface GenerateOptions {
  db: DbName;
  sizes: Sizes;
  cacheDir: string;
  pgUrl: string | undefined;
  fresh: boolean;
}

export async function dataSet(o: GenerateOptions): Promise<DataSet> {
  const key = dataSetKey(o.sizes);
  const dataDir = join(o.cacheDir, `${o.db}-${key}`);
  const schema = o.db === 'postgres' ? `kq_bench_api_${key}` : undefined;
  if (o.db === 'postgres' && !o.pgUrl) throw new Error('PostgreSQL needs a server URL');
  if (!o.fresh && existsSync(join(dataDir, META))) {
    const meta = JSON.parse(readFileSync(join(dataDir, META), 'utf8')) as DataSet;
    if (!schema || (await schemaExists(o.pgUrl!, schema))) return { ...meta, cached: true };
  }
  await removeDataSets(o.cacheDir, o.db, o.pgUrl);
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = schema ? inSchema(o.pgUrl!, schema) : undefined;
  if (schema) {
    const c = new pg.Client({ connectionString: o.pgUrl });
    await c.connect();
    await c.query(`create schema "${schema}"`).finally(() => c.end());
  }
  const t0 = performance.now();
  const generation = await generate(o.db, o.sizes, dataDir, databaseUrl);
  const set: DataSet = {
    db: o.db,
    key,
    dataDir,
    databaseUrl,
    schema,
    sizes: o.sizes,
    endMs: generation.endMs,
    startMs: generation.startMs,
    generatedAt: new Date().toISOString(),
    generation: generation.stats,
    generationMs: performance.now() - t0,
    migrations: Object.keys(migrations).sort(),
    cached: false,
  };
  writeFileSync(join(dataDir, META), JSON.stringify(set, null, 2));
  return set;
}

async function generate(
  db: DbName,
  sizes: Sizes,
  dataDir: string,
  databaseUrl: string | undefined,
): Promise<{ stats: Record<string, LoadStats>; endMs: number; startMs: number }> {
  const config = loadConfig(
    {
      'data-dir': dataDir,
      'log-level': 'silent',
      'face-detector': 'off', // synthetic pictures, no faces
      ...(databaseUrl ? { 'database-url': databaseUrl } : {}),
    },
    {},
  );
  // The platform's own code: schema (migrations), master key, vendors, the admin account.
  const data = await openData(config, createLogger('silent'));
  const vendorIds: string[] = [];
  let idNumberHash: (id: string) => string;
  try {
    for (let v = 0; v < Math.min(10, sizes.devices); v++)
      vendorIds.push((await data.vendors.create(`压测厂商${v + 1}`)).vendorId);
    await data.accounts.ensureAdmin(ADMIN_PASSWORD);
    idNumberHash = (id) => data.persons.idNumberHash(id);
  } finally {
    await data.close();
  }
  const box = new SecretBox(await loadMasterKey(dataDir));
  const p = plan(sizes, vendorIds, Math.floor(Date.now() / 60_000) * 60_000);

  const loader: BulkLoader = databaseUrl ? await pgLoader(databaseUrl) : sqliteLoader(dataDir);
  const stats: Record<string, LoadStats> = {};
  const step = (table: string, total: number) => {
    let next = 0;
    return (rows: number) => {
      if (rows >= next || rows === total) {
        progress(`${db}: ${table} ${rows.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
        next = rows + Math.max(BATCH, Math.ceil(total / 10));
      }
    };
  };
  try {
    stats.sites = await loader.load('sites', SITE_COLUMNS, [siteRows(p)]);
    stats.devices = await loader.load('devices', DEVICE_COLUMNS, [deviceRows(p)]);
    const persons = personsData(p, { box, idNumberHash }, BATCH);
    stats.persons = await loader.load(
      'persons',
      PERSON_COLUMNS,
      persons.persons,
      step('persons', sizes.persons),
    );
    stats.site_assignments = await loader.load('site_assignments', ASSIGNMENT_COLUMNS, [persons.assignments]);
    stats.person_blobs = await loader.load('person_blobs', BLOB_COLUMNS, [persons.blobs]);
    stats.attendance = await loader.load(
      'attendance',
      ATTENDANCE_COLUMNS,
      attendanceBatches(p, persons.rosters, BATCH),
      step('attendance', sizes.attendance),
    );
    progress(`${db}: indexes rebuilt; ${databaseUrl ? 'vacuum analyze' : 'checkpoint'}`);
    await loader.finish(Object.keys(stats));
  } finally {
    await loader.close();
  }
  return { stats, endMs: p.endMs, startMs: p.startMs };
}

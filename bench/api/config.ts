/** The harness's settings: each from a --flag, else a BENCH_* variable, else its default. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlags, type SettingSpecs, usageText } from '../lib/settings.js';

export type DbName = 'sqlite' | 'postgres';

export interface Sizes {
  persons: number;
  devices: number;
  attendance: number;
  /** Sites the devices are spread over (devices / 10 unless given). */
  sites: number;
  /** The attendance rows span this many days, ending when the data was generated. */
  days: number;
}

export interface Settings {
  sizes: Sizes;
  dbs: DbName[];
  /** postgres:// URL of the server and database (a schema of its own is made there). */
  pgUrl: string | undefined;
  /** Requests per list measurement (and direct queries per baseline). */
  samples: number;
  /** Unmeasured requests before each measurement. */
  warmup: number;
  /** Items per page asked for in the measured requests. */
  limit: number;
  /** How far into a list the deep pages are, as a fraction of its length. */
  depth: number;
  loginSeconds: number;
  loginConcurrency: number;
  /** Where generated databases are kept between runs. */
  cacheDir: string;
  /** Regenerate even when a matching cached database exists. */
  fresh: boolean;
  skipLogin: boolean;
  skipLists: boolean;
  json: string | undefined;
}

const SPECS: SettingSpecs = {
  persons: { env: 'BENCH_PERSONS', kind: 'number', help: 'persons (platform-wide identities) (100000)' },
  devices: { env: 'BENCH_DEVICES', kind: 'number', help: 'devices (1000)' },
  attendance: { env: 'BENCH_ATTENDANCE', kind: 'number', help: 'attendance rows (5000000)' },
  sites: { env: 'BENCH_SITES', kind: 'number', help: 'sites (devices / 10)' },
  days: { env: 'BENCH_DAYS', kind: 'number', help: 'days the attendance rows span (90)' },
  db: { env: 'BENCH_DB', kind: 'string', help: 'sqlite, postgres or both (both)' },
  'pg-url': {
    env: 'BENCH_PG_URL',
    kind: 'string',
    help: 'PostgreSQL server (KAOQIN_TEST_DATABASE_URL; none: SQLite only)',
  },
  samples: { env: 'BENCH_SAMPLES', kind: 'number', help: 'requests per list measurement (200)' },
  warmup: { env: 'BENCH_WARMUP', kind: 'number', help: 'unmeasured requests before each (20)' },
  limit: { env: 'BENCH_LIMIT', kind: 'number', help: 'items per page (50, the API default)' },
  depth: { env: 'BENCH_DEPTH', kind: 'number', help: 'deep pages this far into their list, 0–1 (0.5)' },
  'login-seconds': { env: 'BENCH_LOGIN_SECONDS', kind: 'number', help: 'measured seconds of logins (5)' },
  'login-concurrency': {
    env: 'BENCH_LOGIN_CONCURRENCY',
    kind: 'number',
    help: 'logins in flight (8)',
  },
  'cache-dir': {
    env: 'BENCH_API_CACHE',
    kind: 'string',
    help: 'generated databases kept here, keyed by sizes ($TMPDIR/kaoqin-bench-api)',
  },
  fresh: { env: 'BENCH_FRESH', kind: 'boolean', help: 'regenerate even if a cached database matches' },
  skip: { env: 'BENCH_SKIP', kind: 'string', help: 'comma list: login, lists' },
  json: { env: 'BENCH_JSON', kind: 'string', help: 'also write every number to this JSON file' },
};

export function usage(): string {
  return usageText('usage: npm run bench:api -- [flags]   (each flag or its variable)', SPECS, 18, 24);
}

function dbList(raw: string): DbName[] {
  if (raw === 'both') return ['sqlite', 'postgres'];
  if (raw === 'sqlite' || raw === 'postgres') return [raw];
  throw new RangeError(`--db must be sqlite, postgres or both, got "${raw}"`);
}

export function readSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings | 'help' {
  const read = readFlags(SPECS, argv, { env, trimEnv: true });
  if (read === 'help') return 'help';
  const { str, int, num, bool } = read;
  const skip = new Set(
    (str('skip') ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
  for (const s of skip)
    if (s !== 'login' && s !== 'lists') throw new RangeError(`--skip: unknown part "${s}" (login, lists)`);
  const devices = int('devices', 1000, 1, 100_000);
  const pgUrl = str('pg-url') ?? env.KAOQIN_TEST_DATABASE_URL;
  const explicitDb = str('db');
  let dbs = dbList(explicitDb ?? 'both');
  if (!pgUrl) {
    if (explicitDb === 'postgres' || explicitDb === 'both')
      throw new RangeError('--db postgres needs --pg-url (or BENCH_PG_URL / KAOQIN_TEST_DATABASE_URL)');
    dbs = dbs.filter((d) => d !== 'postgres');
  }
  const depth = num('depth', 0.5, 0);
  if (depth > 1) throw new RangeError(`--depth must be 0–1, got ${depth}`);
  return {
    sizes: {
      persons: int('persons', 100_000, 1, 10_000_000),
      devices,
      attendance: int('attendance', 5_000_000, 0, 100_000_000),
      sites: int('sites', Math.max(1, Math.floor(devices / 10)), 1, devices),
      days: int('days', 90, 1, 3650),
    },
    dbs,
    pgUrl,
    samples: int('samples', 200, 1, 100_000),
    warmup: int('warmup', 20, 0, 100_000),
    limit: int('limit', 50, 1, 500),
    depth,
    loginSeconds: num('login-seconds', 5, 0.1),
    loginConcurrency: int('login-concurrency', 8, 1, 256),
    cacheDir: str('cache-dir') ?? join(tmpdir(), 'kaoqin-bench-api'),
    fresh: bool('fresh'),
    skipLogin: skip.has('login'),
    skipLists: skip.has('lists'),
    json: str('json'),
  };
}

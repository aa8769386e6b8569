/** The harness's settings: each from a --flag, else a BENCH_* variable, else its default. */
import { parseArgs } from 'node:util';

export interface Settings {
  devices: number;
  persons: number;
  pageSize: number;
  photoInflight: number;
  singles: number;
  singleGapMs: number;
  heartbeatSeconds: number;
  timeoutSeconds: number;
  prepConcurrency: number;
  httpClient: 'http' | 'fetch';
  version: string;
  skipBaseline: boolean;
  skipSingles: boolean;
  json: string | undefined;
  keepData: boolean;
}

interface Spec {
  env: string;
  help: string;
  kind: 'number' | 'string' | 'boolean';
}

const SPECS: Record<string, Spec> = {
  devices: { env: 'BENCH_DEVICES', kind: 'number', help: 'simulated devices bound to the site (20)' },
  persons: { env: 'BENCH_PERSONS', kind: 'number', help: 'persons enrolled in the wave (10000)' },
  'page-size': {
    env: 'BENCH_PAGE_SIZE',
    kind: 'number',
    help: 'persons per page a device asks for, 1–100 (100)',
  },
  'photo-inflight': {
    env: 'BENCH_PHOTO_INFLIGHT',
    kind: 'number',
    help: 'photo downloads in flight per device (8)',
  },
  singles: { env: 'BENCH_SINGLES', kind: 'number', help: 'persons added one at a time after the wave (50)' },
  'single-gap': { env: 'BENCH_SINGLE_GAP_MS', kind: 'number', help: 'ms between single adds (300)' },
  heartbeat: {
    env: 'BENCH_HEARTBEAT_SECONDS',
    kind: 'number',
    help: 'device heartbeat interval, 0 = none (20)',
  },
  timeout: { env: 'BENCH_TIMEOUT_SECONDS', kind: 'number', help: 'longest wait for a phase (300)' },
  'prep-concurrency': {
    env: 'BENCH_PREP_CONCURRENCY',
    kind: 'number',
    help: 'addMany calls of 100 in flight while enrolling, before timing (8)',
  },
  'http-client': {
    env: 'BENCH_HTTP_CLIENT',
    kind: 'string',
    help: "the devices' HTTP client: http (node:http, keep-alive agent) or fetch (http)",
  },
  'protocol-version': {
    env: 'BENCH_PROTOCOL_VERSION',
    kind: 'string',
    help: 'the version member sent (v1.0.0)',
  },
  skip: { env: 'BENCH_SKIP', kind: 'string', help: 'comma list: baseline, singles' },
  json: { env: 'BENCH_JSON', kind: 'string', help: 'also write every number to this JSON file' },
  'keep-data': {
    env: 'BENCH_KEEP_DATA',
    kind: 'boolean',
    help: 'keep the scratch directory (platform data)',
  },
};

export function usage(): string {
  const lines = Object.entries(SPECS).map(
    ([flag, s]) => `  --${flag.padEnd(18)} ${s.env.padEnd(26)} ${s.help}`,
  );
  return [
    'usage: npm run bench:distribution -- [flags]   (each flag or its variable)',
    ...lines,
    '  --help',
  ].join('\n');
}

export function readSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings | 'help' {
  const options = Object.fromEntries(
    Object.entries(SPECS).map(
      ([flag, s]) => [flag, { type: s.kind === 'boolean' ? 'boolean' : 'string' }] as const,
    ),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  const { values } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) return 'help';
  const v = values as Record<string, string | boolean | undefined>;
  const lookup = (flag: string): string | undefined => {
    const x = v[flag];
    if (typeof x === 'string') return x;
    if (x === true) return '1';
    const e = env[SPECS[flag]!.env];
    return e === undefined || e.trim() === '' ? undefined : e.trim();
  };
  const int = (flag: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = lookup(flag);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new RangeError(`--${flag} (${SPECS[flag]!.env}) must be an integer ${min}…${max}, got "${raw}"`);
    return n;
  };
  const bool = (flag: string): boolean => {
    const raw = lookup(flag);
    return raw !== undefined && raw !== '0' && raw.toLowerCase() !== 'false';
  };
  const skip = new Set(
    (lookup('skip') ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
  for (const s of skip)
    if (s !== 'baseline' && s !== 'singles')
      throw new RangeError(`--skip: unknown part "${s}" (baseline, singles)`);
  return {
    devices: int('devices', 20, 1, 10_000),
    persons: int('persons', 10_000, 1, 10_000_000),
    pageSize: int('page-size', 100, 1, 100),
    photoInflight: int('photo-inflight', 8, 1, 1000),
    singles: int('singles', 50, 0, 100_000),
    singleGapMs: int('single-gap', 300, 0),
    heartbeatSeconds: int('heartbeat', 20, 0),
    timeoutSeconds: int('timeout', 300, 1),
    prepConcurrency: int('prep-concurrency', 8, 1, 64),
    httpClient: ((): 'http' | 'fetch' => {
      const c = lookup('http-client') ?? 'http';
      if (c !== 'http' && c !== 'fetch')
        throw new RangeError(`--http-client must be http or fetch, got "${c}"`);
      return c;
    })(),
    version: lookup('protocol-version') ?? 'v1.0.0',
    skipBaseline: skip.has('baseline'),
    skipSingles: skip.has('singles'),
    json: lookup('json'),
    keepData: bool('keep-data'),
  };
}

/** The harness's settings: each from a --flag, else a BENCH_* variable, else its default. */
import { readFlags, type SettingSpecs, usageText } from '../lib/settings.js';

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

const SPECS: SettingSpecs = {
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
  return usageText(
    'usage: npm run bench:distribution -- [flags]   (each flag or its variable)',
    SPECS,
    18,
    26,
  );
}

export function readSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings | 'help' {
  const read = readFlags(SPECS, argv, { env, trimEnv: true });
  if (read === 'help') return 'help';
  const { str, int, bool } = read;
  const skip = new Set(
    (str('skip') ?? '')
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
      const c = str('http-client') ?? 'http';
      if (c !== 'http' && c !== 'fetch')
        throw new RangeError(`--http-client must be http or fetch, got "${c}"`);
      return c;
    })(),
    version: str('protocol-version') ?? 'v1.0.0',
    skipBaseline: skip.has('baseline'),
    skipSingles: skip.has('singles'),
    json: str('json'),
    keepData: bool('keep-data'),
  };
}

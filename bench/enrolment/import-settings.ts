/**
 * bench:enrolment:import's settings: each from a --flag, else a BENCH_* variable, else
 * its default. `--help` lists them.
 */
import { readFlags, type SettingSpecs, usageText } from '../lib/settings.js';
import type { PhotoKind } from './import-data.js';

export interface ImportSettings {
  persons: number;
  mode: 'dry-run' | 'apply';
  photos: PhotoKind;
  faceDetector: 'human' | 'off';
  /** Undefined: the platform's default (config faceWorkers). */
  faceWorkers: number | undefined;
  databaseUrl: string | undefined;
  /** False: time the import alone, no devices. */
  gateway: boolean;
  devices: number;
  loadWorkers: number;
  seconds: number;
  warmupSeconds: number;
  drainSeconds: number;
  inflight: number;
  latencyFraction: number;
  latencyInflight: number;
  /**
   * Seconds of unmeasured sign-ins at saturation before the first round: the attendance
   * table is no longer empty when the rounds start, so its growth over the run (which
   * slows SQLite's inserts) moves the rounds less. An unmeasured fixed-rate phase follows
   * and sets the rounds' rate (the first measured round was otherwise the slowest).
   */
  prefillSeconds: number;
  /** Gateway rounds before the import: their spread is the run's own noise. */
  baselineRounds: number;
  /** Gateway rounds (saturation + fixed rate) while the import runs, at most. */
  rounds: number;
  /** One more round once the import is over: the gateway back where it started? */
  after: boolean;
  /**
   * An A/A run: no import is posted, the "during" rounds run all the same and are judged
   * as if one were running, so the verdict's false alarms are measured, not guessed.
   */
  control: boolean;
  keepaliveSeconds: number;
  importTimeoutSeconds: number;
  json: string | undefined;
  keepData: boolean;
}

const SPECS: SettingSpecs = {
  persons: { env: 'BENCH_PERSONS', kind: 'number', help: 'workers in the roster, one photo each (5000)' },
  mode: { env: 'BENCH_IMPORT_MODE', kind: 'string', help: 'apply or dry-run (apply)' },
  photos: {
    env: 'BENCH_PHOTOS',
    kind: 'string',
    help: 'real (testkit realFace) or synthetic (no face: only with --face-detector off) (real)',
  },
  'face-detector': { env: 'BENCH_FACE_DETECTOR', kind: 'string', help: 'human or off (human)' },
  'face-workers': {
    env: 'BENCH_FACE_WORKERS',
    kind: 'number',
    help: "the platform's face workers (its default, config faceWorkers)",
  },
  'database-url': {
    env: 'BENCH_DATABASE_URL',
    kind: 'string',
    help: 'PostgreSQL URL (a fresh database or schema); default SQLite in the scratch dir',
  },
  'no-gateway': { env: 'BENCH_NO_GATEWAY', kind: 'boolean', help: 'time the import alone, no devices' },
  devices: { env: 'BENCH_DEVICES', kind: 'number', help: 'TCP devices held (1000)' },
  'load-workers': { env: 'BENCH_LOAD_WORKERS', kind: 'number', help: 'load worker processes (2)' },
  seconds: { env: 'BENCH_SECONDS', kind: 'number', help: 'measured seconds per gateway phase (20)' },
  warmup: { env: 'BENCH_WARMUP_SECONDS', kind: 'number', help: 'warm-up seconds before each window (3)' },
  drain: { env: 'BENCH_DRAIN_SECONDS', kind: 'number', help: 'longest wait for answers after a window (5)' },
  inflight: {
    env: 'BENCH_INFLIGHT',
    kind: 'number',
    help: 'sign-ins in flight per device at saturation (1)',
  },
  'latency-fraction': {
    env: 'BENCH_LATENCY_FRACTION',
    kind: 'number',
    help: "fixed-rate phase: this fraction of the baseline's max sign-ins/s (0.25)",
  },
  'latency-inflight': {
    env: 'BENCH_LATENCY_INFLIGHT',
    kind: 'number',
    help: 'in flight per device at fixed rate (8)',
  },
  prefill: {
    env: 'BENCH_PREFILL_SECONDS',
    kind: 'number',
    help: "warm-up: unmeasured sign-ins at saturation (so the table is not empty), then a fixed-rate phase that sets the rounds' rate; 0 = none (60)",
  },
  'baseline-rounds': {
    env: 'BENCH_BASELINE_ROUNDS',
    kind: 'number',
    help: 'gateway rounds before the import (2): their spread is the noise the verdict allows for',
  },
  rounds: {
    env: 'BENCH_ROUNDS',
    kind: 'number',
    help: 'gateway rounds while the import runs, at most (2); then the devices idle',
  },
  'no-after': { env: 'BENCH_NO_AFTER', kind: 'boolean', help: 'skip the round after the import' },
  control: {
    env: 'BENCH_CONTROL',
    kind: 'boolean',
    help: 'A/A run: post no import, run and judge the "during" rounds all the same (the noise)',
  },
  keepalive: { env: 'BENCH_KEEPALIVE_SECONDS', kind: 'number', help: 'idle devices heartbeat every (20)' },
  'import-timeout': {
    env: 'BENCH_IMPORT_TIMEOUT_SECONDS',
    kind: 'number',
    help: 'give up on the import after (3600)',
  },
  json: { env: 'BENCH_JSON', kind: 'string', help: 'also write every number to this JSON file' },
  'keep-data': { env: 'BENCH_KEEP_DATA', kind: 'boolean', help: 'keep the scratch directory' },
};

export function usage(): string {
  return usageText(
    'usage: npm run bench:enrolment:import -- [flags]   (each flag or its variable)',
    SPECS,
    20,
    30,
  );
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new RangeError(`--${flag}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

export function readSettings(argv: string[]): ImportSettings | 'help' {
  const r = readFlags(SPECS, argv, { trimEnv: true });
  if (r === 'help') return 'help';
  const faceDetector = oneOf('face-detector', r.str('face-detector') ?? 'human', ['human', 'off'] as const);
  const photos = oneOf('photos', r.str('photos') ?? 'real', ['real', 'synthetic'] as const);
  if (photos === 'synthetic' && faceDetector === 'human')
    throw new RangeError(
      '--photos synthetic has no face in it: the detector would refuse every row (add --face-detector off)',
    );
  const workers = r.str('face-workers');
  return {
    persons: r.int('persons', 5000, 1, 20_000),
    mode: oneOf('mode', r.str('mode') ?? 'apply', ['apply', 'dry-run'] as const),
    photos,
    faceDetector,
    faceWorkers: workers === undefined ? undefined : r.int('face-workers', 1, 1, 64),
    databaseUrl: r.str('database-url'),
    gateway: !r.bool('no-gateway'),
    devices: r.int('devices', 1000, 1, 19_000),
    loadWorkers: r.int('load-workers', 2, 1, 16),
    seconds: r.num('seconds', 20, 0.5),
    warmupSeconds: r.num('warmup', 3, 0),
    drainSeconds: r.num('drain', 5, 0),
    inflight: r.int('inflight', 1, 1, 64),
    latencyFraction: r.num('latency-fraction', 0.25, 0.01),
    latencyInflight: r.int('latency-inflight', 8, 1, 64),
    prefillSeconds: r.num('prefill', 60, 0),
    baselineRounds: r.int('baseline-rounds', 2, 1, 20),
    rounds: r.int('rounds', 2, 1, 100),
    after: !r.bool('no-after'),
    control: r.bool('control'),
    keepaliveSeconds: r.num('keepalive', 20, 0),
    importTimeoutSeconds: r.num('import-timeout', 3600, 1),
    json: r.str('json'),
    keepData: r.bool('keep-data'),
  };
}

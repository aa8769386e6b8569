/**
 * The harness's settings: each from a --flag, else a BENCH_* variable, else its default.
 * `--help` lists them.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { numberAtLeast, readFlags, type SettingSpecs, usageText } from '../lib/settings.js';
import { REPO_ROOT } from './children.js';
import type { Credentials } from './messages.js';
import { splitCommand } from './platform.js';

/** Sockets per load worker: 4,750 leaves a 20,000-file process plenty of room. */
export const DEVICES_PER_WORKER = 4750;
/** DeviceClients per sim load worker: the claim is 10,000 simulated devices from one process. */
export const SIM_DEVICES_PER_WORKER = 10_000;

/** lean: loadgen.ts (raw sockets, pre-signed frames); sim: loadgen-sim.ts (the SDK's DeviceClients). */
export type LoadGenerator = 'lean' | 'sim';
const LOAD_GENERATORS: readonly LoadGenerator[] = ['lean', 'sim'];
const DEFAULT_CLI = 'packages/platform/dist/cli.js';

export type Section = 'echo' | 'db' | 'echo-durable' | 'platform' | 'echo-latency';
const SECTIONS: readonly Section[] = ['echo', 'db', 'echo-durable', 'platform', 'echo-latency'];

export interface Settings {
  loadGenerator: LoadGenerator;
  devices: number;
  seconds: number;
  warmupSeconds: number;
  drainSeconds: number;
  workers: number;
  connectRate: number;
  maxOpening: number;
  connectTimeoutSeconds: number;
  inflight: number;
  photoConnections: number;
  latencyFraction: number;
  latencyRate: number | undefined;
  latencyInflight: number;
  keepaliveSeconds: number;
  dbBatch: number;
  version: string;
  /** The serve command, split; undefined = no platform rows. */
  platformCmd: string[] | undefined;
  /** Why there are no platform rows, when there are none. */
  platformSkipped: string | undefined;
  vendorCmd: string[] | undefined;
  /**
   * A PostgreSQL server (postgres://…): the platform then runs on a scratch database
   * created there for the run (pg-scratch.ts), and the db section adds a raw PostgreSQL
   * baseline. Undefined: the platform's embedded SQLite.
   */
  databaseUrl: string | undefined;
  platformStartSeconds: number;
  /** An endpoint that is already running, instead of starting a platform. */
  target: { host: string; port: number; credentials: Credentials; pid: number | undefined } | undefined;
  host: string;
  skip: Set<Section>;
  json: string | undefined;
  keepData: boolean;
  /** Whether the platform and target sections run the saturation phases. */
  saturation: boolean;
}

const SPECS: SettingSpecs = {
  'load-generator': {
    env: 'BENCH_LOAD_GENERATOR',
    kind: 'string',
    help: 'lean (raw sockets, pre-signed frames) or sim (DeviceClients of @kaoqin/device) (lean)',
  },
  devices: { env: 'BENCH_DEVICES', kind: 'number', help: 'devices (connections) held (19000)' },
  seconds: { env: 'BENCH_SECONDS', kind: 'number', help: 'measured seconds per phase (10)' },
  warmup: { env: 'BENCH_WARMUP_SECONDS', kind: 'number', help: 'warm-up seconds before each window (2)' },
  drain: { env: 'BENCH_DRAIN_SECONDS', kind: 'number', help: 'longest wait for answers after a window (10)' },
  workers: {
    env: 'BENCH_WORKERS',
    kind: 'number',
    help: `load worker processes (lean: max(2, devices/${DEVICES_PER_WORKER}); sim: max(1, devices/${SIM_DEVICES_PER_WORKER}))`,
  },
  'connect-rate': {
    env: 'BENCH_CONNECT_RATE',
    kind: 'number',
    help: 'new connections per second per worker (2000)',
  },
  'max-opening': {
    env: 'BENCH_MAX_OPENING',
    kind: 'number',
    help: 'connections opening at once per worker (500)',
  },
  'connect-timeout': {
    env: 'BENCH_CONNECT_TIMEOUT_SECONDS',
    kind: 'number',
    help: 'give up opening after (120)',
  },
  inflight: {
    env: 'BENCH_INFLIGHT',
    kind: 'number',
    help: 'requests in flight per connection at saturation (1)',
  },
  'photo-connections': {
    env: 'BENCH_PHOTO_CONNECTIONS',
    kind: 'number',
    help: 'connections sending photo sign-ins (1000)',
  },
  'latency-fraction': {
    env: 'BENCH_LATENCY_FRACTION',
    kind: 'number',
    help: 'latency phase rate, as a fraction of the max sign-in rate (0.25)',
  },
  'latency-rate': {
    env: 'BENCH_LATENCY_RATE',
    kind: 'number',
    help: 'latency phase rate, sign-ins/s (overrides the fraction)',
  },
  'latency-inflight': {
    env: 'BENCH_LATENCY_INFLIGHT',
    kind: 'number',
    help: 'in flight per connection at fixed rate (8)',
  },
  keepalive: {
    env: 'BENCH_KEEPALIVE_SECONDS',
    kind: 'number',
    help: 'heartbeat idle devices every (20; 0 = never)',
  },
  'db-batch': {
    env: 'BENCH_DB_BATCH',
    kind: 'number',
    help: 'rows per transaction in the database baseline (1000)',
  },
  'protocol-version': {
    env: 'BENCH_PROTOCOL_VERSION',
    kind: 'string',
    help: 'the version member sent (v1.0.0)',
  },
  'platform-cmd': {
    env: 'BENCH_PLATFORM_CMD',
    kind: 'string',
    help: `serve command (node ${DEFAULT_CLI} serve, if that file exists)`,
  },
  'vendor-cmd': {
    env: 'BENCH_VENDOR_CMD',
    kind: 'string',
    help: 'vendor command (the platform command with "serve" replaced by "vendor create")',
  },
  'database-url': {
    env: 'BENCH_DATABASE_URL',
    kind: 'string',
    help: 'postgres://… server: the platform runs on a scratch database made there (SQLite)',
  },
  'no-platform': { env: 'BENCH_NO_PLATFORM', kind: 'boolean', help: 'skip the platform rows' },
  'no-saturation': {
    env: 'BENCH_NO_SATURATION',
    kind: 'boolean',
    help: 'platform/target: no saturation phases, only the paced sign-ins (needs --latency-rate): many devices held at their own pace',
  },
  'platform-start-timeout': {
    env: 'BENCH_PLATFORM_START_SECONDS',
    kind: 'number',
    help: 'wait for the gateway port (60)',
  },
  target: {
    env: 'BENCH_TARGET',
    kind: 'string',
    help: 'host:port of a running endpoint instead (with BENCH_ACCESS_ID/KEY/SECRET, BENCH_TARGET_PID)',
  },
  host: { env: 'BENCH_PLATFORM_HOST', kind: 'string', help: 'address the platform listens on (127.0.0.1)' },
  skip: { env: 'BENCH_SKIP', kind: 'string', help: `comma list of sections to skip: ${SECTIONS.join(', ')}` },
  json: { env: 'BENCH_JSON', kind: 'string', help: 'also write every number to this JSON file' },
  'keep-data': { env: 'BENCH_KEEP_DATA', kind: 'boolean', help: 'keep the temporary data directories' },
};

export function usage(): string {
  return usageText('usage: npm run bench:gateway -- [flags]   (each flag or its variable)', SPECS, 24, 32);
}

function nonEmpty(argv: string[], name: string): string[] {
  if (argv.length === 0) throw new RangeError(`${name} is an empty command`);
  return argv;
}

function postgresUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(text))
    throw new RangeError(`--database-url must be a postgres:// URL, got "${text}"`);
  return text;
}

export function readSettings(argv: string[]): Settings | 'help' {
  const read = readFlags(SPECS, argv, { trimEnv: false });
  if (read === 'help') return 'help';
  const { num, str, bool } = read;

  const devices = Math.floor(num('devices', 19_000, 1));
  const loadGenerator = (str('load-generator') ?? 'lean') as LoadGenerator;
  if (!LOAD_GENERATORS.includes(loadGenerator))
    throw new RangeError(`--load-generator: unknown "${loadGenerator}" (${LOAD_GENERATORS.join(', ')})`);
  const defaultWorkers =
    loadGenerator === 'sim'
      ? Math.max(1, Math.ceil(devices / SIM_DEVICES_PER_WORKER))
      : Math.max(2, Math.ceil(devices / DEVICES_PER_WORKER));
  const skip = new Set<Section>();
  for (const s of (str('skip') ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!SECTIONS.includes(s as Section))
      throw new RangeError(`--skip: unknown section "${s}" (${SECTIONS.join(', ')})`);
    skip.add(s as Section);
  }

  let target: Settings['target'];
  const targetText = str('target');
  if (targetText !== undefined) {
    const m = /^(.+):(\d+)$/.exec(targetText);
    if (!m) throw new RangeError(`--target must be host:port, got "${targetText}"`);
    const need = (name: string): string => {
      const x = process.env[name];
      if (!x) throw new RangeError(`--target needs ${name}`);
      return x;
    };
    const pid = process.env.BENCH_TARGET_PID;
    target = {
      host: m[1]!,
      port: Number(m[2]),
      credentials: {
        accessId: need('BENCH_ACCESS_ID'),
        accessKey: need('BENCH_ACCESS_KEY'),
        accessSecret: need('BENCH_ACCESS_SECRET'),
      },
      pid: pid ? numberAtLeast('BENCH_TARGET_PID', pid, 1) : undefined,
    };
  }

  let platformCmd: string[] | undefined;
  let platformSkipped: string | undefined;
  const explicit = str('platform-cmd');
  if (bool('no-platform') || skip.has('platform'))
    platformSkipped = 'skipped on request (--no-platform / --skip)';
  else if (target) platformSkipped = undefined;
  else if (explicit !== undefined) platformCmd = nonEmpty(splitCommand(explicit), 'BENCH_PLATFORM_CMD');
  else if (existsSync(resolve(REPO_ROOT, DEFAULT_CLI))) platformCmd = ['node', DEFAULT_CLI, 'serve'];
  else platformSkipped = `${DEFAULT_CLI} does not exist (build the platform, or set BENCH_PLATFORM_CMD)`;
  let vendorCmd: string[] | undefined;
  const vendorText = str('vendor-cmd');
  if (vendorText !== undefined) vendorCmd = nonEmpty(splitCommand(vendorText), 'BENCH_VENDOR_CMD');
  else if (platformCmd && platformCmd[platformCmd.length - 1] === 'serve') {
    vendorCmd = [...platformCmd.slice(0, -1), 'vendor', 'create'];
  } else if (platformCmd) {
    throw new RangeError('set BENCH_VENDOR_CMD: the platform command does not end in "serve"');
  }

  return {
    loadGenerator,
    devices,
    seconds: num('seconds', 10, 0.1),
    warmupSeconds: num('warmup', 2, 0),
    drainSeconds: num('drain', 10, 0),
    workers: Math.floor(num('workers', defaultWorkers, 1)),
    connectRate: num('connect-rate', 2000, 1),
    maxOpening: Math.floor(num('max-opening', 500, 1)),
    connectTimeoutSeconds: num('connect-timeout', 120, 1),
    inflight: Math.floor(num('inflight', 1, 1)),
    photoConnections: Math.floor(num('photo-connections', 1000, 1)),
    latencyFraction: num('latency-fraction', 0.25, 0),
    latencyRate: str('latency-rate') === undefined ? undefined : num('latency-rate', 0, 1),
    latencyInflight: Math.floor(num('latency-inflight', 8, 1)),
    keepaliveSeconds: num('keepalive', 20, 0),
    dbBatch: Math.floor(num('db-batch', 1000, 1)),
    version: str('protocol-version') ?? 'v1.0.0',
    platformCmd,
    platformSkipped,
    vendorCmd,
    databaseUrl: postgresUrl(str('database-url')),
    platformStartSeconds: num('platform-start-timeout', 60, 1),
    target,
    host: str('host') ?? '127.0.0.1',
    skip,
    json: str('json'),
    keepData: bool('keep-data'),
    saturation: !bool('no-saturation'),
  };
}

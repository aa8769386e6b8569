/**
 * `kaoqin-sim <scenario> [flags]`: the simulator's command line, on node:util parseArgs
 * like the platform's CLI. main() returns the exit code: 0 the run proved what it should
 * (nothing lost, nothing duplicated), 1 it did not (or failed), 2 bad usage.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DeviceLog, Endpoints } from '@kaoqin/device';
import type { VendorCredentials } from './fleet.js';
import { type OpenedPlatform, openPlatformData } from './platform.js';
import type { ProgressStream } from './progress.js';
import { capture, enrolBurst, morningPeak, outage, type SimCommonOptions, soak } from './scenarios.js';
import { formatSummary, type SimSummary } from './summary.js';

/** Wrong words on the command line: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: kaoqin-sim <scenario> [flags]
scenarios:
  morning-peak   W workers clock in once each over a window     [--workers W] [--window-seconds S] [--rate R] [--photo]
  outage         clock-ins while the link is cut, then restored [--rate R] [--outage-seconds S | --outage-minutes M] [--seconds S]
  enrol-burst    persons enrolled while the devices run         [--persons P] [--sites M] [--rate R] [--seconds S]
  soak           hours of steady clock-ins                      [--hours H | --seconds S] [--rate R]
  capture        a capture device enrols workers, some spoiled  [--persons P] [--bad-share F] [--faces-dir DIR] [--seconds S]
the platform:
  --tcp HOST:PORT                 gateway (default 127.0.0.1:9100)
  --http URL                      HTTP base URL (default http://127.0.0.1:8080)
  --vendor-json FILE              the output of \`kaoqin vendor create --json\`, or
  --access-id ID --access-key K --access-secret S
                                  (or KAOQIN_SIM_ACCESS_ID, KAOQIN_SIM_ACCESS_KEY, KAOQIN_SIM_ACCESS_SECRET)
  --platform-data-dir DIR | --platform-database-url URL
                                  read the platform's store to verify every record is there exactly
                                  once (needed by enrol-burst and capture; both may be given)
the devices:
  --devices N                     1 to 100,000 (default 100)
  --sites M                       bind the devices to M new sites first (needs the platform's store)
  --workers W                     persons clocking in, worker w on device w mod N (default 10 × N)
  --sn-prefix P                   serial numbers P00000, P00001… (default SIM-)
  --durable --data-dir DIR        SQLite queue files under DIR (default: in-memory queues)
  --connect-rate N                devices started per second (default 1,000)
  --heartbeat-seconds S           (default 20)
  --drain-seconds S               wait for the queues to empty after the load (default 120)
output:
  --json                          the summary as JSON
  --quiet                         no progress on stderr
  --verbose                       device warnings on stderr
exit code: 0 nothing lost or duplicated, 1 otherwise, 2 bad usage
`;

type OptionSpec = { type: 'string' | 'boolean' };

const COMMON: Record<string, OptionSpec> = {
  devices: { type: 'string' },
  sites: { type: 'string' },
  tcp: { type: 'string' },
  http: { type: 'string' },
  'access-id': { type: 'string' },
  'access-key': { type: 'string' },
  'access-secret': { type: 'string' },
  'vendor-json': { type: 'string' },
  'sn-prefix': { type: 'string' },
  'data-dir': { type: 'string' },
  durable: { type: 'boolean' },
  'platform-data-dir': { type: 'string' },
  'platform-database-url': { type: 'string' },
  workers: { type: 'string' },
  photo: { type: 'boolean' },
  'connect-rate': { type: 'string' },
  'heartbeat-seconds': { type: 'string' },
  'drain-seconds': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
};

/** The flags each scenario adds; one given to a scenario without it is a usage error (a typo, usually). */
const SCENARIO_FLAGS: Record<string, readonly string[]> = {
  'morning-peak': ['window-seconds', 'seconds', 'rate'],
  outage: ['rate', 'outage-seconds', 'outage-minutes', 'seconds'],
  'enrol-burst': ['persons', 'rate', 'seconds'],
  soak: ['hours', 'seconds', 'rate'],
  capture: ['persons', 'bad-share', 'faces-dir', 'seconds'],
};

const ALL_SCENARIO_FLAGS = [...new Set(Object.values(SCENARIO_FLAGS).flat())];

type Values = Record<string, string | boolean | undefined>;

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  let parsed: Parsed;
  try {
    parsed = await parseCommand(argv, env);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`kaoqin-sim: ${e.message}\n`);
      if (e.message === USAGE_HINT) stderr.write(USAGE);
      return 2;
    }
    stderr.write(`kaoqin-sim: ${(e as Error).message}\n`);
    return 1;
  }
  if (parsed === 'help') {
    stdout.write(USAGE);
    return 0;
  }
  let platform: OpenedPlatform | undefined;
  // Ctrl-C ends the load but still drains and prints the summary (hours of soak are not
  // thrown away); a second Ctrl-C quits at once.
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    stderr.write('\nkaoqin-sim: stopping the load; draining and summarizing (Ctrl-C again to quit)\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    if (parsed.platformWhere) platform = await openPlatformData(parsed.platformWhere);
    const common: SimCommonOptions = {
      ...parsed.common,
      platform: platform?.data,
      progress: { stream: stderr, mode: parsed.quiet ? 'quiet' : 'auto' },
      ...(parsed.verbose ? { log: verboseLog(stderr) } : {}),
    };
    const summary = await runScenario(parsed, { ...common, signal: interrupt.signal });
    stdout.write(parsed.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    return summary.ok ? 0 : 1;
  } catch (e) {
    stderr.write(`kaoqin-sim: ${parsed.verbose ? (e as Error).stack : (e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await platform?.close().catch(() => undefined);
  }
}

function runScenario(p: ParsedRun, common: SimCommonOptions): Promise<SimSummary> {
  const v = p.values;
  switch (p.scenario) {
    case 'morning-peak':
      return morningPeak({
        ...common,
        windowSeconds: positive(v, 'window-seconds') ?? positive(v, 'seconds'),
        rate: positive(v, 'rate'),
      });
    case 'outage': {
      const minutes = positive(v, 'outage-minutes');
      const around = positive(v, 'seconds');
      return outage({
        ...common,
        rate: positive(v, 'rate'),
        outageSeconds: positive(v, 'outage-seconds') ?? (minutes === undefined ? undefined : minutes * 60),
        beforeSeconds: around === undefined ? undefined : around / 2,
        afterSeconds: around === undefined ? undefined : around / 2,
      });
    }
    case 'enrol-burst':
      return enrolBurst({
        ...common,
        persons: positiveInt(v, 'persons', 1_000_000),
        rate: nonNegative(v, 'rate'),
        seconds: positive(v, 'seconds'),
      });
    case 'capture':
      return capture({
        ...common,
        persons: positiveInt(v, 'persons', 1_000_000),
        badShare: nonNegative(v, 'bad-share'),
        faces: p.faces,
        seconds: positive(v, 'seconds'),
      });
    default: {
      const hours = positive(v, 'hours');
      const seconds = positive(v, 'seconds') ?? (hours === undefined ? 3600 : hours * 3600);
      return soak({ ...common, seconds, rate: positive(v, 'rate') });
    }
  }
}

const USAGE_HINT = 'name a scenario: morning-peak, outage, enrol-burst, soak or capture';

interface ParsedRun {
  scenario: string;
  values: Values;
  common: Omit<SimCommonOptions, 'platform' | 'progress'>;
  platformWhere: { dataDir?: string; databaseUrl?: string } | undefined;
  /** capture --faces-dir: the JPEG/PNG files read, in name order. */
  faces?: Uint8Array[] | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

type Parsed = ParsedRun | 'help';

/** Reads and checks every flag before anything starts; throws UsageError. */
export async function parseCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Parsed> {
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({
      args: argv,
      options: {
        ...COMMON,
        ...Object.fromEntries(ALL_SCENARIO_FLAGS.map((f) => [f, { type: 'string' as const }])),
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = result.values as Values;
  if (values.help === true || result.positionals[0] === 'help') return 'help';
  const [scenario, ...extra] = result.positionals;
  if (!scenario) throw new UsageError(USAGE_HINT);
  const own = Object.hasOwn(SCENARIO_FLAGS, scenario) ? SCENARIO_FLAGS[scenario] : undefined;
  if (!own) throw new UsageError(`unknown scenario ${scenario}: ${USAGE_HINT}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  for (const f of ALL_SCENARIO_FLAGS) {
    if (values[f] !== undefined && !own.includes(f))
      throw new UsageError(`--${f} does not apply to ${scenario}`);
  }
  if (values['outage-seconds'] !== undefined && values['outage-minutes'] !== undefined) {
    throw new UsageError('give --outage-seconds or --outage-minutes, not both');
  }
  if (values.hours !== undefined && values.seconds !== undefined) {
    throw new UsageError('give --hours or --seconds, not both');
  }
  if (values['window-seconds'] !== undefined && values.seconds !== undefined) {
    throw new UsageError('give --window-seconds or --seconds, not both');
  }
  // Every number is checked now, so a typo fails before any device starts.
  positive(values, 'window-seconds');
  positive(values, 'seconds');
  positive(values, 'outage-seconds');
  positive(values, 'outage-minutes');
  positive(values, 'hours');
  positiveInt(values, 'persons', 1_000_000);
  if (scenario === 'enrol-burst') nonNegative(values, 'rate');
  else positive(values, 'rate');

  const devices = positiveInt(values, 'devices', 100_000) ?? 100;
  const workers = positiveInt(values, 'workers', 10_000_000);
  const sites = positiveInt(values, 'sites', 100_000);
  const tcp = parseHostPort(str(values, 'tcp') ?? '127.0.0.1:9100');
  const http = parseHttp(str(values, 'http') ?? 'http://127.0.0.1:8080');
  const endpoints: Endpoints = { tcpHost: tcp.host, tcpPort: tcp.port, httpBaseUrl: http };
  const dataDir = str(values, 'data-dir');
  if (values.durable === true && !dataDir) throw new UsageError('--durable needs --data-dir DIR');
  const platformDataDir = str(values, 'platform-data-dir');
  const platformDatabaseUrl = str(values, 'platform-database-url');
  const platformWhere =
    platformDataDir || platformDatabaseUrl
      ? {
          ...(platformDataDir ? { dataDir: platformDataDir } : {}),
          ...(platformDatabaseUrl ? { databaseUrl: platformDatabaseUrl } : {}),
        }
      : undefined;
  const badShare = nonNegative(values, 'bad-share');
  if (badShare !== undefined && badShare > 1) throw new UsageError('--bad-share must be from 0 to 1');
  const facesDir = str(values, 'faces-dir');
  const faces = facesDir === undefined ? undefined : await readFaces(facesDir);
  if (scenario === 'capture' && !platformWhere) {
    throw new UsageError(
      'capture needs --platform-data-dir DIR or --platform-database-url URL (it makes the capture device)',
    );
  }
  if (scenario === 'enrol-burst' && !platformWhere) {
    throw new UsageError(
      'enrol-burst needs --platform-data-dir DIR or --platform-database-url URL (it enrols persons)',
    );
  }
  if (sites !== undefined && !platformWhere) {
    throw new UsageError(
      '--sites needs --platform-data-dir or --platform-database-url (binding is done on the store)',
    );
  }
  const snPrefix = str(values, 'sn-prefix') ?? 'SIM-';
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(snPrefix)) {
    throw new UsageError('--sn-prefix must be 1 to 24 letters, digits, - or _');
  }
  const credentials = await readCredentials(values, env);
  const heartbeat = positive(values, 'heartbeat-seconds');
  const drain = positive(values, 'drain-seconds');
  return {
    scenario,
    values,
    ...(faces ? { faces } : {}),
    common: {
      endpoints,
      credentials,
      devices,
      workers,
      sites,
      snPrefix,
      dataDir,
      durable: values.durable === true,
      photo: values.photo === true,
      connectRate: positive(values, 'connect-rate'),
      heartbeatMs: heartbeat === undefined ? undefined : heartbeat * 1000,
      drainSeconds: drain,
    },
    platformWhere,
    json: values.json === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
  };
}

async function readCredentials(values: Values, env: NodeJS.ProcessEnv): Promise<VendorCredentials> {
  const file = str(values, 'vendor-json');
  let fromFile: Partial<VendorCredentials> = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--vendor-json ${file}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UsageError(`--vendor-json ${file} is not JSON (the output of kaoqin vendor create --json)`);
    }
    if (typeof json !== 'object' || json === null)
      throw new UsageError(`--vendor-json ${file}: not an object`);
    const o = json as Record<string, unknown>;
    const pick = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? o[k] : undefined);
    fromFile = {
      ...(pick('accessId') ? { accessId: pick('accessId') } : {}),
      ...(pick('accessKey') ? { accessKey: pick('accessKey') } : {}),
      ...(pick('accessSecret') ? { accessSecret: pick('accessSecret') } : {}),
    };
  }
  // Flags win over the file, the file over the environment.
  const one = (flag: string, field: keyof VendorCredentials, envName: string): string => {
    const v = str(values, flag) ?? fromFile[field] ?? (env[envName] || undefined);
    if (!v) {
      throw new UsageError(
        `vendor credentials needed: --vendor-json FILE, --${flag} or ${envName} (see kaoqin vendor create --json)`,
      );
    }
    return v;
  };
  return {
    accessId: one('access-id', 'accessId', 'KAOQIN_SIM_ACCESS_ID'),
    accessKey: one('access-key', 'accessKey', 'KAOQIN_SIM_ACCESS_KEY'),
    accessSecret: one('access-secret', 'accessSecret', 'KAOQIN_SIM_ACCESS_SECRET'),
  };
}

/** The face photos of a directory (.jpg, .jpeg, .png), in name order. */
async function readFaces(dir: string): Promise<Uint8Array[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  } catch (e) {
    throw new UsageError(`--faces-dir ${dir}: ${(e as Error).message}`);
  }
  if (names.length === 0) throw new UsageError(`--faces-dir ${dir} holds no .jpg or .png file`);
  return Promise.all(names.map((n) => readFile(join(dir, n))));
}

function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function positive(values: Values, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not ${v}`);
  return n;
}

function nonNegative(values: Values, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0, not ${v}`);
  return n;
}

function positiveInt(values: Values, name: string, max: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} must be an integer from 1 to ${max.toLocaleString('en-US')}, not ${v}`);
  }
  return n;
}

function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port < 1 || port > 65_535) throw new UsageError(`--tcp must be HOST:PORT, not ${text}`);
  // [::1]:9100: the brackets are the URL form, not part of the address.
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function parseHttp(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--http must be a URL such as http://127.0.0.1:8080, not ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--http must be an http:// or https:// URL, not ${text}`);
  }
  return text.replace(/\/+$/, '');
}

function verboseLog(stream: ProgressStream): DeviceLog {
  return (level, message, detail) => {
    if (level === 'warn' || level === 'error') {
      stream.write(`${level} ${message}${detail ? ` ${JSON.stringify(detail)}` : ''}\n`);
    }
  };
}

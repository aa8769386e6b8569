/**
 * npm run bench:gateway: the TCP device gateway under load, beside baselines from the
 * same run. In order: the bare echo server (devices held, heartbeats/s and sign-ins/s
 * at saturation); raw SQLite inserts (rows/s, with and without photo files); the durable
 * echo (the echo's sign-ins, without and with photo, each acked once durable); the
 * platform (started from its command with a fresh data dir and a new vendor, or a
 * running endpoint given with --target): devices held and RSS, heartbeats/s, sign-ins/s
 * without and with a 50 KB photo, then ack latency at 25 % of its max sign-in rate; last,
 * the echo again at that same rate. Prints the table; `--help` lists the settings.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { progress, runHarness } from '../lib/cli.js';
import { int } from '../lib/table.js';
import { forkTs, nextMessage, stop } from './children.js';
import { readSettings, type Settings, usage } from './config.js';
import type { DbConfig, DbResult } from './db-baseline.js';
import type { PgDbConfig } from './db-baseline-pg.js';
import type { DurableConfig } from './durable-echo.js';
import { withEchoServer } from './echo-child.js';
import { Fleet, type PhaseOptions, type PhaseSummary } from './fleet.js';
import type { Histogram } from './histogram.js';
import { LoopProbe, probeEnv } from './loop-client.js';
import type { Credentials, Workload } from './messages.js';
import { createScratchDatabase, type ScratchDatabase } from './pg-scratch.js';
import { createVendor, freePorts, startPlatform } from './platform.js';
import { memory } from './proc.js';
import { formatReport, type Report, type ServerSection } from './report.js';

/** Time for the server to settle after the last device opened, before its RSS is read. */
const SETTLE_MS = 2000;
const PHOTO_NOTE = 'a ~50 KiB PNG (base64 in img), different in every request';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hostLines(): string[] {
  const limit = /Max open files\s+(\d+)/.exec(
    (() => {
      try {
        return readFileSync('/proc/self/limits', 'utf8');
      } catch {
        return '';
      }
    })(),
  );
  return [
    `Node ${process.version} (V8 ${process.versions.v8}), ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    `${availableParallelism()} logical CPUs shared by the server and the load workers; ` +
      `${int.format(totalmem() / 1024 / 1024)} MiB RAM; open-file limit ${limit?.[1] ?? 'unknown'} per process`,
  ];
}

function settingsLines(s: Settings): string[] {
  return [
    `${int.format(s.devices)} devices over ${s.workers} ${s.loadGenerator} load workers (≤ ${int.format(s.connectRate)} new connections/s each); ` +
      `each phase ${s.warmupSeconds} s warm-up + ${s.seconds} s measured`,
    `saturation: every device, ${s.inflight} in flight each (photo: ${int.format(s.photoConnections)} devices; ${PHOTO_NOTE}); ` +
      `latency: ${s.latencyRate ? `${int.format(s.latencyRate)}/s` : `${s.latencyFraction * 100} % of the max sign-in rate`}, ` +
      `≤ ${s.latencyInflight} in flight per device; ` +
      (s.loadGenerator === 'sim'
        ? `every device heartbeats every ${s.keepaliveSeconds} s on its own (the SDK's timer)`
        : `idle devices heartbeat every ${s.keepaliveSeconds} s`),
  ];
}

interface Endpoint {
  host: string;
  port: number;
  pid: number | undefined;
  credentials: Credentials;
  /** The server's event-loop probe, when it was started with loop-probe.mjs. */
  probe?: LoopProbe;
}

interface Plan {
  saturation: boolean;
  /** Fixed rate for the latency phase; undefined = the fraction of this server's own sign-in max. */
  latencyRate: number | undefined;
  latency: boolean;
  /** Of the saturation phases, only the sign-ins, without and with photo (the durable echo's questions). */
  signInsOnly?: boolean;
}

class Bench {
  readonly runNonce = String(randomInt(100_000, 1_000_000));
  readonly recordTimeBase = Date.now() - 86_400_000;
  readonly tmp = mkdtempSync(join(tmpdir(), 'kaoqin-bench-gateway-'));
  readonly report: Report;
  /** With --database-url: this run's PostgreSQL database (the platform's and the baseline's). */
  scratch: ScratchDatabase | undefined;

  constructor(readonly s: Settings) {
    this.report = {
      loadGenerator: s.loadGenerator,
      host: hostLines(),
      settingsLines: settingsLines(s),
      devices: s.devices,
      echo: { notes: [] },
      db: {},
      echoDurable: { notes: [] },
      platform: { notes: [] },
      echoLatency: { notes: [] },
    };
  }

  private phase(
    name: string,
    workload: Workload,
    connections: number,
    inflight: number,
    rate: number,
  ): PhaseOptions {
    return {
      name,
      workload,
      warmupMs: this.s.warmupSeconds * 1000,
      measureMs: this.s.seconds * 1000,
      drainMs: this.s.drainSeconds * 1000,
      connections,
      inflight,
      rate,
    };
  }

  /** Connects the devices to a server, then runs the planned phases. */
  async drive(label: string, sec: ServerSection, ep: Endpoint, plan: Plan): Promise<void> {
    const s = this.s;
    const fleet = Fleet.start(s.workers, s.loadGenerator);
    try {
      if (ep.pid) sec.memIdle = memory(ep.pid);
      progress(`${label}: opening ${int.format(s.devices)} devices on ${ep.host}:${ep.port}`);
      sec.connect = await fleet.connect({
        host: ep.host,
        port: ep.port,
        devices: s.devices,
        credentials: ep.credentials,
        version: s.version,
        ratePerWorker: s.connectRate,
        maxOpeningPerWorker: s.maxOpening,
        maxAttempts: 5,
        timeoutMs: s.connectTimeoutSeconds * 1000,
        keepaliveMs: s.keepaliveSeconds * 1000,
        runNonce: this.runNonce,
        recordTimeBase: this.recordTimeBase,
      });
      progress(
        `${label}: ${int.format(sec.connect.held)} held in ${(sec.connect.elapsedMs / 1000).toFixed(1)} s`,
      );
      if (sec.connect.held === 0) throw new Error('no device could connect and authenticate');
      await sleep(SETTLE_MS);
      if (ep.pid) sec.memHeld = memory(ep.pid);
      const run = async (o: PhaseOptions): Promise<PhaseSummary> => {
        progress(`${label}: ${o.name}${o.rate > 0 ? ` at ${int.format(o.rate)}/s` : ''}`);
        const r = await fleet.run(o, ep.pid, ep.probe);
        progress(
          `${label}: ${o.name}: ${int.format(r.acksPerSecond)} acks/s, p99 ${(r.latency.percentile(99) / 1000).toFixed(2)} ms`,
        );
        return r;
      };
      if (plan.saturation) {
        if (!plan.signInsOnly)
          sec.heartbeat = await run(this.phase('heartbeat', 'heartbeat', s.devices, s.inflight, 0));
        sec.signIn = await run(this.phase('sign-in', 'sign-in', s.devices, s.inflight, 0));
        sec.photo = await run(
          this.phase('sign-in+photo', 'sign-in-photo', s.photoConnections, s.inflight, 0),
        );
      }
      const rate = Math.round(
        plan.latencyRate ?? s.latencyRate ?? (sec.signIn ? sec.signIn.acksPerSecond * s.latencyFraction : 0),
      );
      if (plan.latency && rate > 0) {
        sec.latency = await run(this.phase('latency', 'sign-in', s.devices, s.latencyInflight, rate));
      } else if (plan.latency) sec.notes.push('no latency phase: no sign-in rate to take a fraction of');
      sec.status = await fleet.status();
      sec.heldAtEnd = sec.status.open;
      if (ep.pid) sec.memEnd = memory(ep.pid);
    } finally {
      await fleet.close();
    }
  }

  private withEcho(fn: (ep: Endpoint) => Promise<void>, durable?: DurableConfig): Promise<void> {
    return withEchoServer(this.s.version, fn, durable);
  }

  /**
   * The echo again, its sign-ins answered only once group-committed to SQLite with fsync,
   * their photos to a log flushed once a batch (durable-echo.ts): what durability alone
   * leaves of the echo's rate on this machine, without and with photo, the ceiling of any
   * platform that stores each sign-in before its ack.
   */
  async echoDurable(): Promise<void> {
    const sec = this.report.echoDurable;
    if (this.s.skip.has('echo-durable')) {
      sec.skipped = 'on request';
      return;
    }
    const durable: DurableConfig = { dir: join(this.tmp, 'echo-durable'), batchMax: 1000, batchWaitMs: 2 };
    mkdirSync(durable.dir, { recursive: true });
    try {
      await this.section(sec, () =>
        this.withEcho(
          (ep) =>
            this.drive('durable echo', sec, ep, {
              saturation: true,
              signInsOnly: true,
              latency: false,
              latencyRate: undefined,
            }),
          durable,
        ),
      );
    } finally {
      // Its file goes now, not at exit: what the platform measures next shares the disk.
      if (!this.s.keepData) rmSync(durable.dir, { recursive: true, force: true });
    }
  }

  async echo(): Promise<void> {
    const sec = this.report.echo;
    if (this.s.skip.has('echo')) {
      sec.skipped = 'on request';
      return;
    }
    // Without a platform, the echo's own latency phase stands in (at a fraction of its own max).
    const latency = this.s.platformCmd === undefined && this.s.target === undefined;
    await this.section(sec, () =>
      this.withEcho((ep) =>
        this.drive('echo', sec, ep, { saturation: true, latency, latencyRate: undefined }),
      ),
    );
  }

  async db(): Promise<void> {
    const d = this.report.db;
    if (this.s.skip.has('db')) {
      d.skipped = 'on request';
      return;
    }
    const one = async (name: string, photoBytes: number, pgUrl?: string): Promise<DbResult> => {
      progress(`db: ${name}`);
      const cfg: DbConfig = {
        dir: join(this.tmp, `db-${name}`),
        seconds: this.s.seconds,
        batch: this.s.dbBatch,
        photoBytes,
      };
      const pgCfg: PgDbConfig = { url: pgUrl ?? '', seconds: this.s.seconds, batch: this.s.dbBatch };
      const child = pgUrl
        ? forkTs('db-baseline-pg.ts', { BENCH_DB_PG: JSON.stringify(pgCfg) })
        : forkTs('db-baseline.ts', { BENCH_DB: JSON.stringify(cfg) });
      try {
        const m = await nextMessage(
          child,
          (x): x is DbResult | { type: 'error'; error: string } =>
            typeof x === 'object' && x !== null && 'type' in x,
          this.s.seconds * 1000 + 120_000,
        );
        if (m.type === 'error') throw new Error(m.error);
        progress(`db: ${name}: ${int.format(m.rowsPerSecond)} rows/s`);
        return m;
      } finally {
        await stop(child);
      }
    };
    try {
      d.rows = await one('rows', 0);
      d.photo = await one('photos', 50 * 1024);
      if (this.scratch) d.pgRows = await one('postgresql rows', 0, this.scratch.url);
    } catch (e) {
      d.error = String((e as Error).message ?? e);
    }
  }

  async platform(): Promise<void> {
    const sec = this.report.platform;
    const s = this.s;
    if (s.target) {
      const ep = { ...s.target };
      sec.notes.push(
        `target ${ep.host}:${ep.port}${ep.pid ? ` (pid ${ep.pid})` : ' (no BENCH_TARGET_PID: no RSS or CPU)'}`,
      );
      await this.section(sec, () =>
        this.drive('target', sec, ep, { saturation: s.saturation, latency: true, latencyRate: undefined }),
      );
      return;
    }
    if (!s.platformCmd) {
      sec.skipped = s.platformSkipped ?? 'no platform command';
      return;
    }
    const serve = s.platformCmd;
    const vendorCmd = s.vendorCmd!;
    await this.section(sec, async () => {
      const dataDir = join(this.tmp, 'platform-data');
      mkdirSync(dataDir, { recursive: true });
      const logFile = join(this.tmp, 'platform.log');
      const [tcpPort, httpPort] = (await freePorts(2)) as [number, number];
      const vendorVars = { name: `bench-${this.runNonce}`, dataDir };
      // The store is chosen by KAOQIN_DATABASE_URL (or the command's own --database-url).
      const env: NodeJS.ProcessEnv = this.scratch
        ? { ...process.env, KAOQIN_DATABASE_URL: this.scratch.url }
        : process.env;
      // Before serve, so a platform that caches vendors at boot knows this one.
      let credentials: Credentials | undefined;
      let firstTry: unknown;
      progress('platform: creating a vendor');
      try {
        credentials = await createVendor(vendorCmd, vendorVars, logFile, undefined, env);
      } catch (e) {
        firstTry = e;
      }
      progress(`platform: starting ${serve.join(' ')}`);
      // Every phase line then gives the server's own event-loop delay (loop-probe.mjs).
      const probe = new LoopProbe(join(this.tmp, 'loop.sock'));
      const p = await startPlatform(
        serve,
        { dataDir, tcpPort, httpPort, host: s.host },
        logFile,
        s.platformStartSeconds * 1000,
        probeEnv(probe.socket, env),
      );
      try {
        sec.notes.push(`started in ${(p.startMs / 1000).toFixed(1)} s: ${p.argv.join(' ')}`);
        sec.notes.push(
          `log: ${logFile}${s.keepData ? '' : ' (removed at exit; BENCH_KEEP_DATA=1 keeps it)'}`,
        );
        if (!credentials) {
          sec.notes.push(
            `vendor create before serve failed, created after start instead: ${String(firstTry)}`,
          );
          credentials = await createVendor(vendorCmd, vendorVars, logFile, undefined, env);
        }
        await this.drive(
          'platform',
          sec,
          { host: s.host, port: tcpPort, pid: p.pid, credentials, probe },
          {
            saturation: s.saturation,
            latency: true,
            latencyRate: undefined,
          },
        );
      } finally {
        progress('platform: stopping');
        await stop(p.child, 10_000);
      }
    });
  }

  async echoLatency(): Promise<void> {
    const pl = this.report.platform.latency;
    const sec = this.report.echoLatency;
    if (!pl || this.s.skip.has('echo-latency')) return;
    await this.section(sec, () =>
      this.withEcho((ep) =>
        this.drive('echo', sec, ep, { saturation: false, latency: true, latencyRate: pl.rate }),
      ),
    );
  }

  private async section(sec: ServerSection, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      sec.error = String((e as Error).message ?? e);
      progress(`ERROR: ${sec.error.split('\n')[0]}`);
    }
  }
}

function histogramJson(h: Histogram): Record<string, number> {
  const q = (p: number) => h.percentile(p) / 1000;
  return { count: h.count, p50Ms: q(50), p90Ms: q(90), p99Ms: q(99), p999Ms: q(99.9), maxMs: h.max / 1000 };
}

function toJson(report: Report): string {
  return JSON.stringify(
    report,
    (_k, v: unknown) =>
      v !== null && typeof v === 'object' && 'percentile' in v && typeof v.percentile === 'function'
        ? histogramJson(v as Histogram)
        : v,
    2,
  );
}

runHarness(readSettings, usage, async (settings) => {
  const bench = new Bench(settings);
  process.on('exit', () => {
    if (!settings.keepData) rmSync(bench.tmp, { recursive: true, force: true });
  });
  progress(`scratch directory ${bench.tmp}`);
  if (settings.databaseUrl) {
    bench.scratch = await createScratchDatabase(settings.databaseUrl);
    bench.report.database = `PostgreSQL, scratch database ${bench.scratch.name} (dropped at the end)`;
    progress(`PostgreSQL: scratch database ${bench.scratch.name}`);
  }
  try {
    await bench.echo();
    await bench.db();
    await bench.echoDurable();
    await bench.platform();
    await bench.echoLatency();
  } finally {
    await bench.scratch?.drop();
  }
  const r = bench.report;
  console.log(formatReport(r));
  if (settings.json) writeFileSync(settings.json, toJson(r));
  const failed = [r.echo.error, r.db.error, r.echoDurable.error, r.platform.error, r.echoLatency.error].some(
    (e) => e !== undefined,
  );
  return failed ? 1 : 0;
});

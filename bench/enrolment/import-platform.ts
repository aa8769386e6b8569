/**
 * The platform under test for bench:enrolment:import, in its own process so the load
 * workers and the harness never share its event loop: startPlatform on a fresh data
 * directory (SQLite unless a database URL is given), ports chosen by the OS, the face
 * detector and its workers as the harness asks, and `importWaitMs` 0 so POST /imports
 * answers 202 as soon as the files are in and the harness times the rows by polling.
 * Creates a vendor (the devices' credentials) and a site (the import's), says `ready`,
 * and exits when the harness closes the channel.
 *
 * Config: BENCH_IMPORT_PLATFORM (JSON, ImportPlatformConfig); BENCH_STALL_LOG (below).
 */

import { appendFileSync } from 'node:fs';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { createLogger, loadConfig, startPlatform } from '@kaoqin/platform';
import { exitWhenParentGoes } from '../lib/ipc.js';

export interface ImportPlatformConfig {
  dataDir: string;
  databaseUrl: string | undefined;
  adminPassword: string;
  faceDetector: string;
  /** Undefined: the platform's default. */
  faceWorkers: number | undefined;
}

export type ImportPlatformHello =
  | {
      type: 'ready';
      pid: number;
      tcpPort: number;
      httpPort: number;
      siteId: string;
      credentials: { accessId: string; accessKey: string; accessSecret: string };
      faceDetector: string;
      faceWorkers: number;
    }
  | { type: 'error'; error: string };

function send(m: ImportPlatformHello): void {
  if (process.connected) process.send!(m);
}

/**
 * BENCH_STALL_LOG=<file>: the platform's event-loop stalls over 30 ms and GC pauses over
 * 5 ms, one line each with its wall-clock time (`<ISO> stall|gc<kind> <ms>`), to lay beside
 * the rounds' times when one round's tail stands out. A diagnostic: it costs the platform
 * a little (a 10 ms timer, a file append per line), so judged runs go without it.
 */
function stallLog(path: string): void {
  const line = (kind: string, ms: number) =>
    appendFileSync(path, `${new Date().toISOString()} ${kind} ${ms.toFixed(1)}\n`);
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > 40) line('stall', now - last - 10);
    last = now;
  }, 10).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (e.duration > 5) line(`gc${kind}`, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
}

async function main(): Promise<void> {
  if (process.env.BENCH_STALL_LOG) stallLog(process.env.BENCH_STALL_LOG);
  const cfg = JSON.parse(process.env.BENCH_IMPORT_PLATFORM ?? '') as ImportPlatformConfig;
  const config = loadConfig(
    {
      'data-dir': cfg.dataDir,
      ...(cfg.databaseUrl ? { 'database-url': cfg.databaseUrl } : {}),
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_LOG_LEVEL ?? 'silent',
      'admin-password': cfg.adminPassword,
      'face-detector': cfg.faceDetector,
      ...(cfg.faceWorkers !== undefined ? { 'face-workers': String(cfg.faceWorkers) } : {}),
      'import-wait-ms': '0',
    },
    process.env,
  );
  const platform = await startPlatform(config, createLogger(config.logLevel));
  exitWhenParentGoes(() => platform.stop());
  const vendor = await platform.data.vendors.create('bench-enrolment');
  const site = await platform.data.persons.createSite('导入基准工地');
  send({
    type: 'ready',
    pid: process.pid,
    tcpPort: platform.tcpPort,
    httpPort: platform.httpPort,
    siteId: site.id,
    credentials: {
      accessId: vendor.accessId,
      accessKey: vendor.accessKey,
      accessSecret: vendor.accessSecret,
    },
    faceDetector: config.faceDetector,
    faceWorkers: config.faceWorkers,
  });
}

main().catch((e: unknown) => {
  send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});

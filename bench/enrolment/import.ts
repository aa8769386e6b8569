/**
 * npm run bench:enrolment:import: a 5,000-person roster import with real face photos,
 * checked by the platform's face detector, timed through the management API from the
 * upload to the last row, and the device gateway's sign-ins measured in the same run
 * before (no import), during and after it.
 *
 * In order: the roster CSV and the photos ZIP are built (not timed); the platform starts
 * in its own process (import-platform.ts: fresh data dir, SQLite unless a database URL is
 * given, the detector and its workers as asked); the load workers (bench/gateway's, their
 * own processes) open the devices; `baseline-rounds` gateway rounds with no import (sign-ins
 * at saturation, then at a fixed rate set by the first); the import is posted and, while it runs, up to `rounds` more
 * rounds at the same fixed rate; the devices then idle until the import is done; one round
 * after it. Prints the table (import-report.ts). `--help` lists the settings.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, nextMessage, stop } from '../gateway/children.js';
import type { Histogram } from '../gateway/histogram.js';
import { progress, runHarness } from '../lib/cli.js';
import { dec, int } from '../lib/table.js';
import { ApiClient, type ImportRun, runImport } from './import-client.js';
import { buildImportFiles } from './import-data.js';
import { Devices, type Round } from './import-gateway.js';
import type { ImportPlatformConfig, ImportPlatformHello } from './import-platform.js';
import { formatReport, type ImportReport } from './import-report.js';
import { type ImportSettings, readSettings, usage } from './import-settings.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ADMIN_PASSWORD = 'bench-enrolment-admin';

const isHello = (m: unknown): m is ImportPlatformHello =>
  typeof m === 'object' && m !== null && 'type' in m && (m.type === 'ready' || m.type === 'error');

async function bench(s: ImportSettings, scratch: string, report: ImportReport): Promise<void> {
  progress(`building the roster and ${int.format(s.persons)} ${s.photos} photos`);
  const files = await buildImportFiles(s.persons, s.photos);
  report.files = {
    persons: files.persons,
    zipBytes: files.photos.length,
    rosterBytes: files.roster.length,
    photoBytes: files.photoBytes,
    buildMs: files.buildMs,
  };

  const dataDir = join(scratch, 'data');
  mkdirSync(dataDir, { recursive: true });
  const cfg: ImportPlatformConfig = {
    dataDir,
    databaseUrl: s.databaseUrl,
    adminPassword: ADMIN_PASSWORD,
    faceDetector: s.faceDetector,
    faceWorkers: s.faceWorkers,
  };
  progress('starting the platform');
  const t0 = performance.now();
  const child = forkTs(resolve(HERE, 'import-platform.ts'), { BENCH_IMPORT_PLATFORM: JSON.stringify(cfg) });
  let devices: Devices | undefined;
  try {
    const hello = await nextMessage(child, isHello, 300_000);
    if (hello.type === 'error') throw new Error(`platform: ${hello.error}`);
    report.platform = {
      faceDetector: hello.faceDetector,
      faceWorkers: hello.faceWorkers,
      store: s.databaseUrl ? 'PostgreSQL' : 'SQLite',
      startMs: performance.now() - t0,
    };
    const api = new ApiClient(`http://127.0.0.1:${hello.httpPort}`);
    await api.login('admin', ADMIN_PASSWORD);

    let fixedRate: number | undefined;
    if (s.gateway) {
      progress(`opening ${int.format(s.devices)} devices`);
      const opened = await Devices.open(s, {
        port: hello.tcpPort,
        pid: hello.pid,
        credentials: hello.credentials,
      });
      devices = opened.devices;
      report.devices = { held: opened.held, connectMs: opened.connectMs };
      fixedRate = await devices.prefill(s.prefillSeconds);
      for (let i = 0; i < s.baselineRounds; i++) {
        const round = await devices.round(`before ${i + 1}`, fixedRate);
        report.baseline.push(round);
        fixedRate ??= round.fixed.summary.rate;
      }
    }

    if (s.control) {
      if (!devices) throw new Error('--control needs the gateway (drop --no-gateway)');
      // The same rounds in the same places, no import: what the verdict says of noise alone.
      for (let i = 0; i < s.rounds; i++)
        report.during.push({ ...(await devices.round(`control ${i + 1}`, fixedRate)), inside: true });
      if (s.after) report.after = await devices.round('after', fixedRate);
      return;
    }
    progress(`posting the import (${s.mode}, ZIP ${dec(1).format(files.photos.length / 1e6)} MB)`);
    let lastShown = 0;
    const handle = runImport(api, {
      siteId: hello.siteId,
      mode: s.mode,
      roster: files.roster,
      photos: files.photos,
      pollMs: 250,
      timeoutMs: s.importTimeoutSeconds * 1000,
      onProgress: (v) => {
        if (performance.now() - lastShown < 15_000 && v.status === 'running') return;
        lastShown = performance.now();
        progress(
          `  import ${v.status}: ${int.format(v.progress.done)} of ${int.format(v.progress.total)} rows`,
        );
      },
    });
    await handle.answered;
    const rounds: Round[] = [];
    if (devices) {
      for (let i = 0; i < s.rounds && handle.running(); i++) {
        const round = await devices.round(`during ${i + 1}`, fixedRate);
        rounds.push(round);
        // Shown even if the import then fails; judged only once its end is known.
        report.during.push({ ...round, inside: false });
      }
      // From here the devices only heartbeat: the import stops yielding to them
      // (importYieldAbove) and its rate from now on is the one the 10-minute target judges.
      if (rounds.length > 0 && handle.running())
        report.idle = { at: performance.now(), done: handle.latest()?.progress.done ?? 0 };
    }
    const run: ImportRun = await handle.done;
    report.run = run;
    report.during = rounds.map((round) => ({
      ...round,
      inside: round.saturation.windowStart >= run.answeredAt && round.fixed.windowEnd <= run.endedAt,
    }));
    const secs = (run.endedAt - run.startedAt) / 1000;
    progress(
      `import ${run.view.status} in ${dec(1).format(secs)} s: ${dec(2).format(run.view.progress.total / secs)} persons/s`,
    );
    if (devices && s.after) report.after = await devices.round('after', fixedRate);
  } finally {
    await devices?.close();
    progress('stopping the platform');
    await stop(child, 15_000);
  }
}

function histogramJson(h: Histogram): Record<string, number> {
  const q = (p: number) => h.percentile(p) / 1000;
  return { count: h.count, p50Ms: q(50), p99Ms: q(99), maxMs: h.max / 1000 };
}

runHarness(readSettings, usage, async (s) => {
  const scratch = mkdtempSync(join(tmpdir(), 'kaoqin-bench-import-'));
  process.on('exit', () => {
    if (!s.keepData) rmSync(scratch, { recursive: true, force: true });
  });
  progress(`scratch directory ${scratch}`);
  const report: ImportReport = {
    settings: s,
    baseline: [],
    during: [],
    errors: [],
    load: { start: loadavg()[0]! },
  };
  try {
    await bench(s, scratch, report);
  } catch (e) {
    report.errors.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    progress(`ERROR: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
  report.load.end = loadavg()[0]!;
  console.log(formatReport(report));
  if (s.json) {
    writeFileSync(
      s.json,
      JSON.stringify(
        report,
        (_k, v: unknown) =>
          v !== null && typeof v === 'object' && 'percentile' in v && typeof v.percentile === 'function'
            ? histogramJson(v as Histogram)
            : v,
        2,
      ),
    );
  }
  return report.errors.length > 0 ? 1 : 0;
});

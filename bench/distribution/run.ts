/**
 * npm run bench:distribution: how fast one enrolment wave reaches every device.
 *
 * The platform runs in a child process with a fresh data dir; N simulated devices (this
 * process) connect over TCP, are bound to an empty site, and then P persons with photos
 * are enrolled (untimed) and distributed: the clock runs from distribute() until every
 * device has reported its task done, after taking every page and every photo. Then
 * persons are added one at a time and each is timed to every device. Last, a bare
 * Fastify server answers the same page and photos from memory to the same clients: the
 * baseline. Prints the table; `--help` lists the settings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { progress, runHarness } from '../lib/cli.js';
import { int } from '../lib/table.js';
import { readSettings, type Settings, usage } from './config.js';
import {
  bindDevices,
  Fleet,
  type PlatformHandle,
  prepare,
  runBaseline,
  runSingles,
  runWave,
  startPlatformChild,
  stopChild,
  verify,
} from './harness.js';
import { formatReport, type Report } from './report.js';

function hostLines(): string[] {
  return [
    `Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} logical CPUs ` +
      `shared by the platform, the devices and the baseline; ${int.format(totalmem() / 1024 / 1024)} MiB RAM`,
  ];
}

async function platformSection(s: Settings, r: Report, dataDir: string): Promise<void> {
  const timeoutMs = s.timeoutSeconds * 1000;
  let p: PlatformHandle | undefined;
  let fleet: Fleet | undefined;
  try {
    progress('platform: starting');
    p = await startPlatformChild({
      dataDir,
      faceCapacity: Math.max(10_000, 2 * (s.persons + s.singles)),
      prepConcurrency: s.prepConcurrency,
    });
    progress(`platform: pid ${p.pid}, TCP ${p.tcpPort}, HTTP ${p.httpPort}; connecting ${s.devices} devices`);
    fleet = await Fleet.open(p, {
      devices: s.devices,
      pageSize: s.pageSize,
      photoInflight: s.photoInflight,
      heartbeatMs: s.heartbeatSeconds * 1000,
      version: s.version,
      httpClient: s.httpClient,
    });
    r.bindMs = (await bindDevices(fleet, timeoutMs)).ms;
    progress(
      `bound to a site and settled; enrolling ${int.format(s.persons)} persons (+${s.singles} photos), untimed`,
    );
    r.prepare = await prepare(
      fleet,
      s.persons,
      s.skipSingles ? 0 : s.singles,
      Math.max(timeoutMs, s.persons * 50),
    );
    progress(
      `photos made in ${(r.prepare.generateMs / 1000).toFixed(1)} s, persons stored in ${(r.prepare.enrolMs / 1000).toFixed(1)} s; distributing`,
    );
    r.wave = await runWave(fleet, r.prepare, timeoutMs);
    progress(`wave: every device done after ${(r.wave.waveMs / 1000).toFixed(2)} s`);
    const expected = [...r.prepare.personIds];
    if (!s.skipSingles && s.singles > 0) {
      progress(`single adds: ${s.singles}, ${s.singleGapMs} ms apart`);
      r.singles = await runSingles(fleet, s.singles, s.singleGapMs, timeoutMs);
      expected.push(...r.singles.samples.map((x) => x.personId));
    }
    progress('checking every device and the platform');
    r.problems = await verify(fleet, expected);
  } catch (e) {
    r.errors.push(`platform: ${(e as Error).message}`);
    progress(`ERROR: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    fleet?.close();
    progress('platform: stopping');
    await stopChild(p);
  }
}

async function baselineSection(s: Settings, r: Report): Promise<void> {
  if (s.skipBaseline) return;
  try {
    progress('baseline: bare Fastify, same clients, same pages and photo count');
    r.baseline = await runBaseline({
      devices: s.devices,
      persons: s.persons,
      pageSize: s.pageSize,
      inflight: s.photoInflight,
      version: s.version,
      httpClient: s.httpClient,
    });
    progress(`baseline: done in ${(r.baseline.totalMs / 1000).toFixed(2)} s`);
  } catch (e) {
    r.errors.push(`baseline: ${(e as Error).message}`);
    progress(`ERROR: ${(e as Error).message.split('\n')[0]}`);
  }
}

runHarness(readSettings, usage, async (settings) => {
  const tmp = mkdtempSync(join(tmpdir(), 'kaoqin-bench-distribution-'));
  process.on('exit', () => {
    if (!settings.keepData) rmSync(tmp, { recursive: true, force: true });
  });
  progress(`scratch directory ${tmp}${settings.keepData ? ' (kept)' : ''}`);
  const report: Report = { host: hostLines(), settings, errors: [] };
  await platformSection(settings, report, join(tmp, 'platform-data'));
  await baselineSection(settings, report);
  console.log(formatReport(report));
  if (settings.json)
    writeFileSync(
      settings.json,
      JSON.stringify(report, (k, v: unknown) => (k === 'personIds' ? undefined : v), 2),
    );
  return report.errors.length > 0 || (report.problems?.length ?? 0) > 0 ? 1 : 0;
});

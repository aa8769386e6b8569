/**
 * npm run bench:backlog — how fast a device's offline backlog drains (issue 5 target:
 * 60,000 records in under 60 s), through the reference DeviceClient, into
 *   1. the bare echo server of bench/gateway (decode, MD5 check, constant answer), and
 *   2. the platform (durable group-committed SQLite insert before each ack),
 * each a child process, measured in the same run. The backlog is written once into the
 * device's durable queue while no platform is reachable, then the same queue file is
 * copied and drained by a fresh client pointed at each target.
 *
 * BENCH_RECORDS (60000), BENCH_INFLIGHT (records in flight, the client's default 32).
 */

import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient } from '../../packages/device/src/index.js';
import { startPlatformChild, stopChild } from '../distribution/harness.js';
import { installCleanup } from '../gateway/children.js';
import { withEchoServer } from '../gateway/echo-child.js';
import { dec, int, type Row, ratio, table, verdict } from '../lib/table.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 60_000);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 32);
const T0 = Date.UTC(2024, 4, 1);
const SN = 'BENCH-BACKLOG';

interface Target {
  tcpPort: number;
  httpPort: number;
  creds: { accessId: string; accessKey: string; accessSecret: string };
}

function client(dir: string, t: Target): DeviceClient {
  return new DeviceClient({
    identity: { sn: SN, ...t.creds, deviceVersion: 'bench', deviceIp: '127.0.0.1' },
    endpoints: { tcpHost: '127.0.0.1', tcpPort: t.tcpPort, httpBaseUrl: `http://127.0.0.1:${t.httpPort}` },
    dataDir: dir,
    heartbeatMs: 20_000,
    taskRunner: false,
    backoff: { baseMs: 20, maxMs: 200 },
    queue: { maxInFlight: INFLIGHT },
  });
}

/** Fills a queue while nothing listens (port 1 refuses), then stops: the backlog is on disk. */
async function fill(dir: string): Promise<number> {
  const c = client(dir, {
    tcpPort: 1,
    httpPort: 1,
    creds: { accessId: 'x', accessKey: 'x', accessSecret: 'x' },
  });
  await c.start();
  const t = performance.now();
  for (let at = 0; at < RECORDS; at += 1000) {
    const n = Math.min(1000, RECORDS - at);
    await Promise.all(
      Array.from({ length: n }, (_, k) =>
        c.clockIn({
          personId: `9${String((at + k) % 500).padStart(18, '0')}`,
          type: 1,
          recordTime: T0 + at + k,
        }),
      ),
    );
  }
  const ms = performance.now() - t;
  await c.stop();
  return ms;
}

async function drain(template: string, t: Target): Promise<{ seconds: number; acked: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kaoqin-backlog-'));
  try {
    for (const f of ['signin-queue.db', 'signin-queue.db-wal', 'signin-queue.db-shm']) {
      if (existsSync(join(template, f))) copyFileSync(join(template, f), join(dir, f));
    }
    const c = client(dir, t);
    let acked = 0;
    c.events.on('acked', () => acked++);
    const started = performance.now();
    await c.start();
    while (c.queueDepth() > 0) {
      if (performance.now() - started > 600_000) throw new Error('backlog did not drain in 10 minutes');
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await c.stop();
    return { seconds, acked };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withEcho<T>(fn: (t: Target) => Promise<T>): Promise<T> {
  return withEchoServer('v1.0.0', (ep) => fn({ tcpPort: ep.port, httpPort: 1, creds: ep.credentials }));
}

async function main(): Promise<void> {
  installCleanup();
  const template = mkdtempSync(join(tmpdir(), 'kaoqin-backlog-template-'));
  const platformDir = mkdtempSync(join(tmpdir(), 'kaoqin-backlog-platform-'));
  try {
    process.stderr.write(`filling a ${int.format(RECORDS)}-record backlog…\n`);
    const fillMs = await fill(template);
    process.stderr.write('draining into the bare echo server…\n');
    const echo = await withEcho((t) => drain(template, t));
    process.stderr.write('draining into the platform…\n');
    const p = await startPlatformChild({ dataDir: platformDir, faceCapacity: 10_000, prepConcurrency: 1 });
    let platform: { seconds: number; acked: number };
    try {
      platform = await drain(template, { tcpPort: p.tcpPort, httpPort: p.httpPort, creds: p.creds });
    } finally {
      await stopChild(p);
    }
    const rows: Row[] = [
      [
        `${int.format(RECORDS)}-record backlog drained`,
        `${dec(1).format(platform.seconds)} s`,
        `${dec(1).format(echo.seconds)} s`,
        ratio(platform.seconds, echo.seconds),
        '< 60 s',
        verdict(platform.seconds < 60),
      ],
      [
        '  records/s',
        `${int.format(RECORDS / platform.seconds)}/s`,
        `${int.format(RECORDS / echo.seconds)}/s`,
        ratio(echo.seconds, platform.seconds),
        '',
        '',
      ],
    ];
    process.stdout.write(
      `${table(rows)}\nbaseline = the bare echo server of bench/gateway (decode, MD5 check, constant answer; stores nothing)\n`,
    );
    process.stdout.write(
      `\none device (DeviceClient, ${INFLIGHT} records in flight) draining its SQLite queue; filling it took ${int.format(fillMs)} ms (${int.format((RECORDS / fillMs) * 1000)} durable enqueues/s, 1,000 per burst)\n` +
        `acked: platform ${int.format(platform.acked)}, echo ${int.format(echo.acked)} (every record acked once by each)\n`,
    );
    if (platform.acked !== RECORDS || echo.acked !== RECORDS) process.exitCode = 1;
  } finally {
    rmSync(template, { recursive: true, force: true });
    rmSync(platformDir, { recursive: true, force: true });
  }
}

await main();

/**
 * SSE fan-out (issue 10, "Performance": 1,000 clock-ins/s to 100 subscribers with p99
 * delivery ≤ 200 ms), beside a baseline from the same run.
 *
 * BENCH_SSE_SUBSCRIBERS clients hold GET /api/v1/events?types=attendance.created as the
 * admin, and each attendance frame is timed from its `receivedAt` to its arrival at the
 * client. Three sections, each with a fresh server:
 * - baseline: a bare node:http server fans the same frames out to as many clients at the
 *   same rate, each tick's frames rendered once and written to each client once;
 * - platform, fan-out: the platform process announces clock-ins at BENCH_SSE_RATE a
 *   second straight to its live sink, as the ingest does after a commit: the hub, the
 *   filters and the streams, what the issue's target is about;
 * - platform, end-to-end: TCP devices clock in at that rate (every record new), so the
 *   gateway, the durable group commit and the platform's share of the CPU are included.
 * Platform, baseline, devices and subscribers each run in their own processes
 * (sse-child.ts); the subscribers are spread over BENCH_SSE_CLIENTS processes. Only
 * frames of events made after the warm-up count for latency; every frame counts for
 * "missing" (each subscriber should get every clock-in once).
 *
 *   npm run bench:api-sse
 *   BENCH_SSE_RATE=2000 BENCH_SSE_SECONDS=30 npm run bench:api-sse
 *   BENCH_DATABASE_URL=postgres://… npm run bench:api-sse      # the platform on PostgreSQL
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { forkTs } from '../gateway/children.js';
import { progress, runHarness } from '../lib/cli.js';
import { IpcClient } from '../lib/ipc.js';
import { readFlags, type SettingSpecs, usageText } from '../lib/settings.js';
import { dec, int, type Row, ratio, table, verdict } from '../lib/table.js';
import { type Commands, type Delivery, HIST_BUCKET_MS } from './sse-child.js';

const SPECS: SettingSpecs = {
  rate: { env: 'BENCH_SSE_RATE', help: 'clock-ins per second in total (default 1000)', kind: 'number' },
  subscribers: { env: 'BENCH_SSE_SUBSCRIBERS', help: 'event-stream clients (default 100)', kind: 'number' },
  devices: { env: 'BENCH_SSE_DEVICES', help: 'TCP devices sharing the rate (default 20)', kind: 'number' },
  seconds: { env: 'BENCH_SSE_SECONDS', help: 'measured seconds (default 15)', kind: 'number' },
  warmup: { env: 'BENCH_SSE_WARMUP', help: 'seconds before the measured window (default 3)', kind: 'number' },
  clients: {
    env: 'BENCH_SSE_CLIENTS',
    help: 'processes the subscribers are spread over (default 2)',
    kind: 'number',
  },
};

interface Settings {
  rate: number;
  subscribers: number;
  devices: number;
  seconds: number;
  warmup: number;
  clients: number;
}

function readSettings(argv: string[]): Settings | 'help' {
  const r = readFlags(SPECS, argv, { trimEnv: true });
  if (r === 'help') return r;
  return {
    rate: r.int('rate', 1000, 1),
    subscribers: r.int('subscribers', 100, 1),
    devices: r.int('devices', 20, 1),
    seconds: r.int('seconds', 15, 1),
    warmup: r.int('warmup', 3, 0),
    clients: r.int('clients', 2, 1),
  };
}

const usage = () => usageText('bench/api/sse.ts: SSE fan-out of clock-ins', SPECS, 12, 22);
const ADMIN_PASSWORD = 'bench-sse-admin-password';
const CALL_MS = 120_000;

type Child = IpcClient<Commands>;
const child = (label: string): Child => new IpcClient<Commands>(forkTs('../api/sse-child.ts'), label);

interface Run {
  delivery: Delivery;
  /** Frames each subscriber should have had. */
  expected: number;
  extra: string;
  rssMiB?: number;
  /** Clock-in answers (the durable write), send to ack. */
  ack?: { p50: number; p99: number };
  /** Cores used while the events were made: by the server (platform or baseline), by the subscribers. */
  serverCores: number;
  clientCores: number;
}

/** Cores each group of processes uses between start() and the returned stop(). */
async function cpuMeter(server: Child, clients: Child[]) {
  const read = () => Promise.all([server, ...clients].map((c) => c.call('cpu', {}, CALL_MS)));
  const before = await read();
  return async () => {
    const after = await read();
    const cores = (i: number) => (after[i]!.cpuMs - before[i]!.cpuMs) / (after[i]!.at - before[i]!.at);
    return {
      serverCores: cores(0),
      clientCores: clients.reduce((n, _, i) => n + cores(i + 1), 0),
    };
  };
}

/** Subscribers spread over processes, all connected (each has its `ready`). */
async function subscribers(s: Settings, url: string, token: string): Promise<Child[]> {
  const procs = Array.from({ length: Math.min(s.clients, s.subscribers) }, (_, i) =>
    child(`subscribers ${i}`),
  );
  await Promise.all(
    procs.map((c, i) =>
      c.call('subscribe', { url, token, count: Math.ceil((s.subscribers - i) / procs.length) }, CALL_MS),
    ),
  );
  return procs;
}

/** Frames of events made in the measured window (from now + warm-up) count for latency. */
async function openWindow(s: Settings, procs: Child[]): Promise<void> {
  const from = Date.now() + s.warmup * 1000;
  await Promise.all(procs.map((c) => c.call('window', { from, to: from + s.seconds * 1000 }, CALL_MS)));
}

async function collect(procs: Child[]): Promise<Delivery> {
  await new Promise((r) => setTimeout(r, 1000)); // the last frames on their way
  const all = await Promise.all(procs.map((c) => c.call('finish', {}, CALL_MS)));
  const hist = new Map<number, number>();
  for (const d of all) for (const [b, n] of d.hist) hist.set(b, (hist.get(b) ?? 0) + n);
  for (const c of procs) await c.call('stop', {}, CALL_MS).catch(() => undefined);
  return {
    hist: [...hist].sort((a, b) => a[0] - b[0]),
    inWindow: all.reduce((n, d) => n + d.inWindow, 0),
    maxMs: Math.max(...all.map((d) => d.maxMs)),
    perStream: all.flatMap((d) => d.perStream),
    resets: all.reduce((n, d) => n + d.resets, 0),
    ended: all.reduce((n, d) => n + d.ended, 0),
  };
}

async function runBaseline(s: Settings): Promise<Run> {
  progress('baseline: bare node:http fan-out');
  const server = child('baseline');
  const { port } = await server.call('startBaseline', {}, CALL_MS);
  const subs = await subscribers(s, `http://127.0.0.1:${port}/`, '-');
  await openWindow(s, subs);
  const meter = await cpuMeter(server, subs);
  const { sent } = await server.call('fanOut', { rate: s.rate, seconds: s.warmup + s.seconds }, CALL_MS * 5);
  const cores = await meter();
  const delivery = await collect(subs);
  await server.call('stop', {}, CALL_MS).catch(() => undefined);
  return { delivery, expected: sent, extra: `${int.format(sent)} events`, ...cores };
}

/**
 * The platform with its subscribers connected. `fan-out`: clock-ins announced in the
 * platform process straight to its live sink, as the ingest does after a commit (the
 * hub, the filters and the streams, nothing else). `end-to-end`: TCP devices clock in.
 */
async function runPlatform(s: Settings, mode: 'fan-out' | 'end-to-end'): Promise<Run> {
  progress(
    `platform, ${mode}: ${s.subscribers} subscribers${mode === 'end-to-end' ? `, ${s.devices} TCP devices` : ''}`,
  );
  const platform = child('platform');
  const info = await platform.call(
    'startPlatform',
    { devices: s.devices, adminPassword: ADMIN_PASSWORD },
    CALL_MS,
  );
  const base = `http://127.0.0.1:${info.httpPort}`;
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const subs = await subscribers(s, `${base}/api/v1/events?types=attendance.created`, token);
  const seconds = s.warmup + s.seconds;
  let run: Omit<Run, 'delivery'>;
  if (mode === 'fan-out') {
    await openWindow(s, subs);
    const meter = await cpuMeter(platform, subs);
    const { sent } = await platform.call('announce', { rate: s.rate, seconds }, CALL_MS * 5);
    run = { expected: sent, extra: `${int.format(sent)} announced`, ...(await meter()) };
  } else {
    const devices = child('devices');
    await devices.call('connectDevices', { port: info.tcpPort, creds: info.creds, sns: info.sns }, CALL_MS);
    progress(`platform, end-to-end: clocking in at ${s.rate}/s for ${seconds} s`);
    await openWindow(s, subs);
    const meter = await cpuMeter(platform, subs);
    const r = await devices.call('clockIn', { rate: s.rate, seconds }, CALL_MS * 5);
    const cores = await meter();
    await devices.call('stop', {}, CALL_MS).catch(() => undefined);
    run = {
      expected: r.acked,
      extra: `${int.format(r.sent)} clock-ins sent, ${int.format(r.acked)} acked, ${int.format(r.failed)} refused`,
      ack: { p50: r.ackP50, p99: r.ackP99 },
      ...cores,
    };
  }
  const delivery = await collect(subs);
  const { rssMiB } = await platform.call('stop', {}, CALL_MS);
  return { ...run, delivery, rssMiB };
}

function percentile(d: Delivery, q: number): number | undefined {
  if (d.inWindow === 0) return undefined;
  const rank = Math.ceil(q * d.inWindow);
  let seen = 0;
  for (const [b, n] of d.hist) {
    seen += n;
    if (seen >= rank) return (b + 1) * HIST_BUCKET_MS;
  }
  return d.maxMs;
}

const missing = (r: Run) => r.delivery.perStream.reduce((n, got) => n + Math.max(0, r.expected - got), 0);

function report(s: Settings, f: Run, e: Run, b: Run): string {
  const ms = (x: number | undefined) => (x === undefined ? '—' : dec(1).format(x));
  const rate = (r: Run) => r.delivery.inWindow / s.seconds;
  const wanted = s.rate * s.subscribers;
  const rows: Row[] = [];
  for (const [label, p] of [
    ['fan-out', f],
    ['end-to-end', e],
  ] as const) {
    const q = (r: Run, x: number) => percentile(r.delivery, x);
    const line = (
      name: string,
      pv: number | undefined,
      bv: number | undefined,
      target = '',
      ok?: boolean,
    ): Row => [`${label}: ${name}`, ms(pv), ms(bv), ratio(pv, bv), target, verdict(ok)];
    const p99 = q(p, 0.99);
    rows.push(
      line('delivery p50 (ms)', q(p, 0.5), q(b, 0.5)),
      line('delivery p99 (ms)', p99, q(b, 0.99), '≤ 200', p99 !== undefined && p99 <= 200),
      line('delivery max (ms)', p.delivery.maxMs, b.delivery.maxMs),
      [
        `${label}: frames delivered/s`,
        int.format(rate(p)),
        int.format(rate(b)),
        ratio(rate(p), rate(b)),
        `≥ ${int.format(wanted * 0.99)}`,
        verdict(rate(p) >= wanted * 0.99),
      ],
      [
        `${label}: frames missing`,
        int.format(missing(p)),
        int.format(missing(b)),
        '',
        '0',
        verdict(missing(p) === 0),
      ],
      [
        `${label}: resets (reader behind)`,
        int.format(p.delivery.resets),
        int.format(b.delivery.resets),
        '',
        '0',
        '',
      ],
      [
        `${label}: server CPU (cores)`,
        dec(2).format(p.serverCores),
        dec(2).format(b.serverCores),
        ratio(p.serverCores, b.serverCores),
        '',
        '',
      ],
      [
        `${label}: subscribers' CPU (cores)`,
        dec(2).format(p.clientCores),
        dec(2).format(b.clientCores),
        '',
        '',
        '',
      ],
      [`${label}: platform RSS at the end (MiB)`, int.format(p.rssMiB ?? 0), '', '', '', ''],
    );
  }
  rows.push(
    ['end-to-end: clock-in ack p50 (ms)', ms(e.ack?.p50), '', '', '', ''],
    ['end-to-end: clock-in ack p99 (ms)', ms(e.ack?.p99), '', '', '', ''],
  );
  return [
    `SSE fan-out: ${s.rate} clock-ins/s to ${s.subscribers} subscribers, ${s.seconds} s measured after ${s.warmup} s; ` +
      `the platform on ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`,
    `Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} logical CPUs shared ` +
      `by every process; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    `fan-out: ${f.extra}; end-to-end: ${e.extra}; baseline: ${b.extra}`,
    '',
    table(rows),
    '',
    'delivery: from receivedAt to the frame read by the subscriber, on one clock. fan-out: receivedAt is when the',
    'platform process announced the clock-in to its live sink; end-to-end: when the clock-in reached the gateway, so',
    'it includes the durable group commit. ack: a device sending C_SIGN_IN to reading its answer.',
  ].join('\n');
}

runHarness(readSettings, usage, async (s) => {
  const b = await runBaseline(s);
  const f = await runPlatform(s, 'fan-out');
  const e = await runPlatform(s, 'end-to-end');
  console.log(report(s, f, e, b));
  return 0;
});

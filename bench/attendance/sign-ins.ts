/**
 * npm run bench:attendance:sign-ins: durable sign-ins per second at saturation with the
 * clock-in rules of issue 12 on, beside the same run with them off (target ≥ 0.85×), and
 * with statistics and webhooks on too where the platform has those switches.
 *
 * Each run of a mode starts its own platform (sign-ins-platform.ts: fresh data directory,
 * SQLite, or a fresh schema of --database-url's PostgreSQL), opens the devices with bench/gateway's load workers
 * (their own processes, raw TCP, pre-signed frames), binds them to a fenced site, and
 * measures one saturation phase of traffic.ts's mix (every device keeps `inflight`
 * sign-ins outstanding; an ack is sent only once the record is durable, so acks/s is
 * durable sign-ins/s). Modes run in turn, their order rotated each round so neither
 * gets the warmer machine; the table gives each mode's median beside the "off" median of
 * the same run. `--help` lists the settings.
 *
 * In the all-on mode a webhook for every event points at a receiver in this process
 * (answers 204), so the outbox is really on: the follower writes a delivery per clock-in
 * and the sender posts it. At the window's end the platform says how far statistics and
 * webhooks lag behind the stored records (they yield to ingest: background share); after
 * the run, how long they took to catch up once the load stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { forkTs, nextMessage, stop } from '../gateway/children.js';
import { Fleet, START_LEAD_MS } from '../gateway/fleet.js';
import { progress, runHarness } from '../lib/cli.js';
import { startHookReceiver } from '../lib/hook-receiver.js';
import { dec, int, ratio, table, verdict } from '../lib/table.js';
import type { SignInsPlatformConfig, SignInsPlatformMessage } from './sign-ins-platform.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TARGET = 0.85;

interface Settings {
  devices: number;
  loadWorkers: number;
  inflight: number;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  databaseUrl: string | undefined;
}

const DEFAULTS: Settings = {
  devices: 400,
  loadWorkers: 1,
  inflight: 4,
  seconds: 10,
  warmupSeconds: 3,
  rounds: 3,
  databaseUrl: undefined,
};

function usage(): string {
  return [
    'usage: npm run bench:attendance:sign-ins -- [--devices N] [--load-workers N] [--inflight N]',
    '         [--seconds S] [--warmup-seconds S] [--rounds N] [--database-url postgres://…]',
    `defaults: ${JSON.stringify(DEFAULTS)}`,
  ].join('\n');
}

function readSettings(argv: string[]): Settings | 'help' {
  const s = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return 'help';
    const value = argv[++i];
    if (value === undefined) throw new Error(`${a} needs a value`);
    const key = a.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (key === 'databaseUrl') s.databaseUrl = value;
    else if (key in s && key !== 'databaseUrl') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} must be a positive integer`);
      (s as unknown as Record<string, number>)[key] = n;
    } else throw new Error(`unknown setting ${a}\n${usage()}`);
  }
  return s;
}

interface Mode {
  name: string;
  switches: Record<string, boolean>;
  /** Registers a webhook for every event at a local receiver. */
  receiver?: boolean;
}

const MODES: Mode[] = [
  { name: 'off', switches: { attendanceRules: false, attendanceStats: false, webhooks: false } },
  { name: 'rules', switches: { attendanceRules: true, attendanceStats: false, webhooks: false } },
  {
    name: 'rules+stats+webhooks',
    switches: { attendanceRules: true, attendanceStats: true, webhooks: true },
    receiver: true,
  },
];

interface RunResult {
  acksPerSecond: number;
  errors: number;
  stored: number;
  acks: number;
  applied: Record<string, boolean>;
  flags: Record<string, number>;
  /** All-on mode only: how the background followers fared. */
  background?: Background;
}

interface Background {
  /** Webhook POSTs the receiver took in the measured window. */
  deliveredInWindow: number;
  /** Records stored but not yet projected / followed / delivered when the window closed. */
  statsLag: number | null;
  followLag: number;
  deliveryLag: number;
  /** Records stored when the window closed, and the ms the budget made followers wait up to then. */
  recordsAtEnd: number;
  waitedMs: number;
  /** The platform loop's utilisation in the last sample before the window closed. */
  utilization: number;
  /** From the window's end until statistics and the webhook follower had caught up (ms); null: not within the limit. */
  catchUpMs: number | null;
  /** From the window's end until the receiver had every clock-in (ms); null: not within the limit. */
  deliveredMs: number | null;
  /** Webhook POSTs per second after the window, until all were delivered or the limit. */
  deliveryRate: number;
}

type Lag = Extract<SignInsPlatformMessage, { type: 'lag' }>;
const isLag = (m: unknown): m is Lag => isMessage(m) && m.type === 'lag';
/** Longest wait for the followers to catch up after the load stops. */
const CATCH_UP_LIMIT_MS = 60_000;

const isMessage = (m: unknown): m is SignInsPlatformMessage =>
  typeof m === 'object' && m !== null && 'type' in m;

/** On PostgreSQL, each run gets a schema of its own (reached through search_path), dropped after. */
async function pgSchema(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `kq_bench_att_${randomBytes(6).toString('hex')}`;
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await sql(`create schema ${schema}`);
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => sql(`drop schema ${schema} cascade`) };
}

async function runOnce(s: Settings, mode: Mode, scratch: string, nonce: string): Promise<RunResult> {
  const dataDir = mkdtempSync(join(scratch, `${mode.name.replace(/\W/g, '-')}-`));
  mkdirSync(dataDir, { recursive: true });
  const schema = s.databaseUrl ? await pgSchema(s.databaseUrl) : undefined;
  const hooks = mode.receiver ? await startHookReceiver() : undefined;
  const cfg: SignInsPlatformConfig = {
    dataDir,
    databaseUrl: schema?.url,
    switches: mode.switches,
    ...(hooks ? { webhookUrl: hooks.url } : {}),
  };
  const child = forkTs(resolve(HERE, 'sign-ins-platform.ts'), {
    BENCH_ATTENDANCE_PLATFORM: JSON.stringify(cfg),
  });
  const fleet = Fleet.start(s.loadWorkers, 'lean');
  try {
    const hello = await nextMessage(child, isMessage, 300_000);
    if (hello.type !== 'ready') throw new Error(`platform: ${JSON.stringify(hello)}`);
    const c = await fleet.connect({
      host: '127.0.0.1',
      port: hello.tcpPort,
      devices: s.devices,
      credentials: hello.credentials,
      version: 'v1.0.0',
      ratePerWorker: 2000,
      maxOpeningPerWorker: 500,
      maxAttempts: 5,
      timeoutMs: 120_000,
      keepaliveMs: 20_000,
      runNonce: nonce,
      // Records made from now on, 1 ms apart: live at first, late once the device runs ahead of its 10 s.
      recordTimeBase: Date.now(),
    });
    if (c.held < s.devices) throw new Error(`only ${c.held} of ${s.devices} devices connected`);
    child.send({ type: 'bind' });
    const bound = await nextMessage(child, isMessage, 120_000);
    if (bound.type !== 'bound') throw new Error(`bind: ${JSON.stringify(bound)}`);
    // The window's edges as fleet.run sets them (its lead, the warm-up, the window).
    const windowStart = Date.now() + START_LEAD_MS + s.warmupSeconds * 1000;
    const windowEnd = windowStart + s.seconds * 1000;
    let deliveredAtStart = 0;
    let deliveredAtEnd = 0;
    let atEnd: Promise<Lag> | undefined;
    const timers = hooks
      ? [
          setTimeout(() => {
            deliveredAtStart = hooks.count();
          }, windowStart - Date.now()),
          setTimeout(() => {
            deliveredAtEnd = hooks.count();
            atEnd = nextMessage(child, isLag, 60_000);
            child.send({ type: 'lag', count: true });
          }, windowEnd - Date.now()),
        ]
      : [];
    const summary = await fleet.run(
      {
        name: mode.name,
        workload: 'sign-in-mix',
        warmupMs: s.warmupSeconds * 1000,
        measureMs: s.seconds * 1000,
        drainMs: 5000,
        connections: s.devices,
        inflight: s.inflight,
        rate: 0,
      },
      hello.pid,
    );
    for (const t of timers) clearTimeout(t);
    const background =
      hooks && atEnd
        ? await settle(child, hooks.count, await atEnd, deliveredAtStart, deliveredAtEnd, windowEnd)
        : undefined;
    child.send({ type: 'count' });
    const count = await nextMessage(child, isMessage, 60_000);
    if (count.type !== 'count') throw new Error(`count: ${JSON.stringify(count)}`);
    return {
      acksPerSecond: summary.acksPerSecond,
      errors: summary.errorsInWindow + summary.unanswered,
      stored: count.records,
      acks: summary.acks,
      applied: hello.applied,
      flags: count.flags,
      ...(background ? { background } : {}),
    };
  } finally {
    await fleet.close();
    await stop(child, 10_000);
    await hooks?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await schema?.drop();
  }
}

/** The lag at the window's end, then polls until every stored record is projected, followed and delivered. */
async function settle(
  child: ChildProcess,
  delivered: () => number,
  end: Lag,
  deliveredAtStart: number,
  deliveredAtEnd: number,
  windowEnd: number,
): Promise<Background> {
  let catchUpMs: number | null = null;
  let deliveredMs: number | null = null;
  const ask = async (count: boolean): Promise<Lag> => {
    const p = nextMessage(child, isLag, 60_000);
    child.send({ type: 'lag', count });
    return p;
  };
  // The load has stopped: the stored count is final, read once.
  const stored = (await ask(true)).records ?? 0;
  const atEnd = end.records ?? 0;
  while (Date.now() - windowEnd < CATCH_UP_LIMIT_MS) {
    const now = await ask(false);
    if (catchUpMs === null && (now.projected ?? stored) >= stored && now.followed >= stored)
      catchUpMs = Date.now() - windowEnd;
    if (delivered() >= stored) deliveredMs = Date.now() - windowEnd;
    if (catchUpMs !== null && deliveredMs !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    deliveredInWindow: deliveredAtEnd - deliveredAtStart,
    statsLag: end.projected === null ? null : atEnd - end.projected,
    followLag: atEnd - end.followed,
    deliveryLag: Math.max(0, atEnd - deliveredAtEnd),
    recordsAtEnd: atEnd,
    waitedMs: end.waitedMs,
    utilization: end.utilization,
    catchUpMs,
    deliveredMs,
    deliveryRate: ((delivered() - deliveredAtEnd) * 1000) / Math.max(1, Date.now() - windowEnd),
  };
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

async function bench(s: Settings): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'kaoqin-bench-attendance-'));
  const results = new Map<string, RunResult[]>(MODES.map((m) => [m.name, []]));
  try {
    for (let r = 0; r < s.rounds; r++) {
      const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]!);
      for (const mode of order) {
        progress(`round ${r + 1}/${s.rounds}: ${mode.name}`);
        const res = await runOnce(s, mode, scratch, String(100_000 + r * 10 + MODES.indexOf(mode)));
        progress(
          `round ${r + 1}: ${mode.name}: ${int.format(res.acksPerSecond)} sign-ins/s, ${res.errors} errors, ${int.format(res.stored)} stored`,
        );
        results.get(mode.name)!.push(res);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const off = median(results.get('off')!.map((x) => x.acksPerSecond));
  let ok = true;
  const rows = MODES.map((m) => {
    const runs = results.get(m.name)!;
    const med = median(runs.map((x) => x.acksPerSecond));
    const judged = m.name !== 'off';
    const met = med / off >= TARGET;
    if (judged && !met) ok = false;
    const on = Object.entries(runs[0]!.applied)
      .filter(([, v]) => v)
      .map(([k]) => k);
    return [
      `durable sign-ins/s, ${m.name} (${on.length ? on.join(', ') : 'all off'})`,
      int.format(med),
      int.format(off),
      ratio(med, off),
      judged ? `≥ ${dec(2).format(TARGET)}×` : 'baseline',
      judged ? verdict(met) : '',
    ] as [string, string, string, string, string, string];
  });
  const errors = [...results.values()].flat().reduce((n, x) => n + x.errors, 0);
  console.log(
    `\nbench:attendance:sign-ins — ${s.devices} devices, inflight ${s.inflight}, ${s.seconds} s windows, ${s.rounds} rounds, ${s.databaseUrl ? 'PostgreSQL' : 'SQLite'}; traffic: bench/attendance/traffic.ts's mix\n`,
  );
  console.log(table(rows));
  console.log('\nper round (sign-ins/s):');
  for (const m of MODES)
    console.log(
      `  ${m.name.padEnd(22)} ${results
        .get(m.name)!
        .map((x) => int.format(x.acksPerSecond))
        .join('  ')}`,
    );
  console.log('flags raised in the last round (records carrying each; the rules at work):');
  for (const m of MODES) {
    const f = results.get(m.name)!.at(-1)!.flags;
    const text = Object.entries(f)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${int.format(n)}`)
      .join(', ');
    console.log(`  ${m.name.padEnd(22)} ${text || 'none'}`);
  }
  const bg = MODES.filter((m) => m.receiver);
  if (bg.length > 0) {
    const secs = (ms: number | null) =>
      ms === null ? `not within ${CATCH_UP_LIMIT_MS / 1000} s` : `${dec(1).format(ms / 1000)} s`;
    console.log(
      '\nbackground followers (statistics, webhook follower and sender) under saturation, per round:',
    );
    console.log(
      "  records behind when the window closed (stored then: statistics / follower / delivered), webhooks delivered in the window, the budget's waits, catch-up after the load stopped",
    );
    for (const m of bg)
      for (const [i, r] of results.get(m.name)!.entries()) {
        const b = r.background!;
        console.log(
          `  ${m.name} round ${i + 1}: stored ${int.format(b.recordsAtEnd)}; behind ${b.statsLag === null ? '—' : int.format(b.statsLag)} / ${int.format(b.followLag)} / ${int.format(b.deliveryLag)}; delivered ${int.format(b.deliveredInWindow)} (${int.format(b.deliveredInWindow / s.seconds)}/s); loop ${dec(2).format(b.utilization)} busy, waited ${dec(1).format(b.waitedMs / 1000)} s; statistics and follower caught up ${secs(b.catchUpMs)}, every webhook delivered ${secs(b.deliveredMs)} after the window (${int.format(b.deliveryRate)} POSTs/s after it)`,
        );
      }
  }
  console.log(`errors and unanswered over all runs: ${errors}`);
  return ok && errors === 0 ? 0 : 1;
}

runHarness(readSettings, usage, bench);

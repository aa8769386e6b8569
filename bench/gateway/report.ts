/**
 * The results of one run, and their plain-text rendering: the summary table (metric |
 * platform | baseline | ratio | target | verdict), then one line per measured phase so
 * every number in the table can be traced to its connections, errors and CPU.
 */
import { dec, int, MB, type Row, ratio, table, verdict } from '../lib/table.js';
import type { LoadGenerator } from './config.js';
import type { DbResult } from './db-baseline.js';
import type { ConnectSummary, PhaseSummary } from './fleet.js';
import type { StatusResult } from './messages.js';
import type { Memory } from './proc.js';

export interface ServerSection {
  /** Why this section did not run, or stopped. */
  skipped?: string;
  error?: string;
  connect?: ConnectSummary;
  /** Memory before any device connected, while holding them idle, and at the end. */
  memIdle?: Memory;
  memHeld?: Memory;
  memEnd?: Memory;
  /** Devices still open after the last phase. */
  heldAtEnd?: number;
  status?: StatusResult;
  heartbeat?: PhaseSummary;
  signIn?: PhaseSummary;
  photo?: PhaseSummary;
  latency?: PhaseSummary;
  notes: string[];
}

export interface DbSection {
  skipped?: string;
  error?: string;
  rows?: DbResult;
  photo?: DbResult;
  /** With --database-url: the same rows, raw multi-row INSERTs on that PostgreSQL server. */
  pgRows?: DbResult;
}

export interface Report {
  /** Which load workers drove the servers: loadgen.ts (lean) or loadgen-sim.ts (sim). */
  loadGenerator: LoadGenerator;
  host: string[];
  settingsLines: string[];
  devices: number;
  /** The platform's store when it is not its embedded SQLite (--database-url). */
  database?: string;
  echo: ServerSection;
  db: DbSection;
  /** The echo with its sign-ins group-committed to SQLite before their acks (durable-echo.ts). */
  echoDurable: ServerSection;
  platform: ServerSection;
  /** The bare echo at the platform's latency rate. */
  echoLatency: ServerSection;
}

/** Issue 15's targets: same-run ratios against the bare echo, and absolute bounds. */
export const TARGETS = {
  devices: 19_000,
  rssBytes: 400 * 1024 * 1024,
  heartbeatRatio: 0.9,
  signInRatio: 0.6,
  photoRatio: 0.5,
  p99Ms: 50,
  /** No event-loop stall longer than this in the latency phase. */
  stallMs: 20,
};

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '—' : `${dec(1).format(bytes / MB)} MB`;
}
function ms(micros: number | undefined): string {
  return micros === undefined ? '—' : `${dec(micros < 10_000 ? 2 : 1).format(micros / 1000)} ms`;
}
function rate(p: PhaseSummary | undefined): string {
  if (!p) return '—';
  return `${int.format(p.acksPerSecond)}/s${troubled(p) ? ' *' : ''}`;
}
function troubled(p: PhaseSummary): boolean {
  return p.errorsInWindow > 0 || p.unanswered > 0 || Object.keys(p.errors).length > 0;
}

function counts(c: Record<string, number>): string {
  const parts = Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}×${int.format(v)}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function label(p: PhaseSummary): string {
  return p.rate > 0 ? `at ${int.format(p.rate)}/s` : 'saturation';
}

/** The two rows under a durable sign-in phase: the platform against the durable echo, and that against the echo. */
function durableRows(r: Report, phase: 'signIn' | 'photo'): Row[] {
  const platform = r.platform[phase]?.acksPerSecond;
  const durable = r.echoDurable[phase];
  return [
    [
      '  same, against the durable echo',
      '',
      `durable echo ${rate(durable)}`,
      ratio(platform, durable?.acksPerSecond),
      '',
      '',
    ],
    [
      '  durable echo against the echo',
      '',
      '',
      ratio(durable?.acksPerSecond, r.echo[phase]?.acksPerSecond),
      '',
      '',
    ],
  ];
}

function rows(r: Report): Row[] {
  const p = r.platform;
  const e = r.echo;
  const pHeld = p.connect?.held;
  const enough = r.devices >= TARGETS.devices;
  const heldOk =
    pHeld === undefined || !enough
      ? undefined
      : pHeld >= TARGETS.devices && (p.heldAtEnd ?? 0) >= TARGETS.devices;
  const perDevice = (held: number | undefined) => {
    const m = p.memHeld;
    if (!m || !held) return '';
    const marginal = p.memIdle
      ? `; +${dec(1).format((m.rss - p.memIdle.rss) / 1024 / held)} KB/dev over idle`
      : '';
    return ` (${dec(1).format(m.rss / 1024 / held)} KB/dev${marginal})`;
  };
  const out: Row[] = [
    [
      'devices held (connected + C_AUTH)',
      pHeld === undefined
        ? '—'
        : `${int.format(pHeld)} / ${int.format(r.devices)}; ${int.format(p.heldAtEnd ?? 0)} at end`,
      e.connect ? `echo ${int.format(e.connect.held)}` : '—',
      ratio(pHeld, e.connect?.held),
      `${int.format(TARGETS.devices)} held`,
      enough ? verdict(heldOk) : `n/a (${int.format(r.devices)} asked)`,
    ],
    [
      'server RSS holding the devices idle',
      `${mb(p.memHeld?.rss)}${perDevice(pHeld)}`,
      `echo ${mb(e.memHeld?.rss)}`,
      ratio(p.memHeld?.rss, e.memHeld?.rss),
      '≤ 400 MB',
      p.memHeld && enough && heldOk !== undefined ? verdict(heldOk && p.memHeld.rss <= TARGETS.rssBytes) : '',
    ],
    [
      'server peak RSS over the run (VmHWM)',
      mb(p.memEnd?.peak),
      `echo ${mb(e.memEnd?.peak)}`,
      ratio(p.memEnd?.peak, e.memEnd?.peak),
      '≤ 400 MB',
      p.memEnd && enough && heldOk !== undefined ? verdict(heldOk && p.memEnd.peak <= TARGETS.rssBytes) : '',
    ],
    [
      'heartbeats/s, saturation',
      rate(p.heartbeat),
      `echo ${rate(e.heartbeat)}`,
      ratio(p.heartbeat?.acksPerSecond, e.heartbeat?.acksPerSecond),
      `≥ ${TARGETS.heartbeatRatio} × echo`,
      atLeast(p.heartbeat, e.heartbeat, TARGETS.heartbeatRatio),
    ],
    [
      'durable sign-ins/s, no photo, saturation',
      rate(p.signIn),
      `echo ${rate(e.signIn)}`,
      ratio(p.signIn?.acksPerSecond, e.signIn?.acksPerSecond),
      `≥ ${TARGETS.signInRatio} × echo`,
      atLeast(p.signIn, e.signIn, TARGETS.signInRatio),
    ],
    ...durableRows(r, 'signIn'),
    [
      '  same, against raw sqlite inserts',
      '',
      `sqlite ${r.db.rows ? `${int.format(r.db.rows.rowsPerSecond)}/s` : '—'}`,
      ratio(p.signIn?.acksPerSecond, r.db.rows?.rowsPerSecond),
      '',
      '',
    ],
    ...(r.db.pgRows
      ? [
          [
            '  same, against raw PostgreSQL',
            '',
            `postgresql ${int.format(r.db.pgRows.rowsPerSecond)}/s`,
            ratio(p.signIn?.acksPerSecond, r.db.pgRows.rowsPerSecond),
            '',
            '',
          ] satisfies Row,
        ]
      : []),
    [
      'durable sign-ins/s, 50 KB photo, saturation',
      rate(p.photo),
      `echo ${rate(e.photo)}`,
      ratio(p.photo?.acksPerSecond, e.photo?.acksPerSecond),
      `≥ ${TARGETS.photoRatio} × echo`,
      atLeast(p.photo, e.photo, TARGETS.photoRatio),
    ],
    ...durableRows(r, 'photo'),
    [
      '  same, against sqlite + photo files',
      '',
      `sqlite+file ${r.db.photo ? `${int.format(r.db.photo.rowsPerSecond)}/s` : '—'}`,
      ratio(p.photo?.acksPerSecond, r.db.photo?.rowsPerSecond),
      '',
      '',
    ],
  ];
  const pl = p.latency;
  const el = r.echoLatency.latency ?? e.latency;
  const where = pl ? label(pl) : el ? label(el) : '';
  out.push(
    [
      `sign-in ack p50, ${where}`,
      ms(pl?.latency.percentile(50)),
      `echo ${ms(el?.latency.percentile(50))}`,
      ratio(pl?.latency.percentile(50), el?.latency.percentile(50)),
      '',
      '',
    ],
    [
      `sign-in ack p99, ${where}`,
      `${ms(pl?.latency.percentile(99))}${pl && troubled(pl) ? ' *' : ''}`,
      `echo ${ms(el?.latency.percentile(99))}`,
      ratio(pl?.latency.percentile(99), el?.latency.percentile(99)),
      `≤ ${TARGETS.p99Ms} ms at 25 % of max`,
      pl && pl.latency.count > 0 ? verdict(pl.latency.percentile(99) <= TARGETS.p99Ms * 1000) : '',
    ],
    [
      `server event-loop delay, ${where}`,
      pl?.serverLoop
        ? `max ${dec(1).format(pl.serverLoop.maxMs)} ms, p99 ${dec(1).format(pl.serverLoop.p99Ms)} ms`
        : '—',
      '',
      '',
      `no stall > ${TARGETS.stallMs} ms`,
      pl?.serverLoop ? verdict(pl.serverLoop.maxMs <= TARGETS.stallMs) : '',
    ],
  );
  return out;
}

/** The verdict on a saturation rate as a share of the echo's, or nothing when either is missing. */
function atLeast(p: PhaseSummary | undefined, e: PhaseSummary | undefined, share: number): string {
  return p && e ? verdict(p.acksPerSecond >= share * e.acksPerSecond) : '';
}

function phaseLine(server: string, p: PhaseSummary): string {
  const cpu = p.serverCpu === undefined ? 'n/a' : `${int.format(p.serverCpu)} %`;
  return (
    `  ${`${server} ${p.name}`.padEnd(30)} ${label(p)}, ${int.format(p.connections)} conns × ${p.inflight} in flight, ` +
    `${dec(1).format(p.windowMs / 1000)} s: ${int.format(p.acksPerSecond)} acks/s; ack p50 ${ms(p.latency.percentile(50))} ` +
    `p99 ${ms(p.latency.percentile(99))} max ${ms(p.latency.max)}` +
    (p.rate > 0
      ? ` (from due time: p99 ${ms(p.corrected.percentile(99))}; ${int.format(p.delayed)} sent late)`
      : '') +
    `; errors ${counts(p.errors)}; unanswered ${int.format(p.unanswered)}` +
    (p.pushes > 0 ? `; pushes ${int.format(p.pushes)}` : '') +
    (p.keepalivesPerSecond > 0
      ? `; beside it ${int.format(p.keepalivesPerSecond)} keep-alive heartbeats/s`
      : '') +
    `; CPU server ${cpu}, load ${int.format(p.loadgenCpu)} %` +
    (p.serverMainThread
      ? ` (server main thread on a core ${int.format(p.serverMainThread.ranPct)} %, ` +
        `waiting for one ${int.format(p.serverMainThread.waitedPct)} %)`
      : '') +
    `; load loop delay p99 ${dec(1).format(p.loopDelayP99Ms)} ms` +
    (p.serverLoop
      ? `; server loop delay p50 ${dec(1).format(p.serverLoop.p50Ms)} p99 ${dec(1).format(p.serverLoop.p99Ms)} ` +
        `max ${dec(1).format(p.serverLoop.maxMs)} ms, ${int.format(p.serverLoop.stallsOver20Ms)} stalls > ${TARGETS.stallMs} ms`
      : '')
  );
}

function sectionLines(name: string, s: ServerSection): string[] {
  const out: string[] = [];
  if (s.skipped) out.push(`  ${name}: skipped: ${s.skipped}`);
  if (s.error) out.push(`  ${name}: ERROR: ${s.error.split('\n').join('\n    ')}`);
  if (s.connect) {
    const c = s.connect;
    out.push(
      `  ${name} connect: ${int.format(c.held)} of ${int.format(c.requested)} held in ${dec(1).format(c.elapsedMs / 1000)} s ` +
        `from ${c.addresses.length} source addresses (${c.addresses[0]}…${c.addresses[c.addresses.length - 1]}); ` +
        `retries ${counts(c.retries)}; failures ${counts(c.failures)}`,
    );
  }
  if (s.memIdle || s.memHeld || s.memEnd) {
    out.push(
      `  ${name} memory: RSS before devices ${mb(s.memIdle?.rss)}, holding them ${mb(s.memHeld?.rss)}, ` +
        `at end ${mb(s.memEnd?.rss)}, peak ${mb(s.memEnd?.peak)}` +
        (s.memHeld && s.memIdle && s.connect?.held
          ? `; (held − before) / devices = ${dec(1).format((s.memHeld.rss - s.memIdle.rss) / 1024 / s.connect.held)} KB`
          : '') +
        (s.memEnd && s.memEnd.processes > 1 ? ` (${s.memEnd.processes} processes)` : ''),
    );
  }
  for (const p of [s.heartbeat, s.signIn, s.photo, s.latency]) if (p) out.push(phaseLine(name, p));
  if (s.status) {
    const k = s.status.keepalive;
    out.push(
      `  ${name} end: ${int.format(s.heldAtEnd ?? s.status.open)} devices open; closed after auth: ${counts(s.status.closed)}; ` +
        `keep-alive heartbeats ${int.format(k.sent)} sent, ${int.format(k.acks)} acked, errors ${counts(k.errors)}`,
    );
  }
  for (const n of s.notes) out.push(`  ${name}: ${n}`);
  return out;
}

function dbLine(name: string, d: DbResult): string {
  return (
    `  ${name.padEnd(30)} ${int.format(d.rows)} rows in ${int.format(d.batches)} transactions over ${dec(1).format(d.seconds)} s: ` +
    `${int.format(d.rowsPerSecond)} rows/s; per batch p50 ${dec(1).format(d.batchMsP50)} ms, max ${dec(1).format(d.batchMsMax)} ms ` +
    (d.durability ? `(${d.durability})` : `(journal_mode=${d.journalMode}, synchronous=${d.synchronous})`)
  );
}

const GENERATORS: Record<LoadGenerator, string> = {
  lean: 'lean (loadgen.ts: raw sockets, pre-signed frames)',
  sim: 'sim (loadgen-sim.ts: DeviceClients of @kaoqin/device; latency includes the queue enqueue)',
};

export function formatReport(r: Report): string {
  const out = [...r.host, ...r.settingsLines, `load generator: ${GENERATORS[r.loadGenerator]}`];
  out.push(`platform store: ${r.database ?? 'embedded SQLite in the scratch directory'}`, '');
  out.push(table(rows(r)), '');
  out.push(
    'verdict: met / MISSED against the target; blank where there is no number to judge.',
    '* = the phase had failed answers or unanswered requests (see its line below).',
    'baselines: echo = bare framed server (decode, MD5 signature check, constant answer) driven by the same',
    'load workers; durable echo = the echo answering each sign-in once its row is group-committed (up to 1,000',
    'a batch, one batch at a time) by a write thread to SQLite, WAL, synchronous=FULL, and its photo, if any,',
    'appended to a log that thread fdatasyncs once a batch: the least any platform storing sign-ins before',
    'their acks pays; sqlite = raw 1000-row transactions, WAL, synchronous=FULL;',
    "sqlite+file = the same plus each row's 50 KB photo written to its own file and fdatasync'd.",
    '',
    'phases',
  );
  out.push(...sectionLines('echo', r.echo));
  if (r.db.skipped) out.push(`  db: skipped: ${r.db.skipped}`);
  if (r.db.error) out.push(`  db: ERROR: ${r.db.error}`);
  if (r.db.rows) out.push(dbLine('sqlite rows', r.db.rows));
  if (r.db.photo) out.push(dbLine('sqlite rows + photo files', r.db.photo));
  if (r.db.pgRows) out.push(dbLine('postgresql rows', r.db.pgRows));
  out.push(...sectionLines('durable echo', r.echoDurable));
  out.push(...sectionLines('platform', r.platform));
  out.push(...sectionLines('echo', r.echoLatency));
  return out.join('\n');
}

/**
 * The parts of the benchmark, as functions run.ts and the smoke test both call:
 *
 *   startPlatformChild → Fleet.open (devices connect and authenticate) → bindDevices
 *   (clear + empty send, settled) → prepare (photos + addMany, untimed) → runWave
 *   (distribute, until every device reported) → runSingles (persons.add one at a time)
 *   → verify (device side and platform side) ; runBaseline (the bare Fastify server).
 *
 * The devices run in this process, the platform and the baseline server in their own.
 */
import type { ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, nextMessage, stop } from '../gateway/children.js';
import { cpuMs } from '../gateway/proc.js';
import { IpcClient } from '../lib/ipc.js';
import {
  type Counters,
  DeviceHttp,
  type HttpClientKind,
  newCounters,
  pullPersons,
  SimDevice,
  type TaskDone,
} from './device.js';
import {
  type BaselineConfig,
  type ChildHello,
  type Credentials,
  epochNow,
  type PlatformChildConfig,
  type PlatformCommands,
  type PrepareResult,
} from './messages.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 60_000;

const isHello = (m: unknown): m is ChildHello =>
  typeof m === 'object' && m !== null && 'type' in m && (m.type === 'ready' || m.type === 'error');

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  httpPort: number;
}

async function startChild(
  module: string,
  env: Record<string, string>,
): Promise<ChildHandle & { hello: ChildHello }> {
  const child = forkTs(resolve(HERE, module), env);
  try {
    const hello = await nextMessage(child, isHello, START_TIMEOUT_MS);
    if (hello.type === 'error') throw new Error(`${module}: ${hello.error}`);
    return { child, pid: hello.pid, httpPort: hello.httpPort, hello };
  } catch (e) {
    await stop(child, 2000);
    throw e;
  }
}

/** Ends a child (closes its channel, then SIGTERM, then SIGKILL). */
export function stopChild(h: ChildHandle | undefined): Promise<void> {
  return h ? stop(h.child, 10_000) : Promise.resolve();
}

export interface PlatformHandle extends ChildHandle {
  tcpPort: number;
  creds: Credentials & { vendorId: string };
  rpc: IpcClient<PlatformCommands>;
}

export async function startPlatformChild(cfg: PlatformChildConfig): Promise<PlatformHandle> {
  const h = await startChild('platform-child.ts', { BENCH_DISTRIBUTION_PLATFORM: JSON.stringify(cfg) });
  if (h.hello.type !== 'ready' || !h.hello.creds) throw new Error('platform child: no credentials');
  return {
    ...h,
    tcpPort: h.hello.tcpPort,
    creds: h.hello.creds,
    rpc: new IpcClient<PlatformCommands>(h.child, 'platform child'),
  };
}

export interface FleetOptions {
  devices: number;
  pageSize: number;
  photoInflight: number;
  heartbeatMs: number;
  version: string;
  httpClient: HttpClientKind;
}

/** The simulated devices of a run, and waiting on what they report. */
export class Fleet {
  readonly counters = newCounters();
  readonly devices: SimDevice[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(readonly platform: PlatformHandle) {}

  static async open(platform: PlatformHandle, o: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(platform);
    for (let i = 0; i < o.devices; i++) {
      fleet.devices.push(
        new SimDevice(
          i,
          {
            host: '127.0.0.1',
            tcpPort: platform.tcpPort,
            httpBaseUrl: `http://127.0.0.1:${platform.httpPort}`,
            sn: `bench-dist-${String(i).padStart(4, '0')}`,
            creds: platform.creds,
            version: o.version,
            pageSize: o.pageSize,
            photoInflight: o.photoInflight,
            heartbeatMs: o.heartbeatMs,
            httpClient: o.httpClient,
          },
          fleet.counters,
          (t) => fleet.onDone(t),
        ),
      );
    }
    try {
      await Promise.all(fleet.devices.map((d) => d.connect()));
    } catch (e) {
      fleet.close();
      throw e;
    }
    return fleet;
  }

  get sns(): string[] {
    return this.devices.map((d) => d.o.sn);
  }

  private onDone(_t: TaskDone): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves when pred holds: checked after every task report, and every 250 ms. */
  waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        if (!pred()) return;
        done();
        resolvePromise();
      };
      const poll = setInterval(check, 250);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: not done within ${Math.round(timeoutMs / 1000)} s; ${this.progress()}`));
      }, timeoutMs);
      const done = (): void => {
        clearInterval(poll);
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** One line on where the devices are, for errors. */
  progress(): string {
    const held = this.devices.map((d) => d.held.size);
    const failures = this.devices.flatMap((d) => d.failures.map((f) => `${d.o.sn}: ${f}`));
    return (
      `devices hold ${Math.min(...held)}…${Math.max(...held)} persons; ` +
      `${this.counters.pages} pages, ${this.counters.photos} photos taken; errors ${JSON.stringify(this.counters.errors)}` +
      (failures.length ? `; first failures: ${failures.slice(0, 3).join(' | ')}` : '')
    );
  }

  close(): void {
    for (const d of this.devices) d.close();
  }
}

/** Binds every device to a new site and waits for the clear and the (empty) send to be reported. */
export async function bindDevices(fleet: Fleet, timeoutMs: number): Promise<{ siteId: string; ms: number }> {
  const t = epochNow();
  const r = await fleet.platform.rpc.call('bind', { sns: fleet.sns }, timeoutMs);
  if (r.missing.length) throw new Error(`bind: the platform does not know ${r.missing.join(', ')}`);
  await fleet.waitFor(
    () =>
      fleet.devices.every(
        (d) =>
          !d.busy &&
          (d.reported['T_CLEAR_DEVICE_PERSON:1'] ?? 0) >= 1 &&
          (d.reported['T_SEND_PERSON:1'] ?? 0) >= 1,
      ),
    timeoutMs,
    'bind (clear + send of the empty roster)',
  );
  return { siteId: r.siteId, ms: epochNow() - t };
}

export function prepare(
  fleet: Fleet,
  persons: number,
  singles: number,
  timeoutMs: number,
): Promise<PrepareResult> {
  return fleet.platform.rpc.call('prepare', { persons, singles }, timeoutMs);
}

interface Snapshot {
  pages: number;
  pageBytes: number;
  photos: number;
  photoBytes: number;
  requests: number;
}
const snap = (c: Counters): Snapshot => ({
  pages: c.pages,
  pageBytes: c.pageBytes,
  photos: c.photos,
  photoBytes: c.photoBytes,
  requests: c.requests,
});

export interface Traffic extends Snapshot {
  /** Window the rates are over, ms. */
  windowMs: number;
  pagesPerSecond: number;
  photosPerSecond: number;
  photoBytesPerSecond: number;
  /** Server and harness (devices or client) CPU over the window, % of one core. */
  serverCpu: number | undefined;
  clientCpu: number;
}

function traffic(
  before: Snapshot,
  after: Snapshot,
  windowMs: number,
  serverCpuMs: number | undefined,
  clientCpu: NodeJS.CpuUsage,
): Traffic {
  const d = {
    pages: after.pages - before.pages,
    pageBytes: after.pageBytes - before.pageBytes,
    photos: after.photos - before.photos,
    photoBytes: after.photoBytes - before.photoBytes,
    requests: after.requests - before.requests,
  };
  const s = windowMs / 1000;
  return {
    ...d,
    windowMs,
    pagesPerSecond: d.pages / s,
    photosPerSecond: d.photos / s,
    photoBytesPerSecond: d.photoBytes / s,
    serverCpu: serverCpuMs === undefined ? undefined : (serverCpuMs / windowMs) * 100,
    clientCpu: ((clientCpu.user + clientCpu.system) / 1000 / windowMs) * 100,
  };
}

function cpuSince(pid: number, from: number | undefined): number | undefined {
  const now = cpuMs(pid);
  return now === undefined || from === undefined ? undefined : now - from;
}

export interface WaveResult extends Traffic {
  persons: number;
  devices: number;
  /** distribute() call: t0 → every device reported the wave done, ms. */
  waveMs: number;
  /** How long distribute() itself took (the tasks written), ms. */
  distributeCallMs: number;
  tasks: number;
  refused: number;
  /** Per device, t0 → its wave task reported, ms, sorted. */
  deviceDoneMs: number[];
  /** t0 → the push (or heartbeat) offering the wave task reached the first and the last device, ms. */
  firstOfferMs: number | undefined;
  lastOfferMs: number | undefined;
  /** t0 → first and last person page answered, ms. */
  firstPageMs: number | undefined;
  lastPageMs: number | undefined;
  pushes: number;
  retries: number;
  errors: Record<string, number>;
}

/** distribute() the prepared persons and wait until every device reported them done. */
export async function runWave(fleet: Fleet, prep: PrepareResult, timeoutMs: number): Promise<WaveResult> {
  const p = fleet.platform;
  const ids = prep.personIds;
  const before = snap(fleet.counters);
  const pushes0 = fleet.devices.reduce((a, d) => a + d.pushes, 0);
  const retries0 = fleet.counters.retries;
  const errors0 = { ...fleet.counters.errors };
  const cpu0 = cpuMs(p.pid);
  const client0 = process.cpuUsage();
  const started = epochNow();
  fleet.counters.firstPageAt = undefined;
  const d = await p.rpc.call('distribute', {}, timeoutMs);
  const holdsAll = (dev: SimDevice): boolean =>
    dev.doneAt.size >= ids.length && ids.every((id) => dev.doneAt.has(id));
  // Each device's check passes once; remembered so the 10,000-id check runs once per device.
  const complete = new Set<SimDevice>();
  await fleet.waitFor(
    () => {
      for (const dev of fleet.devices) if (!complete.has(dev) && holdsAll(dev)) complete.add(dev);
      return complete.size === fleet.devices.length;
    },
    Math.max(1000, timeoutMs - (epochNow() - started)),
    'wave',
  );
  const ended = epochNow();
  const deviceDoneMs = fleet.devices
    .map((dev) => {
      let last = 0;
      for (const id of ids) last = Math.max(last, dev.doneAt.get(id)!);
      return last - d.t0;
    })
    .sort((a, b) => a - b);
  const c = fleet.counters;
  // Each device's first offer after t0: the push of its wave task.
  const offers = fleet.devices
    .map((dev) => dev.offerTimes.find((at) => at >= d.t0))
    .filter((at) => at !== undefined)
    .map((at) => at - d.t0);
  const errors: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.errors))
    if (v - (errors0[k] ?? 0) > 0) errors[k] = v - (errors0[k] ?? 0);
  return {
    ...traffic(before, snap(c), ended - started, cpuSince(p.pid, cpu0), process.cpuUsage(client0)),
    persons: ids.length,
    devices: fleet.devices.length,
    waveMs: deviceDoneMs[deviceDoneMs.length - 1]!,
    distributeCallMs: d.callMs,
    tasks: d.tasks,
    refused: d.refused,
    deviceDoneMs,
    firstOfferMs: offers.length ? Math.min(...offers) : undefined,
    lastOfferMs: offers.length ? Math.max(...offers) : undefined,
    firstPageMs: c.firstPageAt === undefined ? undefined : c.firstPageAt - d.t0,
    lastPageMs: c.lastPageAt === undefined ? undefined : c.lastPageAt - d.t0,
    pushes: fleet.devices.reduce((a, dev) => a + dev.pushes, 0) - pushes0,
    retries: c.retries - retries0,
    errors,
  };
}

export interface SingleSample {
  personId: string;
  /** add() → the last device reported the task holding the person, ms. */
  latencyMs: number;
  /** How long add() took to return (stored, tasks written), ms. */
  callMs: number;
  tasks: number;
  refused: number;
}

export interface SinglesResult {
  samples: SingleSample[];
  gapMs: number;
  serverCpu: number | undefined;
  windowMs: number;
}

/** Adds persons one at a time, gapMs apart (a fixed schedule), and times each to every device. */
export async function runSingles(
  fleet: Fleet,
  count: number,
  gapMs: number,
  timeoutMs: number,
): Promise<SinglesResult> {
  const p = fleet.platform;
  const cpu0 = cpuMs(p.pid);
  const started = epochNow();
  const replies: Promise<{ t0: number; callMs: number; personId: string; tasks: number; refused: number }>[] =
    [];
  for (let i = 0; i < count; i++) {
    const wait = started + i * gapMs - epochNow();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    replies.push(p.rpc.call('addOne', { index: i }, timeoutMs));
  }
  const got = await Promise.all(replies);
  await fleet.waitFor(
    () => got.every((r) => fleet.devices.every((d) => d.doneAt.has(r.personId))),
    Math.max(1000, timeoutMs - (epochNow() - started)),
    'single adds',
  );
  const windowMs = epochNow() - started;
  return {
    samples: got.map((r) => ({
      personId: r.personId,
      latencyMs: Math.max(...fleet.devices.map((d) => d.doneAt.get(r.personId)!)) - r.t0,
      callMs: r.callMs,
      tasks: r.tasks,
      refused: r.refused,
    })),
    gapMs,
    serverCpu: ((): number | undefined => {
      const used = cpuSince(p.pid, cpu0);
      return used === undefined ? undefined : (used / windowMs) * 100;
    })(),
    windowMs,
  };
}

/**
 * Whether every device got every person exactly once, holds them, and the platform
 * agrees: each person on_device, the reported counts equal, no task left open. Returns
 * the problems found (none: all well).
 */
export async function verify(fleet: Fleet, expectedIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const n = expectedIds.length;
  for (const d of fleet.devices) {
    const sn = d.o.sn;
    const missing = expectedIds.filter((id) => !d.held.has(id)).length;
    const twice = [...d.receipts.values()].filter((c) => c !== 1).length;
    if (missing) problems.push(`${sn}: ${missing} persons missing`);
    if (d.held.size !== n) problems.push(`${sn}: holds ${d.held.size}, expected ${n}`);
    if (d.faces.size !== n) problems.push(`${sn}: ${d.faces.size} faces, expected ${n}`);
    if (twice) problems.push(`${sn}: ${twice} persons received other than exactly once`);
    if (d.failures.length)
      problems.push(`${sn}: ${d.failures.length} task failures, first: ${d.failures[0]}`);
  }
  const checks = await fleet.platform.rpc.call('check', { sns: fleet.sns }, 120_000);
  for (const c of checks) {
    const on = c.states.on_device ?? 0;
    const other = Object.entries(c.states).filter(([k]) => k !== 'on_device');
    if (on !== n) problems.push(`${c.sn}: platform has ${on} on_device, expected ${n}`);
    if (other.length)
      problems.push(`${c.sn}: platform distribution also ${JSON.stringify(Object.fromEntries(other))}`);
    if (c.reportedPersonCount !== n || c.reportedFaceCount !== n)
      problems.push(
        `${c.sn}: reported personCount ${c.reportedPersonCount}, faceCount ${c.reportedFaceCount}`,
      );
    if (c.openTasks) problems.push(`${c.sn}: ${c.openTasks} tasks still open`);
  }
  return problems;
}

export interface BaselineResult extends Traffic {
  devices: number;
  /** Start → every client took every page and photo, ms. */
  totalMs: number;
  /** Persons received per client (pages × page size). */
  personsPerDevice: number[];
  failedFaces: number;
  errors: Record<string, number>;
}

/**
 * The same client pattern against the bare Fastify server: each of `devices` clients
 * pages through `totalPage` pages of `pageSize` (the platform wave's page count) and
 * downloads and checks every photo, `inflight` at a time.
 */
export async function runBaseline(o: {
  devices: number;
  persons: number;
  pageSize: number;
  inflight: number;
  version: string;
  httpClient: HttpClientKind;
}): Promise<BaselineResult> {
  const secret = '0123456789abcdef0123456789abcdef';
  const taskid = '7000000000000000001';
  const cfg: BaselineConfig = {
    pageSize: o.pageSize,
    totalPage: Math.ceil(o.persons / o.pageSize),
    version: o.version,
    accessSecret: secret,
    taskid,
  };
  const h = await startChild('baseline-server.ts', { BENCH_DISTRIBUTION_BASELINE: JSON.stringify(cfg) });
  try {
    const counters = newCounters();
    const clients = Array.from(
      { length: o.devices },
      (_, i) =>
        new DeviceHttp(
          `http://127.0.0.1:${h.httpPort}`,
          `baseline-${i}`,
          secret,
          o.version,
          counters,
          o.httpClient,
          o.inflight + 2,
        ),
    );
    for (const c of clients) c.token = 'f'.repeat(32);
    const before = snap(counters);
    const cpu0 = cpuMs(h.pid);
    const client0 = process.cpuUsage();
    const started = epochNow();
    const pulled = await Promise.all(
      clients.map((c) =>
        pullPersons(c, 'T_UPDATE_DEVICE_PERSON', taskid, { pageSize: o.pageSize, inflight: o.inflight }),
      ),
    );
    const totalMs = epochNow() - started;
    for (const c of clients) c.close();
    return {
      ...traffic(before, snap(counters), totalMs, cpuSince(h.pid, cpu0), process.cpuUsage(client0)),
      devices: o.devices,
      totalMs,
      personsPerDevice: pulled.map((x) => x.persons.length),
      failedFaces: pulled.reduce((a, x) => a + x.failedFaces.length, 0),
      errors: { ...counters.errors },
    };
  } finally {
    await stopChild(h);
  }
}

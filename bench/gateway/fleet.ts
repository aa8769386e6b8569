/**
 * The load workers as one: devices are split over the worker processes, each worker
 * gets fresh loopback source addresses (127.0.0.2, 127.0.0.3, …), phases start on all
 * workers at the same wall-clock instant, and their results are added up (histograms
 * merged). The server's CPU time over each window is read from /proc beside it.
 */
import { IpcClient } from '../lib/ipc.js';
import { forkTs, stop } from './children.js';
import type { LoadGenerator } from './config.js';
import { Histogram } from './histogram.js';
import type { LoopDelay, LoopProbe } from './loop-client.js';
import type {
  Commands,
  ConnectResult,
  Credentials,
  PhaseResult,
  PhaseSpec,
  StatusResult,
  Workload,
} from './messages.js';
import { cpuMs, mainThreadSched, type ThreadSched } from './proc.js';

/** Source ports per address stay well under the ~28k of the ephemeral range. */
const DEVICES_PER_ADDRESS = 20_000;
/** Lead time so every worker has the phase before it starts. */
export const START_LEAD_MS = 300;

let nextAddress = 2;
/** A loopback address no earlier connect of this run used: no port is left in TIME_WAIT on it. */
function freshAddress(): string {
  for (;;) {
    const n = nextAddress++;
    const [b, c] = [(n >> 8) & 255, n & 255];
    if (n >> 16 > 0) throw new Error('out of loopback source addresses');
    if (c !== 0 && c !== 255 && !(b === 0 && c === 1)) return `127.0.${b}.${c}`;
  }
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Splits total into parts proportional to weights (never more than each weight when capped). */
function split(total: number, weights: readonly number[], cap: boolean): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0 && i < parts.length * 2; i++) {
    const k = i % parts.length;
    if (!cap || parts[k]! < weights[k]!) {
      parts[k]!++;
      rest--;
    }
  }
  return parts;
}

export interface ConnectOptions {
  host: string;
  port: number;
  devices: number;
  credentials: Credentials;
  version: string;
  ratePerWorker: number;
  maxOpeningPerWorker: number;
  maxAttempts: number;
  timeoutMs: number;
  keepaliveMs: number;
  runNonce: string;
  recordTimeBase: number;
}

export interface ConnectSummary extends ConnectResult {
  addresses: string[];
}

/**
 * A phase as the harness asks for it: a worker's PhaseSpec without its start time, with
 * `connections` and `rate` counted over all workers (the fleet splits them).
 */
export type PhaseOptions = Omit<PhaseSpec, 'startAt'>;

export interface PhaseSummary {
  name: string;
  workload: Workload;
  rate: number;
  connections: number;
  inflight: number;
  windowMs: number;
  sent: number;
  acks: number;
  acksPerSecond: number;
  errorsInWindow: number;
  errors: Record<string, number>;
  unanswered: number;
  delayed: number;
  pushes: number;
  latency: Histogram;
  corrected: Histogram;
  /** CPU of all load workers over the window, % of one core. */
  loadgenCpu: number;
  /** The worst load worker's event-loop delay over the window, ms: the harness's own stalls. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Keep-alive heartbeats per second sent during the window (background load). */
  keepalivesPerSecond: number;
  /** CPU of the server's process tree over the window, % of one core (when its pid is known). */
  serverCpu: number | undefined;
  /**
   * The server's main thread over the window, % of the window (proc.ts, mainThreadSched):
   * on a core, and runnable but waiting for one. Undefined without the pid or schedstat.
   */
  serverMainThread?: { ranPct: number; waitedPct: number };
  /** The server's own event-loop delay over the window (when it runs loop-probe.mjs). */
  serverLoop?: LoopDelay;
}

interface CpuSample {
  at: number;
  ms: number | undefined;
  sched: ThreadSched | undefined;
  /** CPU of each load worker's process so far (ms), from /proc; undefined where it cannot be read. */
  load: (number | undefined)[];
}

/**
 * The load workers' CPU between two samples taken by the harness, % of one core. Not the
 * workers' own count: a saturated worker runs its timers late (libuv drains thousands of
 * ready sockets first), and the timer that opens its window can fire next to the one that
 * closes it, leaving ~0 ms counted. Undefined when any worker's /proc could not be read.
 */
function loadShare(a: CpuSample | undefined, b: CpuSample): number | undefined {
  if (!a || b.at <= a.at || a.load.length !== b.load.length) return undefined;
  let ms = 0;
  for (const [i, start] of a.load.entries()) {
    const end = b.load[i];
    if (start === undefined || end === undefined) return undefined;
    ms += end - start;
  }
  return (ms / (b.at - a.at)) * 100;
}

/** The main thread's time on a core and waiting for one between two samples, % of the time between them. */
function mainThreadShare(a: CpuSample | undefined, b: CpuSample): Pick<PhaseSummary, 'serverMainThread'> {
  if (!a?.sched || !b.sched || b.at <= a.at) return {};
  const wallNs = (b.at - a.at) * 1e6;
  return {
    serverMainThread: {
      ranPct: ((b.sched.runNs - a.sched.runNs) / wallNs) * 100,
      waitedPct: ((b.sched.waitNs - a.sched.waitNs) / wallNs) * 100,
    },
  };
}

export class Fleet {
  private held: number[];

  private constructor(private readonly workers: IpcClient<Commands>[]) {
    this.held = workers.map(() => 0);
  }

  /** `lean` forks loadgen.ts (raw sockets, pre-signed frames); `sim`, loadgen-sim.ts (DeviceClients). */
  static start(n: number, generator: LoadGenerator = 'lean'): Fleet {
    const module = generator === 'sim' ? 'loadgen-sim.ts' : 'loadgen.ts';
    const label = generator === 'sim' ? 'sim load worker' : 'load worker';
    return new Fleet(Array.from({ length: n }, () => new IpcClient<Commands>(forkTs(module), label)));
  }

  get size(): number {
    return this.workers.length;
  }

  async connect(o: ConnectOptions): Promise<ConnectSummary> {
    const counts = split(
      o.devices,
      this.workers.map(() => 1),
      false,
    );
    const addresses: string[] = [];
    const results = await Promise.all(
      this.workers.map((w, i) => {
        const own = Array.from(
          { length: Math.max(1, Math.ceil(counts[i]! / DEVICES_PER_ADDRESS)) },
          freshAddress,
        );
        addresses.push(...own);
        return w.call(
          'connect',
          {
            host: o.host,
            port: o.port,
            count: counts[i]!,
            workerIndex: i,
            localAddresses: own,
            credentials: o.credentials,
            version: o.version,
            ratePerSecond: o.ratePerWorker,
            maxOpening: o.maxOpeningPerWorker,
            maxAttempts: o.maxAttempts,
            timeoutMs: o.timeoutMs,
            keepaliveMs: o.keepaliveMs,
            runNonce: o.runNonce,
            recordTimeBase: o.recordTimeBase,
          },
          o.timeoutMs + 30_000,
        );
      }),
    );
    this.held = results.map((r) => r.held);
    const sum: ConnectSummary = {
      requested: 0,
      held: 0,
      failed: 0,
      retries: {},
      failures: {},
      elapsedMs: 0,
      addresses,
    };
    for (const r of results) {
      sum.requested += r.requested;
      sum.held += r.held;
      sum.failed += r.failed;
      addCounts(sum.retries, r.retries);
      addCounts(sum.failures, r.failures);
      sum.elapsedMs = Math.max(sum.elapsedMs, r.elapsedMs);
    }
    return sum;
  }

  async status(): Promise<StatusResult> {
    const all = await Promise.all(this.workers.map((w) => w.call('status', null, 10_000)));
    this.held = all.map((s) => s.open);
    const sum: StatusResult = { open: 0, closed: {}, keepalive: { sent: 0, acks: 0, errors: {} } };
    for (const s of all) {
      sum.open += s.open;
      addCounts(sum.closed, s.closed);
      sum.keepalive.sent += s.keepalive.sent;
      sum.keepalive.acks += s.keepalive.acks;
      addCounts(sum.keepalive.errors, s.keepalive.errors);
    }
    return sum;
  }

  async run(o: PhaseOptions, serverPid?: number, probe?: LoopProbe): Promise<PhaseSummary> {
    await this.status(); // who is still open decides the split
    const heldTotal = this.held.reduce((a, b) => a + b, 0);
    const total = Math.min(o.connections, heldTotal);
    const conns = split(total, this.held, true);
    const startAt = Date.now() + START_LEAD_MS;
    const windowStart = startAt + o.warmupMs;
    // Server CPU over the window: sampled when it opens and when it closes (or as soon
    // after as the results are in), divided by the time between the two samples.
    let cpu0: CpuSample | undefined;
    let cpu1: CpuSample | undefined;
    const sample = (): CpuSample => ({
      at: Date.now(),
      ms: serverPid === undefined ? undefined : cpuMs(serverPid),
      sched: serverPid === undefined ? undefined : mainThreadSched(serverPid),
      load: this.workers.map((w) => (w.child.pid === undefined ? undefined : cpuMs(w.child.pid))),
    });
    const sampling = [
      setTimeout(() => {
        cpu0 = sample();
      }, windowStart - Date.now()),
      setTimeout(
        () => {
          cpu1 = sample();
        },
        windowStart + o.measureMs - Date.now(),
      ),
    ];
    const timeout = START_LEAD_MS + o.warmupMs + o.measureMs + o.drainMs + 30_000;
    let results: PhaseResult[];
    try {
      results = await Promise.all(
        this.workers.map((w, i) =>
          w.call(
            'run',
            {
              name: o.name,
              workload: o.workload,
              startAt,
              warmupMs: o.warmupMs,
              measureMs: o.measureMs,
              drainMs: o.drainMs,
              connections: conns[i]!,
              inflight: o.inflight,
              rate: total === 0 ? 0 : (o.rate * conns[i]!) / total,
            },
            timeout,
          ),
        ),
      );
    } finally {
      for (const t of sampling) clearTimeout(t);
    }
    cpu1 ??= sample();
    // Asked now, for the window's own samples: at saturation the probe's answer can take longer than the window.
    const serverLoop = await probe?.read(windowStart, windowStart + o.measureMs);
    const latency = new Histogram();
    const corrected = new Histogram();
    const errors: Record<string, number> = {};
    let [sent, acks, errorsInWindow, unanswered, delayed, pushes, cpu, connections] = [
      0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let [loopDelayP99Ms, loopDelayMaxMs, keepalives] = [0, 0, 0];
    for (const r of results) {
      latency.add(r.latency);
      corrected.add(r.corrected);
      addCounts(errors, r.errors);
      sent += r.sent;
      acks += r.acks;
      errorsInWindow += r.errorsInWindow;
      unanswered += r.unanswered;
      delayed += r.delayed;
      pushes += r.pushes;
      cpu += r.cpuMs;
      connections += r.connections;
      loopDelayP99Ms = Math.max(loopDelayP99Ms, r.loopDelayP99Ms);
      loopDelayMaxMs = Math.max(loopDelayMaxMs, r.loopDelayMaxMs);
      keepalives += r.keepalives;
    }
    return {
      name: o.name,
      workload: o.workload,
      rate: o.rate,
      connections,
      inflight: o.inflight,
      windowMs: o.measureMs,
      sent,
      acks,
      acksPerSecond: acks / (o.measureMs / 1000),
      errorsInWindow,
      errors,
      unanswered,
      delayed,
      pushes,
      latency,
      corrected,
      loadgenCpu: loadShare(cpu0, cpu1) ?? (cpu / o.measureMs) * 100,
      loopDelayP99Ms,
      loopDelayMaxMs,
      keepalivesPerSecond: keepalives / (o.measureMs / 1000),
      serverCpu:
        cpu0?.ms !== undefined && cpu1.ms !== undefined && cpu1.at > cpu0.at
          ? ((cpu1.ms - cpu0.ms) / (cpu1.at - cpu0.at)) * 100
          : undefined,
      ...(serverLoop ? { serverLoop } : {}),
      ...mainThreadShare(cpu0, cpu1),
    };
  }

  /** Closes every device, then ends the worker processes. Never throws. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.call('close', null, 10_000)));
    await Promise.allSettled(this.workers.map((w) => stop(w.child, 3000)));
  }
}

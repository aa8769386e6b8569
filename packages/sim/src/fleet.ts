/**
 * The simulated devices: one DeviceClient each, in this process. The fleet starts them at
 * a bounded rate, lets workers clock in on them, and keeps what the summary needs: every
 * record created (to look for on the platform), which are still waiting for an ack, and
 * the ack latencies (recordTime → ack, from the clients' own `acked` events).
 *
 * Memory matters at 10,000 devices: queues are in-memory SQLite unless asked to be
 * durable, a record is kept as two numbers (recordTime, worker), and only records not
 * yet acked are kept as keys.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DeviceEvents, DeviceLog, Endpoints } from '@kaoqin/device';
import { createTaskRunner, DeviceClient, type DeviceClientOptions, type TaskRunner } from '@kaoqin/device';
import { Histogram } from './histogram.js';
import type { PhotoFactory } from './photo.js';

export interface VendorCredentials {
  accessId: string;
  accessKey: string;
  accessSecret: string;
}

export interface FleetOptions {
  devices: number;
  /** Workers (persons who clock in); worker w always uses device w mod devices. */
  workers: number;
  snPrefix: string;
  endpoints: Endpoints;
  credentials: VendorCredentials;
  /** Where each device's files go (`<baseDir>/<sn>`): durable queues, person stores. */
  baseDir: string;
  /** SQLite queue files in baseDir instead of in-memory queues. */
  durable: boolean;
  /** Run the SDK's task runner (enrol-burst); its person store is `<baseDir>/<sn>/persons.db`. */
  taskRunner: boolean;
  heartbeatMs: number;
  /** New devices started per second (each opens a TCP connection and sends C_AUTH). */
  connectRate: number;
  /** A photo on every clock-in. */
  photo?: PhotoFactory | undefined;
  /** Distinguishes this run's personIds from another run's. */
  nonce: string;
  log?: DeviceLog;
  /** Passed to every DeviceClient (tests shorten the backoff). */
  client?: Partial<DeviceClientOptions>;
  /** Task ids a device heard of (heartbeat answers and pushes). */
  onTaskIds?: (device: SimDevice, taskids: string[]) => void;
  /** A device's task runner finished a task. */
  onTaskDone?: (device: SimDevice, e: DeviceEvents['taskDone']) => void;
}

/** One simulated device and its records. */
export class SimDevice {
  readonly index: number;
  readonly sn: string;
  readonly client: DeviceClient;
  runner: TaskRunner | undefined;
  /** recordTime and worker of every record created, in order. */
  readonly recordTimes: number[] = [];
  readonly recordWorkers: number[] = [];
  /** Records created and not yet acked: key → seq. Insertion order is seq order. */
  readonly pending = new Map<string, number>();
  /** Acks that arrived before their clockIn() resolved (never seen; kept so none is lost). */
  readonly #early = new Set<string>();
  acked = 0;
  lastSeq = 0;

  constructor(index: number, sn: string, client: DeviceClient) {
    this.index = index;
    this.sn = sn;
    this.client = client;
  }

  created(key: string, seq: number, recordTime: number, worker: number): void {
    this.recordTimes.push(recordTime);
    this.recordWorkers.push(worker);
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (this.#early.delete(key)) this.acked++;
    else this.pending.set(key, seq);
  }

  /** Returns whether the ack was for a record known to be waiting (always, unless it raced its clockIn). */
  ackedKey(key: string): boolean {
    if (this.pending.delete(key)) {
      this.acked++;
      return true;
    }
    this.#early.add(key);
    return false;
  }

  /** The lowest seq still waiting for an ack, or undefined. */
  oldestPendingSeq(): number | undefined {
    for (const seq of this.pending.values()) return seq;
    return undefined;
  }
}

export interface FleetTotals {
  created: number;
  acked: number;
  /** clockIn() refused by the device (queue full, or an error). */
  refused: number;
  /** Records waiting in the devices' queues. */
  queued: number;
  online: number;
  devices: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Fleet {
  readonly devices: SimDevice[] = [];
  readonly opts: FleetOptions;
  /** Upload latency (recordTime → ack) of the whole run. */
  readonly latency = new Histogram();
  /** The same, since the last progress period (soak prints it every minute). */
  readonly periodLatency = new Histogram();
  readonly personIds: string[];
  created = 0;
  acked = 0;
  refused = 0;
  readonly refusals = new Map<string, number>();
  /** clockIn() calls not yet resolved. */
  clockInsInFlight = 0;
  readonly #lastTime: Float64Array;
  #stopped = false;

  constructor(opts: FleetOptions) {
    this.opts = opts;
    const width = Math.max(5, String(opts.devices - 1).length);
    this.personIds = Array.from({ length: opts.workers }, (_, w) => personIdOf(opts.nonce, w));
    this.#lastTime = new Float64Array(opts.workers);
    for (let i = 0; i < opts.devices; i++) {
      const sn = `${opts.snPrefix}${String(i).padStart(width, '0')}`;
      this.devices.push(this.#makeDevice(i, sn));
    }
  }

  #makeDevice(index: number, sn: string): SimDevice {
    const o = this.opts;
    const dataDir = join(o.baseDir, sn);
    const holder: { device?: SimDevice } = {};
    const client = new DeviceClient({
      // First, so what the simulator sets below wins (the queue's path above all).
      ...o.client,
      identity: {
        sn,
        ...o.credentials,
        deviceVersion: 'kaoqin-sim-1',
        deviceIp: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      },
      endpoints: o.endpoints,
      dataDir,
      heartbeatMs: o.heartbeatMs,
      queue: { ...o.client?.queue, path: o.durable ? join(dataDir, 'signin-queue.db') : ':memory:' },
      taskRunner: o.taskRunner
        ? (host, runnerOpts) => {
            const runner = createTaskRunner(host, runnerOpts);
            if (holder.device) holder.device.runner = runner;
            return runner;
          }
        : false,
      onTaskIds: (ids) => {
        if (holder.device) o.onTaskIds?.(holder.device, ids);
      },
      ...(o.log ? { log: o.log } : {}),
    });
    const device = new SimDevice(index, sn, client);
    holder.device = device;
    client.events.on('taskDone', (e) => o.onTaskDone?.(device, e));
    client.events.on('acked', (e) => {
      if (device.ackedKey(e.recordKey)) this.acked++;
      this.latency.record(e.latencyMs);
      this.periodLatency.record(e.latencyMs);
    });
    return device;
  }

  /**
   * Starts every device, at most connectRate per second: 10,000 connections and C_AUTHs
   * at once would queue up past the client's 10 s connect and request timeouts. The
   * stagger also spreads the devices' heartbeats over the interval (each device's
   * heartbeat timer starts when it authenticates).
   */
  async start(onStarted?: (n: number) => void): Promise<void> {
    const t0 = performance.now();
    for (let i = 0; i < this.devices.length; i++) {
      if (this.#stopped) return;
      const due = t0 + (i / this.opts.connectRate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      await this.devices[i]!.client.start();
      onStarted?.(i + 1);
    }
  }

  onlineCount(): number {
    let n = 0;
    for (const d of this.devices) if (d.client.online) n++;
    return n;
  }

  /** Resolves with the number online once all are, or when timeoutMs passed. */
  async waitOnline(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const n = this.onlineCount();
      if (n === this.devices.length || performance.now() >= deadline) return n;
      await sleep(100);
    }
  }

  queued(): number {
    let n = 0;
    for (const d of this.devices) n += d.client.queueDepth();
    return n;
  }

  totals(): FleetTotals {
    return {
      created: this.created,
      acked: this.acked,
      refused: this.refused,
      queued: this.queued(),
      online: this.onlineCount(),
      devices: this.devices.length,
    };
  }

  deviceOf(worker: number): SimDevice {
    return this.devices[worker % this.devices.length]!;
  }

  /**
   * One clock-in by `worker`, now (fire and forget: the fleet counts the outcome). Its
   * recordTime is the device clock, made strictly increasing per worker so no two records
   * share the platform's key (sn, personId, recordTime, type).
   */
  clockIn(worker: number): void {
    const w = worker % this.opts.workers;
    const device = this.deviceOf(w);
    const recordTime = Math.max(Math.round(device.client.now()), this.#lastTime[w]! + 1);
    this.#lastTime[w] = recordTime;
    const personId = this.personIds[w]!;
    this.clockInsInFlight++;
    // Bytes, as a camera gives them: the SDK makes the base64.
    const img = this.opts.photo?.next();
    device.client.clockIn({ personId, type: 1, recordTime, ...(img ? { img } : {}) }).then(
      (r) => {
        this.clockInsInFlight--;
        this.created++;
        device.created(r.recordKey, r.seq, recordTime, w);
      },
      (err: unknown) => {
        this.clockInsInFlight--;
        this.refused++;
        const why = err instanceof Error ? err.name : 'Error';
        this.refusals.set(why, (this.refusals.get(why) ?? 0) + 1);
      },
    );
  }

  /** Waits until every clock-in resolved and every queue is empty; false on timeout. */
  async drain(timeoutMs: number, tick?: () => void): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.clockInsInFlight === 0 && this.queued() === 0) return true;
      if (performance.now() >= deadline) return false;
      tick?.();
      await sleep(100);
    }
  }

  /** Reconnects and dead letters, summed over the devices (read before stop(): a closed queue reads 0). */
  linkTotals(): { reconnects: number; deadLetters: number } {
    let reconnects = 0;
    let deadLetters = 0;
    for (const d of this.devices) {
      const s = d.client.stats();
      reconnects += s.link.reconnects;
      deadLetters += s.queue.deadLetters;
    }
    return { reconnects, deadLetters };
  }

  /** Stops every device (each waits for its records in flight to be answered). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.devices.map((d) => d.client.stop()));
  }

  /** The platform's idempotency key of a device's i-th record. */
  keyOf(device: SimDevice, i: number): string {
    return `${this.personIds[device.recordWorkers[i]!]}|${device.recordTimes[i]}|1`;
  }
}

/** A 19-digit personId: 4, five digits of the run's nonce, the worker number in 13 digits. */
export function personIdOf(nonce: string, worker: number): string {
  return `4${nonce.padStart(5, '0').slice(-5)}${String(worker).padStart(13, '0')}`;
}

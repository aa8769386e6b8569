/**
 * One measured phase on one sim worker, driven through the DeviceClient API: a warm-up,
 * a measurement window, then a bounded drain, with the same PhaseSpec and PhaseResult
 * as phase.ts. A sign-in is `client.clockIn()` and its answer the client's `acked` event
 * for that record (the SDK queues the record, sends it, and retries it itself); a
 * heartbeat is `client.heartbeat()` and its answer the promise settling. Saturation keeps
 * `inflight` of them outstanding on every active device (each answer starts the next);
 * fixed rate sends on the schedule of phase.ts, round-robin over the devices that are
 * online and have room. Only answers arriving inside the window count.
 *
 * What the SDK handles itself is read from it: refused or retried sign-ins from the
 * queue's counters and log, reconnects and re-authentications from the link's.
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';
import type { PhaseResult, PhaseSpec } from './messages.js';
import type { PhotoFactory } from './photo.js';
import { type SimDevice, type SimTotals, totals } from './sim-device.js';

const RATE_TICK_MS = 1;
/** A fixed-rate request written this late after its due time counts as delayed. */
const DELAY_SLACK_MS = 5;
/** After a call the client refused at once, the device waits this long before the next. */
const REFUSED_PAUSE_MS = 10;

interface Pending {
  device: SimDevice;
  sentAt: number;
  dueAt: number;
}

export class SimPhase {
  private readonly active: SimDevice[];
  /** Outstanding requests of this phase, per device index. */
  private readonly perDevice: Uint32Array;
  /** Sign-ins awaiting their `acked` event, by recordKey. */
  private readonly pending = new Map<string, Pending>();
  private readonly latency = new Histogram();
  private readonly corrected = new Histogram();
  private readonly errors: Record<string, number> = {};
  private sent = 0;
  private acks = 0;
  private errorsInWindow = 0;
  private outstanding = 0;
  private delayed = 0;
  private t0 = 0;
  private measureFrom = 0;
  private measureTo = 0;
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private cpuMs = 0;
  private keepalivesAtStart: number | undefined;
  private loopDelay: IntervalHistogram | undefined;
  private stopping = false;
  private over = false;
  private rateTimer: NodeJS.Timeout | undefined;
  private done: (() => void) | undefined;

  constructor(
    private readonly spec: PhaseSpec,
    private readonly devices: readonly SimDevice[],
    /** recordTime of a device's first sign-in; each further one adds 1 ms. */
    private readonly recordTimeBase: number,
    /** The photo source, for sign-in-photo. */
    private readonly photos: () => PhotoFactory,
  ) {
    this.active = devices.filter((d) => d.online).slice(0, spec.connections);
    this.perDevice = new Uint32Array(devices.length);
  }

  async run(): Promise<PhaseResult> {
    const before = totals(this.devices);
    await new Promise((r) => setTimeout(r, Math.max(0, this.spec.startAt - Date.now())));
    this.t0 = performance.now();
    this.measureFrom = this.t0 + this.spec.warmupMs;
    this.measureTo = this.measureFrom + this.spec.measureMs;
    const startCpu = setTimeout(() => {
      this.cpuAtStart = process.cpuUsage();
      this.keepalivesAtStart = totals(this.devices).sdkHeartbeats;
      this.loopDelay = monitorEventLoopDelay({ resolution: 1 });
      this.loopDelay.enable();
    }, this.spec.warmupMs);
    const finished = new Promise<void>((r) => {
      this.done = r;
    });
    if (this.spec.rate > 0) this.scheduleAtRate();
    else for (const d of this.active) for (let k = 0; k < this.spec.inflight; k++) this.send(d, undefined);

    await new Promise((r) => setTimeout(r, Math.max(0, this.measureTo - performance.now())));
    clearTimeout(startCpu);
    clearTimeout(this.rateTimer);
    if (this.cpuAtStart) {
      const used = process.cpuUsage(this.cpuAtStart);
      this.cpuMs = (used.user + used.system) / 1000;
    }
    this.loopDelay?.disable();
    const keepalives =
      this.keepalivesAtStart === undefined ? 0 : totals(this.devices).sdkHeartbeats - this.keepalivesAtStart;
    const loopDelayP99Ms = (this.loopDelay?.percentile(99) ?? 0) / 1e6;
    const loopDelayMaxMs = (this.loopDelay?.max ?? 0) / 1e6;
    this.stopping = true;
    if (this.outstanding > 0) {
      const drain = setTimeout(() => this.done?.(), this.spec.drainMs);
      await finished;
      clearTimeout(drain);
    }
    this.over = true;
    const after = totals(this.devices);
    this.countDelta('retried', before, after, 'retried');
    this.countDelta('dead-letter', before, after, 'refused');
    this.countDelta('reconnect', before, after, 'reconnects');
    this.countDelta('re-auth', before, after, 'auths');
    return {
      name: this.spec.name,
      connections: this.active.length,
      sent: this.sent,
      acks: this.acks,
      errorsInWindow: this.errorsInWindow,
      errors: this.errors,
      unanswered: this.outstanding,
      delayed: this.delayed,
      windowMs: this.spec.measureMs,
      latency: this.latency.toData(),
      corrected: this.corrected.toData(),
      cpuMs: this.cpuMs,
      loopDelayP99Ms,
      loopDelayMaxMs,
      keepalives,
      pushes: after.pushes - before.pushes,
    };
  }

  /** A device's `acked` event: the answer to one of this phase's sign-ins, if it is one. */
  onAcked(recordKey: string): void {
    const p = this.pending.get(recordKey);
    if (!p) return; // an earlier phase's record, sent again by the queue after its drain
    this.pending.delete(recordKey);
    this.answered(p, true);
  }

  /** An errorcode the SDK's queue retried or refused, from its log. */
  onCode(code: string): void {
    if (this.over) return;
    this.error(code, performance.now());
  }

  private countDelta(name: string, before: SimTotals, after: SimTotals, key: keyof SimTotals): void {
    const n = after[key] - before[key];
    if (n > 0) this.errors[name] = (this.errors[name] ?? 0) + n;
  }

  private error(name: string, at: number): void {
    this.errors[name] = (this.errors[name] ?? 0) + 1;
    if (at >= this.measureFrom && at < this.measureTo) this.errorsInWindow++;
  }

  private send(device: SimDevice, dueAt: number | undefined): void {
    const sentAt = performance.now();
    const p: Pending = { device, sentAt, dueAt: dueAt ?? sentAt };
    this.sent++;
    this.outstanding++;
    this.perDevice[device.index]!++;
    if (this.spec.workload === 'heartbeat') {
      device.client.heartbeat().then(
        () => {
          device.harnessHeartbeats++;
          this.answered(p, true);
        },
        (err: unknown) => {
          // A refusal was answered, so the link counted it among its heartbeats too.
          if ((err as Error).name === 'HeartbeatRefusedError') {
            device.harnessHeartbeats++;
            device.harnessHeartbeatsRefused++;
          }
          this.answered(p, false, err);
        },
      );
      return;
    }
    const recordTime = this.recordTimeBase + device.seq++;
    const key = `${device.personId}|${recordTime}|1`;
    this.pending.set(key, p);
    const img =
      this.spec.workload === 'sign-in-photo'
        ? this.photos().png(`${device.personId}.${recordTime}`)
        : undefined;
    device.client.clockIn({ personId: device.personId, type: 1, recordTime, ...(img ? { img } : {}) }).then(
      (r) => {
        // The SDK names the record; should its key ever differ from ours, follow it.
        if (r.recordKey !== key && this.pending.get(key) === p) {
          this.pending.delete(key);
          this.pending.set(r.recordKey, p);
        }
      },
      (err: unknown) => {
        if (this.pending.get(key) !== p) return;
        this.pending.delete(key);
        this.answered(p, false, err);
      },
    );
  }

  private answered(p: Pending, success: boolean, err?: unknown): void {
    if (this.over) return; // after the drain: no phase's
    const at = performance.now();
    this.outstanding--;
    this.perDevice[p.device.index]!--;
    if (success) {
      if (at >= this.measureFrom && at < this.measureTo) {
        this.acks++;
        this.latency.record((at - p.sentAt) * 1000);
        this.corrected.record((at - p.dueAt) * 1000);
      }
    } else {
      const e = err as { code?: unknown; name?: unknown } | undefined;
      this.error(typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error', at);
    }
    if (this.stopping) {
      if (this.outstanding === 0) this.done?.();
    } else if (this.spec.rate === 0) {
      // Closed loop: the next one at once, or shortly after a refusal (never a tight loop).
      if (success) this.send(p.device, undefined);
      else
        setTimeout(() => {
          if (!this.stopping) this.send(p.device, undefined);
        }, REFUSED_PAUSE_MS);
    }
  }

  /** Open loop: request k is due at t0 + k/rate; late ones go out as soon as a device has room. */
  private scheduleAtRate(): void {
    if (this.active.length === 0) return;
    const perMs = this.spec.rate / 1000;
    let issued = 0;
    let next = 0; // round-robin position
    const lastDue = Math.ceil((this.measureTo - this.t0) * perMs);
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(lastDue, Math.floor((now - this.t0) * perMs) + 1);
      while (issued < due) {
        let device: SimDevice | undefined;
        for (let probe = 0; probe < this.active.length; probe++) {
          const d = this.active[next]!;
          next = (next + 1) % this.active.length;
          if (d.online && this.perDevice[d.index]! < this.spec.inflight) {
            device = d;
            break;
          }
        }
        if (!device) break; // every device is full or offline: the rest waits for the next tick
        const dueAt = this.t0 + issued / perMs;
        if (now - dueAt > DELAY_SLACK_MS) this.delayed++;
        this.send(device, dueAt);
        issued++;
      }
      if (now < this.measureTo && !this.stopping) this.rateTimer = setTimeout(tick, RATE_TICK_MS);
    };
    tick();
  }
}

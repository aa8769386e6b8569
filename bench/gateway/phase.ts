/**
 * One measured phase on one worker: a warm-up, a measurement window, then a bounded
 * drain. Saturation keeps `inflight` requests outstanding on every active connection
 * (each answer sends the next); fixed rate sends on a schedule, round-robin over the
 * connections that have room. Only answers arriving inside the window count.
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Answer, Device, Outstanding } from './device.js';
import { Histogram } from './histogram.js';
import type { PhaseResult, PhaseSpec } from './messages.js';
import type { RequestFactory } from './requests.js';

const RATE_TICK_MS = 1;
/** A fixed-rate request written this late after its due time counts as delayed. */
const DELAY_SLACK_MS = 5;

export class Phase {
  private readonly active: Device[];
  private readonly latency = new Histogram();
  private readonly corrected = new Histogram();
  private readonly errors: Record<string, number> = {};
  private sent = 0;
  private acks = 0;
  private errorsInWindow = 0;
  private outstanding = 0;
  private lost = 0;
  private delayed = 0;
  private pushes = 0;
  private t0 = 0;
  private measureFrom = 0;
  private measureTo = 0;
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private cpuMs = 0;
  private keepalivesAtStart: number | undefined;
  /** How late this worker's event loop ran over the window: its own stalls show in every latency. */
  private loopDelay: IntervalHistogram | undefined;
  private stopping = false;
  private rateTimer: NodeJS.Timeout | undefined;
  private done: (() => void) | undefined;
  private readonly apicode: 'C_HEARTBEAT' | 'C_SIGN_IN';

  constructor(
    private readonly spec: PhaseSpec,
    devices: readonly Device[],
    private readonly factory: RequestFactory,
    /** Keep-alive heartbeats the worker has sent so far (background load beside the phase). */
    private readonly keepalivesSent: () => number,
  ) {
    this.active = devices.filter((d) => d.open && d.authed).slice(0, spec.connections);
    this.apicode = spec.workload === 'heartbeat' ? 'C_HEARTBEAT' : 'C_SIGN_IN';
  }

  async run(): Promise<PhaseResult> {
    await new Promise((r) => setTimeout(r, Math.max(0, this.spec.startAt - Date.now())));
    this.t0 = performance.now();
    this.measureFrom = this.t0 + this.spec.warmupMs;
    this.measureTo = this.measureFrom + this.spec.measureMs;
    const startCpu = setTimeout(() => {
      this.cpuAtStart = process.cpuUsage();
      this.keepalivesAtStart = this.keepalivesSent();
      this.loopDelay = monitorEventLoopDelay({ resolution: 1 });
      this.loopDelay.enable();
    }, this.spec.warmupMs);
    const finished = new Promise<void>((r) => {
      this.done = r;
    });
    if (this.spec.rate > 0) this.scheduleAtRate();
    else for (const d of this.active) for (let k = 0; k < this.spec.inflight; k++) this.sendOn(d, undefined);

    await new Promise((r) => setTimeout(r, Math.max(0, this.measureTo - performance.now())));
    clearTimeout(startCpu);
    clearTimeout(this.rateTimer);
    if (this.cpuAtStart) {
      const used = process.cpuUsage(this.cpuAtStart);
      this.cpuMs = (used.user + used.system) / 1000;
    }
    this.loopDelay?.disable();
    const keepalives =
      this.keepalivesAtStart === undefined ? 0 : this.keepalivesSent() - this.keepalivesAtStart;
    const loopDelayP99Ms = (this.loopDelay?.percentile(99) ?? 0) / 1e6;
    const loopDelayMaxMs = (this.loopDelay?.max ?? 0) / 1e6;
    this.stopping = true;
    if (this.outstanding > 0) {
      const drain = setTimeout(() => this.done?.(), this.spec.drainMs);
      await finished;
      clearTimeout(drain);
    }
    return {
      name: this.spec.name,
      connections: this.active.length,
      sent: this.sent,
      acks: this.acks,
      errorsInWindow: this.errorsInWindow,
      errors: this.errors,
      unanswered: this.outstanding + this.lost,
      delayed: this.delayed,
      windowMs: this.spec.measureMs,
      latency: this.latency.toData(),
      corrected: this.corrected.toData(),
      cpuMs: this.cpuMs,
      loopDelayP99Ms,
      loopDelayMaxMs,
      keepalives,
      pushes: this.pushes,
    };
  }

  onAnswer(device: Device, answer: Answer): void {
    this.outstanding--;
    const inWindow = answer.at >= this.measureFrom && answer.at < this.measureTo;
    if (answer.success) {
      if (inWindow) {
        this.acks++;
        this.latency.record((answer.at - answer.request.sentAt) * 1000);
        this.corrected.record((answer.at - answer.request.dueAt) * 1000);
      }
    } else {
      const code = answer.code ?? '?';
      this.errors[code] = (this.errors[code] ?? 0) + 1;
      if (inWindow) this.errorsInWindow++;
    }
    if (this.stopping) {
      if (this.outstanding === 0) this.done?.();
    } else if (this.spec.rate === 0 && device.open) this.sendOn(device, undefined);
  }

  onPush(): void {
    this.pushes++;
  }

  onLost(lost: readonly Outstanding[]): void {
    const n = lost.filter((o) => o.owner === this).length;
    this.outstanding -= n;
    this.lost += n;
    if (this.stopping && this.outstanding === 0) this.done?.();
  }

  private sendOn(device: Device, dueAt: number | undefined): void {
    const frame =
      this.spec.workload === 'heartbeat'
        ? this.factory.heartbeat(device.identity)
        : this.factory.signIn(device.identity, this.spec.workload === 'sign-in-photo');
    device.send(frame, 'phase', this.apicode, dueAt, this);
    this.sent++;
    this.outstanding++;
  }

  /** Open loop: request k is due at t0 + k/rate; late ones go out as soon as a connection has room. */
  private scheduleAtRate(): void {
    if (this.active.length === 0) return;
    const perMs = this.spec.rate / 1000;
    let issued = 0;
    let next = 0; // round-robin position
    // Requests due before the window closes: none is sent for after it.
    const lastDue = Math.ceil((this.measureTo - this.t0) * perMs);
    const tick = (): void => {
      const now = performance.now();
      // Request k is due at t0 + k/rate: by now, requests 0 … floor(elapsed·rate) are due.
      const due = Math.min(lastDue, Math.floor((now - this.t0) * perMs) + 1);
      while (issued < due) {
        let device: Device | undefined;
        for (let probe = 0; probe < this.active.length; probe++) {
          const d = this.active[next]!;
          next = (next + 1) % this.active.length;
          if (d.open && d.outstanding.length < this.spec.inflight) {
            device = d;
            break;
          }
        }
        if (!device) break; // every connection is full: the rest waits for the next tick
        const dueAt = this.t0 + issued / perMs;
        if (now - dueAt > DELAY_SLACK_MS) this.delayed++;
        this.sendOn(device, dueAt);
        issued++;
      }
      if (now < this.measureTo && !this.stopping) this.rateTimer = setTimeout(tick, RATE_TICK_MS);
    };
    tick();
  }
}

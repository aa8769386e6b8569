/**
 * What every measured phase does, whichever load generator sends: a warm-up, a
 * measurement window, then a bounded drain. Saturation keeps `inflight` requests
 * outstanding on every active device (each answer sends the next); fixed rate sends on a
 * schedule, round-robin over the devices that have room. Only answers arriving inside the
 * window count. The lean phase (phase.ts) and the SDK phase (sim-phase.ts) say only how a
 * request is sent and when a device has room.
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';
import type { PhaseResult, PhaseSpec } from './messages.js';

const RATE_TICK_MS = 1;
/** A fixed-rate request written this late after its due time counts as delayed. */
const DELAY_SLACK_MS = 5;

/** What a subclass adds to the result, read after the drain. */
export interface PhaseExtras {
  unanswered: number;
  pushes: number;
}

export abstract class PhaseCore<D> {
  protected readonly errors: Record<string, number> = {};
  protected outstanding = 0;
  protected stopping = false;
  /** Set once the drain ended: later answers belong to no phase. */
  protected over = false;
  private readonly latency = new Histogram();
  private readonly corrected = new Histogram();
  private sent = 0;
  private acks = 0;
  private errorsInWindow = 0;
  private delayed = 0;
  private t0 = 0;
  private measureFrom = 0;
  private measureTo = 0;
  private cpuAtStart: NodeJS.CpuUsage | undefined;
  private cpuMs = 0;
  private keepalivesAtStart: number | undefined;
  /** How late this worker's event loop ran over the window: its own stalls show in every latency. */
  private loopDelay: IntervalHistogram | undefined;
  private rateTimer: NodeJS.Timeout | undefined;
  private done: (() => void) | undefined;

  protected constructor(
    protected readonly spec: PhaseSpec,
    protected readonly active: readonly D[],
    /** Keep-alive heartbeats the worker has sent so far (background load beside the phase). */
    private readonly keepalivesSent: () => number,
  ) {}

  /** Sends one request of this phase's workload on the device. */
  protected abstract send(device: D, dueAt: number | undefined): void;
  /** Whether the device is open and has fewer than `inflight` of this phase's requests outstanding. */
  protected abstract hasRoom(device: D): boolean;
  /** Called after the drain: what only the subclass knows. */
  protected abstract extras(): PhaseExtras;

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
    else
      for (const d of this.active)
        for (let k = 0; k < this.spec.inflight; k++) this.sendCounted(d, undefined);

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
    this.over = true;
    const { unanswered, pushes } = this.extras();
    return {
      name: this.spec.name,
      connections: this.active.length,
      sent: this.sent,
      acks: this.acks,
      errorsInWindow: this.errorsInWindow,
      errors: this.errors,
      unanswered,
      delayed: this.delayed,
      windowMs: this.spec.measureMs,
      latency: this.latency.toData(),
      corrected: this.corrected.toData(),
      cpuMs: this.cpuMs,
      loopDelayP99Ms,
      loopDelayMaxMs,
      keepalives,
      pushes,
    };
  }

  /**
   * One of this phase's requests was answered at `at` (performance.now()): counted when
   * inside the window; in closed loop the device's next request goes out, unless the
   * subclass says to send it later (`resend: false`).
   */
  protected answered(
    device: D,
    at: number,
    r: { success: boolean; code?: string; sentAt: number; dueAt: number; resend?: boolean },
  ): void {
    this.outstanding--;
    const inWindow = at >= this.measureFrom && at < this.measureTo;
    if (r.success) {
      if (inWindow) {
        this.acks++;
        this.latency.record((at - r.sentAt) * 1000);
        this.corrected.record((at - r.dueAt) * 1000);
      }
    } else {
      this.countError(r.code ?? '?', at);
    }
    if (this.stopping) this.settleIfDrained();
    else if (this.spec.rate === 0 && r.resend !== false) this.sendCounted(device, undefined);
  }

  /** Requests that will never be answered (lost with their connection). */
  protected forget(n: number): void {
    this.outstanding -= n;
    if (this.stopping) this.settleIfDrained();
  }

  /** An error not tied to one answer (the SDK's own retries, say), counted like a failed answer. */
  protected countError(code: string, at: number): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    if (at >= this.measureFrom && at < this.measureTo) this.errorsInWindow++;
  }

  /** Sends in closed loop again on this device, unless the phase is ending. */
  protected sendAgain(device: D): void {
    if (!this.stopping) this.sendCounted(device, undefined);
  }

  private settleIfDrained(): void {
    if (this.outstanding === 0) this.done?.();
  }

  private sendCounted(device: D, dueAt: number | undefined): void {
    this.sent++;
    this.outstanding++;
    this.send(device, dueAt);
  }

  /** Open loop: request k is due at t0 + k/rate; late ones go out as soon as a device has room. */
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
        let device: D | undefined;
        for (let probe = 0; probe < this.active.length; probe++) {
          const d = this.active[next]!;
          next = (next + 1) % this.active.length;
          if (this.hasRoom(d)) {
            device = d;
            break;
          }
        }
        if (!device) break; // every device is full: the rest waits for the next tick
        const dueAt = this.t0 + issued / perMs;
        if (now - dueAt > DELAY_SLACK_MS) this.delayed++;
        this.sendCounted(device, dueAt);
        issued++;
      }
      if (now < this.measureTo && !this.stopping) this.rateTimer = setTimeout(tick, RATE_TICK_MS);
    };
    tick();
  }
}

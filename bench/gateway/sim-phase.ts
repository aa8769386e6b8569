/**
 * One measured phase on one sim worker, driven through the DeviceClient API (phase-core.ts
 * has the window, the schedule and the counting). A sign-in is `client.clockIn()` and its
 * answer the client's `acked` event for that record (the SDK queues the record, sends it,
 * and retries it itself); a heartbeat is `client.heartbeat()` and its answer the promise
 * settling.
 *
 * What the SDK handles itself is read from it: refused or retried sign-ins from the
 * queue's counters and log, reconnects and re-authentications from the link's.
 */
import { performance } from 'node:perf_hooks';
import type { PhaseResult, PhaseSpec } from './messages.js';
import { PhaseCore, type PhaseExtras } from './phase-core.js';
import type { PhotoFactory } from './photo.js';
import { type SimDevice, type SimTotals, totals } from './sim-device.js';

/** After a call the client refused at once, the device waits this long before the next. */
const REFUSED_PAUSE_MS = 10;

interface Pending {
  device: SimDevice;
  sentAt: number;
  dueAt: number;
}

export class SimPhase extends PhaseCore<SimDevice> {
  /** Outstanding requests of this phase, per device index. */
  private readonly perDevice: Uint32Array;
  /** Sign-ins awaiting their `acked` event, by recordKey. */
  private readonly pending = new Map<string, Pending>();
  private before: SimTotals | undefined;

  constructor(
    spec: PhaseSpec,
    private readonly devices: readonly SimDevice[],
    /** recordTime of a device's first sign-in; each further one adds 1 ms. */
    private readonly recordTimeBase: number,
    /** The photo source, for sign-in-photo. */
    private readonly photos: () => PhotoFactory,
  ) {
    super(
      spec,
      devices.filter((d) => d.online).slice(0, spec.connections),
      () => totals(devices).sdkHeartbeats,
    );
    this.perDevice = new Uint32Array(devices.length);
  }

  override run(): Promise<PhaseResult> {
    this.before = totals(this.devices);
    return super.run();
  }

  /** A device's `acked` event: the answer to one of this phase's sign-ins, if it is one. */
  onAcked(recordKey: string): void {
    const p = this.pending.get(recordKey);
    if (!p) return; // an earlier phase's record, sent again by the queue after its drain
    this.pending.delete(recordKey);
    this.settle(p, true);
  }

  /** An errorcode the SDK's queue retried or refused, from its log. */
  onCode(code: string): void {
    if (!this.over) this.countError(code, performance.now());
  }

  protected send(device: SimDevice, dueAt: number | undefined): void {
    const sentAt = performance.now();
    const p: Pending = { device, sentAt, dueAt: dueAt ?? sentAt };
    this.perDevice[device.index]!++;
    if (this.spec.workload === 'heartbeat') {
      device.client.heartbeat().then(
        () => {
          device.harnessHeartbeats++;
          this.settle(p, true);
        },
        (err: unknown) => {
          // A refusal was answered, so the link counted it among its heartbeats too.
          if ((err as Error).name === 'HeartbeatRefusedError') {
            device.harnessHeartbeats++;
            device.harnessHeartbeatsRefused++;
          }
          this.settle(p, false, err);
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
        this.settle(p, false, err);
      },
    );
  }

  protected hasRoom(device: SimDevice): boolean {
    return device.online && this.perDevice[device.index]! < this.spec.inflight;
  }

  protected extras(): PhaseExtras {
    const before = this.before!;
    const after = totals(this.devices);
    this.countDelta('retried', before, after, 'retried');
    this.countDelta('dead-letter', before, after, 'refused');
    this.countDelta('reconnect', before, after, 'reconnects');
    this.countDelta('re-auth', before, after, 'auths');
    return { unanswered: this.outstanding, pushes: after.pushes - before.pushes };
  }

  private countDelta(name: string, before: SimTotals, after: SimTotals, key: keyof SimTotals): void {
    const n = after[key] - before[key];
    if (n > 0) this.errors[name] = (this.errors[name] ?? 0) + n;
  }

  private settle(p: Pending, success: boolean, err?: unknown): void {
    if (this.over) return; // after the drain: no phase's
    this.perDevice[p.device.index]!--;
    const e = err as { code?: unknown; name?: unknown } | undefined;
    const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
    // Closed loop: the next one at once, or shortly after a refusal (never a tight loop).
    this.answered(p.device, performance.now(), {
      success,
      code,
      sentAt: p.sentAt,
      dueAt: p.dueAt,
      resend: success,
    });
    if (!success && this.spec.rate === 0) setTimeout(() => this.sendAgain(p.device), REFUSED_PAUSE_MS);
  }
}

/**
 * Opens a worker's devices at a bounded rate: at most ratePerSecond starts per second and
 * maxOpening connections between connect and the C_AUTH answer at once. A device that
 * fails in a way that clears up (the server's backlog, a source port in use, 490_03
 * connection limit, 490_08 busy) is tried again after a back-off, up to maxAttempts
 * tries; everything stops at the deadline. Bounded in count and in time.
 */

import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Answer, Device } from './device.js';
import type { ConnectResult, ConnectSpec } from './messages.js';
import { paceStarts } from './pacer.js';
import type { RequestFactory } from './requests.js';

/** Reasons worth another try: transient on a loaded loopback. */
const RETRIABLE = new Set([
  'ECONNREFUSED',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'peer closed',
  '490_03',
  '490_08',
]);
/** One try (connect and C_AUTH answer) takes at most this long. */
const TRY_TIMEOUT_MS = 10_000;

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class Connector {
  private readonly queue: number[] = [];
  private readonly attempts: Uint8Array;
  /** Added to a device's index when picking its source address: moves on after EADDRNOTAVAIL. */
  private readonly addressShift: Uint16Array;
  private readonly tryTimers = new Map<number, NodeJS.Timeout>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly retries: Record<string, number> = {};
  private readonly failures: Record<string, number> = {};
  private opening = 0;
  private settled = 0;
  private held = 0;
  private finished = false;
  private resolve: ((r: ConnectResult) => void) | undefined;
  private stopPacing: (() => void) | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly spec: ConnectSpec,
    private readonly devices: readonly Device[],
    private readonly factory: RequestFactory,
  ) {
    this.attempts = new Uint8Array(devices.length);
    this.addressShift = new Uint16Array(devices.length);
    for (let i = 0; i < devices.length; i++) this.queue.push(i);
  }

  run(): Promise<ConnectResult> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.stopPacing = paceStarts({
        ratePerSecond: this.spec.ratePerSecond,
        timeoutMs: this.spec.timeoutMs,
        startedAt: this.started,
        canStart: () => this.opening < this.spec.maxOpening && this.queue.length > 0,
        startOne: () => this.open(this.queue.shift()!),
        allSettled: () => this.settled === this.devices.length,
        finished: () => this.finished,
        finish: () => this.finish(),
      });
    });
  }

  /** A C_AUTH answer for a device this connector is opening. */
  onAuthAnswer(device: Device, answer: Answer): void {
    if (this.finished) return;
    if (!answer.success) {
      device.close(answer.code ?? '?'); // onClose decides: retry or give up
      return;
    }
    const token = (JSON.parse(answer.response) as { token?: unknown }).token;
    if (typeof token !== 'string' || token === '') {
      device.close('no token in C_AUTH answer');
      return;
    }
    device.identity.token = token;
    device.authed = true;
    this.endTry(device.index);
    this.held++;
    this.settled++;
  }

  /** A device closed before it was authenticated. */
  onClosedBeforeAuth(device: Device, reason: string): void {
    if (this.finished || !this.tryTimers.has(device.index)) return;
    this.endTry(device.index);
    const i = device.index;
    if (reason === 'EADDRNOTAVAIL' || reason === 'EADDRINUSE') this.addressShift[i]!++;
    if (RETRIABLE.has(reason) && this.attempts[i]! < this.spec.maxAttempts) {
      bump(this.retries, reason);
      const backoff = Math.min(2000, 100 * 2 ** (this.attempts[i]! - 1)) * (0.5 + Math.random());
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (!this.finished) this.queue.push(i);
      }, backoff);
      this.retryTimers.add(timer);
      return;
    }
    bump(this.failures, reason);
    this.settled++;
  }

  private open(i: number): void {
    const device = this.devices[i]!;
    this.attempts[i]!++;
    this.opening++;
    const addresses = this.spec.localAddresses;
    const localAddress = addresses[(i + this.addressShift[i]!) % addresses.length]!;
    const socket = connect({ host: this.spec.host, port: this.spec.port, localAddress, noDelay: true });
    this.tryTimers.set(
      i,
      setTimeout(() => device.close('ETIMEDOUT'), TRY_TIMEOUT_MS),
    );
    device.attach(socket);
    socket.once('connect', () => device.send(this.factory.auth(device.identity), 'auth', 'C_AUTH'));
  }

  private endTry(i: number): void {
    const timer = this.tryTimers.get(i);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.tryTimers.delete(i);
    this.opening--;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopPacing?.();
    for (const t of this.retryTimers) clearTimeout(t);
    for (const [i, t] of this.tryTimers) {
      clearTimeout(t);
      this.devices[i]!.close('deadline');
    }
    const unsettled = this.devices.length - this.settled;
    if (unsettled > 0) this.failures.deadline = (this.failures.deadline ?? 0) + unsettled;
    this.resolve?.({
      requested: this.devices.length,
      held: this.held,
      failed: this.devices.length - this.held,
      retries: this.retries,
      failures: this.failures,
      elapsedMs: performance.now() - this.started,
    });
  }
}

/**
 * Starts a sim worker's DeviceClients at a bounded rate: at most ratePerSecond starts per
 * second, and at most maxOpening started and not yet online at once. Each client
 * connects and authenticates by itself and, when that fails, tries again with its own
 * back-off; the connector only counts. A device whose failure is not transient, or that
 * failed maxAttempts tries, or is not online by the deadline, is given up on (stopped).
 * Bounded in count and in time.
 */

import { performance } from 'node:perf_hooks';
import type { ConnectResult, ConnectSpec } from './messages.js';
import { paceStarts } from './pacer.js';
import { reasonCode, type SimDevice } from './sim-device.js';

/** The lean connector's transient reasons: worth another try on a loaded loopback. */
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

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class SimConnector {
  private readonly retries: Record<string, number> = {};
  private readonly failures: Record<string, number> = {};
  private next = 0;
  private opening = 0;
  private settled = 0;
  private held = 0;
  private finished = false;
  private resolve: ((r: ConnectResult) => void) | undefined;
  private stopPacing: (() => void) | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly spec: ConnectSpec,
    private readonly devices: readonly SimDevice[],
  ) {}

  run(): Promise<ConnectResult> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.stopPacing = paceStarts({
        ratePerSecond: this.spec.ratePerSecond,
        timeoutMs: this.spec.timeoutMs,
        startedAt: this.started,
        canStart: () => this.opening < this.spec.maxOpening && this.next < this.devices.length,
        startOne: () => this.start(this.devices[this.next++]!),
        allSettled: () => this.settled === this.devices.length,
        finished: () => this.finished,
        finish: () => this.finish(),
      });
    });
  }

  onOnline(d: SimDevice): void {
    if (this.finished || d.settled) return;
    d.settled = true;
    this.opening--;
    this.held++;
    this.settled++;
  }

  /** The SDK will try again: count it as a retry, or give the device up. */
  onReconnecting(d: SimDevice, attempt: number): void {
    if (this.finished || d.settled) return;
    const reason = reasonCode(d.lastReason);
    if (RETRIABLE.has(reason) && attempt < this.spec.maxAttempts) {
      bump(this.retries, reason);
      return;
    }
    bump(this.failures, reason);
    d.settled = true;
    this.opening--;
    this.settled++;
    void d.client.stop().catch(() => undefined);
  }

  private start(d: SimDevice): void {
    d.started = true;
    this.opening++;
    d.client.start().catch((err: unknown) => {
      // Only a queue that cannot open lands here: nothing to retry.
      if (d.settled) return;
      bump(this.failures, err instanceof Error ? err.name : 'Error');
      d.settled = true;
      this.opening--;
      this.settled++;
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopPacing?.();
    let late = 0;
    for (const d of this.devices) {
      if (d.settled) continue;
      late++;
      d.settled = true;
      if (d.started) void d.client.stop().catch(() => undefined);
    }
    if (late > 0) this.failures.deadline = (this.failures.deadline ?? 0) + late;
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

/**
 * Starts a sim worker's DeviceClients at a bounded rate: at most ratePerSecond starts per
 * second, and at most maxOpening started and not yet online at once. Each client
 * connects and authenticates by itself and, when that fails, tries again with its own
 * back-off; the connector only counts. A device whose failure is not transient, or that
 * failed maxAttempts tries, or is not online by the deadline, is given up on (stopped).
 * Bounded in count and in time.
 */

import type { ConnectSpec } from './messages.js';
import { PacedConnector, RETRIABLE } from './pacer.js';
import { reasonCode, type SimDevice } from './sim-device.js';

export class SimConnector extends PacedConnector {
  private next = 0;

  constructor(
    spec: ConnectSpec,
    private readonly devices: readonly SimDevice[],
  ) {
    super(spec, devices.length);
  }

  protected hasNext(): boolean {
    return this.next < this.devices.length;
  }

  protected startNext(): void {
    this.start(this.devices[this.next++]!);
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
      this.bump(this.retries, reason);
      return;
    }
    this.bump(this.failures, reason);
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
      this.bump(this.failures, err instanceof Error ? err.name : 'Error');
      d.settled = true;
      this.opening--;
      this.settled++;
    });
  }

  protected abandonUnsettled(): number {
    let late = 0;
    for (const d of this.devices) {
      if (d.settled) continue;
      late++;
      d.settled = true;
      if (d.started) void d.client.stop().catch(() => undefined);
    }
    return late;
  }
}

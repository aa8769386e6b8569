/**
 * Opens a worker's devices at a bounded rate: at most ratePerSecond starts per second and
 * maxOpening connections between connect and the C_AUTH answer at once. A device that
 * fails in a way that clears up (the server's backlog, a source port in use, 490_03
 * connection limit, 490_08 busy) is tried again after a back-off, up to maxAttempts
 * tries; everything stops at the deadline. Bounded in count and in time.
 */

import { connect } from 'node:net';
import type { Answer, Device } from './device.js';
import type { ConnectSpec } from './messages.js';
import { PacedConnector, RETRIABLE } from './pacer.js';
import type { RequestFactory } from './requests.js';

/** One try (connect and C_AUTH answer) takes at most this long. */
const TRY_TIMEOUT_MS = 10_000;

export class Connector extends PacedConnector {
  private readonly queue: number[] = [];
  private readonly attempts: Uint8Array;
  /** Added to a device's index when picking its source address: moves on after EADDRNOTAVAIL. */
  private readonly addressShift: Uint16Array;
  private readonly tryTimers = new Map<number, NodeJS.Timeout>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(
    spec: ConnectSpec,
    private readonly devices: readonly Device[],
    private readonly factory: RequestFactory,
  ) {
    super(spec, devices.length);
    this.attempts = new Uint8Array(devices.length);
    this.addressShift = new Uint16Array(devices.length);
    for (let i = 0; i < devices.length; i++) this.queue.push(i);
  }

  protected hasNext(): boolean {
    return this.queue.length > 0;
  }

  protected startNext(): void {
    this.open(this.queue.shift()!);
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
      this.bump(this.retries, reason);
      const backoff = Math.min(2000, 100 * 2 ** (this.attempts[i]! - 1)) * (0.5 + Math.random());
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (!this.finished) this.queue.push(i);
      }, backoff);
      this.retryTimers.add(timer);
      return;
    }
    this.bump(this.failures, reason);
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

  protected abandonUnsettled(): number {
    for (const t of this.retryTimers) clearTimeout(t);
    for (const [i, t] of this.tryTimers) {
      clearTimeout(t);
      this.devices[i]!.close('deadline');
    }
    return this.devices.length - this.settled;
  }
}

/**
 * Connection starts at a bounded rate, for both connectors (connector.ts, sim-connect.ts):
 * a token bucket refilled at `ratePerSecond` (bursts of at most 1/20 s worth), a bound on
 * what is opening at once (the caller's `canStart`), and a deadline. Ticks every 5 ms
 * until every device settled or the deadline passed, then calls `finish` once.
 */
import { performance } from 'node:perf_hooks';
import { ERRORS } from '@kaoqin/protocol';
import type { ConnectResult, ConnectSpec } from './messages.js';

const TICK_MS = 5;

/** Reasons worth another try: transient on a loaded loopback (both connectors). */
export const RETRIABLE = new Set([
  'ECONNREFUSED',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'peer closed',
  // The platform's "full, try later" answers; a 500_01 is reported, not hidden by a retry.
  ERRORS.CAPACITY.code,
  ERRORS.BUSY.code,
]);

export interface PacedStarts {
  ratePerSecond: number;
  timeoutMs: number;
  /** performance.now() the deadline counts from. */
  startedAt: number;
  /** Another can start now: some are left and fewer than the limit are opening. */
  canStart(): boolean;
  startOne(): void;
  /** Every device is online or given up. */
  allSettled(): boolean;
  /** Whether the caller already finished (a late tick then does nothing). */
  finished(): boolean;
  finish(): void;
}

/** Starts the ticks; returns a function that stops them. */
export function paceStarts(p: PacedStarts): () => void {
  let budget = 0;
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const burst = Math.max(1, p.ratePerSecond / 20);
  const tick = (): void => {
    if (p.finished()) return;
    const now = performance.now();
    if (now - p.startedAt > p.timeoutMs) {
      p.finish();
      return;
    }
    budget = Math.min(burst, budget + ((now - last) * p.ratePerSecond) / 1000);
    last = now;
    while (budget >= 1 && p.canStart()) {
      budget--;
      p.startOne();
    }
    if (p.allSettled()) {
      p.finish();
      return;
    }
    timer = setTimeout(tick, TICK_MS);
  };
  tick();
  return () => clearTimeout(timer);
}

/**
 * What both connectors count while they open their devices, and how they end: the paced
 * starts above, retries and failures by reason, and one ConnectResult when every device
 * is online or given up, or the deadline passed.
 */
export abstract class PacedConnector {
  protected readonly retries: Record<string, number> = {};
  protected readonly failures: Record<string, number> = {};
  /** Started and neither online nor given up. */
  protected opening = 0;
  /** Online or given up. */
  protected settled = 0;
  protected held = 0;
  protected finished = false;
  private resolve: ((r: ConnectResult) => void) | undefined;
  private stopPacing: (() => void) | undefined;
  private readonly started = performance.now();

  protected constructor(
    protected readonly spec: ConnectSpec,
    private readonly total: number,
  ) {}

  /** Whether another device is waiting to start. */
  protected abstract hasNext(): boolean;
  protected abstract startNext(): void;
  /** Gives up on what is still opening at the deadline; returns how many. */
  protected abstract abandonUnsettled(): number;

  run(): Promise<ConnectResult> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.stopPacing = paceStarts({
        ratePerSecond: this.spec.ratePerSecond,
        timeoutMs: this.spec.timeoutMs,
        startedAt: this.started,
        canStart: () => this.opening < this.spec.maxOpening && this.hasNext(),
        startOne: () => this.startNext(),
        allSettled: () => this.settled === this.total,
        finished: () => this.finished,
        finish: () => this.finish(),
      });
    });
  }

  protected bump(map: Record<string, number>, key: string): void {
    map[key] = (map[key] ?? 0) + 1;
  }

  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopPacing?.();
    const late = this.abandonUnsettled();
    if (late > 0) this.failures.deadline = (this.failures.deadline ?? 0) + late;
    this.resolve?.({
      requested: this.total,
      held: this.held,
      failed: this.total - this.held,
      retries: this.retries,
      failures: this.failures,
      elapsedMs: performance.now() - this.started,
    });
  }
}

/**
 * Connection starts at a bounded rate, for both connectors (connector.ts, sim-connect.ts):
 * a token bucket refilled at `ratePerSecond` (bursts of at most 1/20 s worth), a bound on
 * what is opening at once (the caller's `canStart`), and a deadline. Ticks every 5 ms
 * until every device settled or the deadline passed, then calls `finish` once.
 */
import { performance } from 'node:perf_hooks';

const TICK_MS = 5;

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

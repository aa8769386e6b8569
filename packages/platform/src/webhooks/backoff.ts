/**
 * When a failed delivery is tried again: base × 2^(attempts−1), capped, with "equal
 * jitter" (half fixed, half random) so receivers that come back after an outage are not
 * hit by every platform's retries in the same second, while a retry never comes sooner
 * than half its step.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export function retryDelay(attempts: number, o: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(step / 2 + (step / 2) * random());
}

/**
 * Exponential backoff with full jitter: the delay before attempt n is uniform in
 * [0, min(max, base * 2^(n-1))). Full jitter spreads the reconnects of thousands of
 * devices that lost the platform at the same moment, so they do not all come back in
 * the same instant.
 */

export interface BackoffOptions {
  /** Cap of the first attempt's delay. Default 500 ms. */
  baseMs: number;
  /** Largest delay. Default 30 s. */
  maxMs: number;
  /** A link that stayed up this long resets the attempt count. Default 60 s. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, stableMs: 60_000 };

/** The delay before attempt `attempt` (1-based). */
export function fullJitterDelay(
  attempt: number,
  opts: Pick<BackoffOptions, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  // 2^(n-1) overflows nothing below 2^1023; the min() caps it long before that matters.
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 52));
  return Math.floor(random() * cap);
}

/** Back-off with jitter and abortable sleeps, shared by the task API client and the downloads. */

export interface RetryOptions {
  /** Tries in all, the first included; default 5. */
  attempts?: number;
  /** First back-off; doubles each time; default 250 ms. */
  backoffMs?: number;
  /** Longest back-off; default 10 s. */
  maxBackoffMs?: number;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = { attempts: 5, backoffMs: 250, maxBackoffMs: 10_000 };

/**
 * The wait before retry number `attempt` (0-based): exponential, with "equal jitter"
 * (half fixed, half random) so that thousands of devices that failed together do not
 * come back together, while each still waits at least half the nominal delay.
 */
export function backoffDelay(attempt: number, opts: RetryOptions = {}): number {
  const base = opts.backoffMs ?? RETRY_DEFAULTS.backoffMs;
  const max = opts.maxBackoffMs ?? RETRY_DEFAULTS.maxBackoffMs;
  const nominal = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + Math.random() * (nominal / 2));
}

/** Resolves after ms, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts on the outer signal or after timeoutMs, whichever comes first. */
export function withTimeout(timeoutMs: number, outer?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(timeoutMs);
  return outer ? AbortSignal.any([outer, t]) : t;
}

/**
 * Requests in flight across every connection of the gateway: frames read and not yet
 * answered, counted twice, by bytes and by number. Past either limit no connection parses
 * what it reads: it holds the bytes back and waits (and, once it holds a socket read's
 * worth, stops reading, so the rest waits in the kernel's socket buffer and on the
 * device) until answers bring the budget back under. So a burst costs the process a
 * bounded amount of memory instead of heap growth:
 * - bytes: 19,000 devices draining photo backlogs 64 at a time would otherwise put
 *   gigabytes of frames in flight;
 * - requests: 19,000 devices with one sign-in each in flight put 19,000 parsed requests
 *   on the heap (~5 KB each with their garbage, about 90 MB at bench/gateway's sign-in
 *   saturation) while the group commit writes 1,000 at a time; a few thousand keep the
 *   writer as busy.
 * Each connection's own limit (maxInFlightPerConnection) still applies.
 *
 * Held bytes are a few hundred for a sign-in. Holding them, rather than pausing a
 * connection after it has parsed a request, is what bounds the count: with one request
 * in flight per device, every device's request would get in first. Waiting connections
 * are woken in the order they began to wait, while there is room, and each parses what
 * it held at once. A woken connection may bring several frames (a device pipelining its
 * backlog, up to maxInFlightPerConnection), so the limits are high-water marks, not caps.
 */
/** The config's default (maxInFlightBytes): about 1,800 photo sign-ins of 70 KB. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 128 * 1024 * 1024;
/** The config's default (maxInFlightRequests): four group-commit batches of 1,000. */
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS = 4096;

export interface InFlightLimits {
  bytes: number;
  requests: number;
}

export class InFlightBudget {
  readonly limits: InFlightLimits;
  #bytes = 0;
  #requests = 0;
  /** Connections holding bytes back for this budget, in the order they began to. */
  readonly #waiting = new Set<() => void>();

  constructor(limits: InFlightLimits) {
    this.limits = limits;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get requests(): number {
    return this.#requests;
  }

  /** Connections waiting for the budget to free. */
  get waiting(): number {
    return this.#waiting.size;
  }

  get full(): boolean {
    return this.#bytes >= this.limits.bytes || this.#requests >= this.limits.requests;
  }

  /** One request of `bytes` read. */
  take(bytes: number): void {
    this.#bytes += bytes;
    this.#requests++;
  }

  /** One request of `bytes` answered (or dropped with its connection). */
  give(bytes: number): void {
    this.#bytes -= bytes;
    this.#requests--;
    // A woken connection reads the frames it held back at once (connection.ts), so the
    // budget is full again as soon as enough have: wake no more than that.
    for (const wake of this.#waiting) {
      if (this.full) break;
      this.#waiting.delete(wake);
      wake();
    }
  }

  /** Calls `wake` once, when the budget has room (in the order waiters came; waiting again keeps the place). */
  wait(wake: () => void): void {
    this.#waiting.add(wake);
  }

  forget(wake: () => void): void {
    this.#waiting.delete(wake);
  }
}

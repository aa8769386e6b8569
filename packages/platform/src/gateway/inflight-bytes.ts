/**
 * Request bytes in flight across every connection of the gateway: frames read and not
 * yet answered. Past the limit every connection stops reading (its next frames wait in
 * the kernel's socket buffer and on the device) until answers bring it back under, so a
 * burst of photo sign-ins costs the process a bounded amount of memory instead of heap
 * growth: 19,000 devices draining photo backlogs 64 at a time would otherwise put
 * gigabytes of frames in flight. Each connection's own limit (maxInFlightPerConnection)
 * still applies. The limit is a high-water mark, not a cap: connections woken together
 * each read what their socket holds (up to 64 KB) before they see it full again.
 */
/** The config's default (maxInFlightBytes): about 1,800 photo sign-ins of 70 KB. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 128 * 1024 * 1024;

export class InFlightBytes {
  readonly limit: number;
  #used = 0;
  /** Connections that stopped reading for this budget, woken when it frees. */
  readonly #waiting = new Set<() => void>();

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  get full(): boolean {
    return this.#used >= this.limit;
  }

  take(bytes: number): void {
    this.#used += bytes;
  }

  give(bytes: number): void {
    this.#used -= bytes;
    if (this.#used < this.limit && this.#waiting.size > 0) {
      const wake = [...this.#waiting];
      this.#waiting.clear();
      for (const w of wake) w();
    }
  }

  /** Calls `wake` once the budget is under its limit again. */
  wait(wake: () => void): void {
    this.#waiting.add(wake);
  }

  forget(wake: () => void): void {
    this.#waiting.delete(wake);
  }
}

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
 *   saturation) while the group commit writes them a batch at a time. The default is
 *   small for the collector's sake: a parsed request lives until its batch is durable,
 *   and one that outlives two young-generation collections is copied twice and promoted,
 *   to be found dead by a full collection later. With 4,096 in flight each waited ~0.4 s
 *   at saturation, several scavenges (one every ~70 ms there); with 512, about one. Two
 *   batches of ~256 (one committing while the next fills) keep the writer as busy
 *   (docs/operations.md, "Requests in flight"). Both defaults live in config/schema.ts.
 * Each connection's own limit (maxInFlightPerConnection) still applies.
 *
 * Held bytes are a few hundred for a sign-in. Holding them, rather than pausing a
 * connection after it has parsed a request, is what bounds the count: with one request
 * in flight per device, every device's request would get in first. Waiting connections
 * are woken in the order they began to wait, while there is room, and each parses what
 * it held at once. A woken connection may bring several frames (a device pipelining its
 * backlog, up to maxInFlightPerConnection), so the limits are high-water marks, not caps.
 */

export interface InFlightLimits {
  bytes: number;
  requests: number;
}

/** Past this many woken or forgotten entries at its front, the wait queue is compacted. */
const COMPACT_AFTER = 1024;

export class InFlightBudget {
  readonly limits: InFlightLimits;
  #bytes = 0;
  #requests = 0;
  /**
   * Connections holding bytes back for this budget, in the order they began to: a queue
   * read from `#head`, each entry with the ticket it was queued under; `#tickets` holds the
   * live ticket of each waiter, so an entry whose waiter was forgotten (or woken) is skipped.
   * Not a Set walked from its start: a Set keeps deleted entries as holes until it rehashes,
   * and with ~15,000 devices waiting every answer walked past them, 4 µs an answer, 5–9 %
   * of the event loop at sign-in saturation (bench/README.md).
   */
  #queue: { wake: () => void; ticket: number }[] = [];
  #head = 0;
  readonly #tickets = new Map<() => void, number>();
  #nextTicket = 0;

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
    return this.#tickets.size;
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
    // this.#queue each time round: a wake may come back here and compact it.
    while (this.#head < this.#queue.length && !this.full) {
      const { wake, ticket } = this.#queue[this.#head++]!;
      if (this.#tickets.get(wake) !== ticket) continue; // forgotten, or queued again later
      this.#tickets.delete(wake);
      wake();
    }
    this.#compact();
  }

  /** Calls `wake` once, when the budget has room (in the order waiters came; waiting again keeps the place). */
  wait(wake: () => void): void {
    if (this.#tickets.has(wake)) return;
    const ticket = this.#nextTicket++;
    this.#tickets.set(wake, ticket);
    this.#queue.push({ wake, ticket });
  }

  forget(wake: () => void): void {
    this.#tickets.delete(wake);
    // Its entry stays in the queue until reached; a queue of nothing but such entries goes at once.
    if (this.#tickets.size === 0) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

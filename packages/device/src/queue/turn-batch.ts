/**
 * Collects what arrives during one event-loop turn and hands it over in one piece on the
 * next (setImmediate): the queue commits a turn's enqueues in one transaction (one fsync)
 * and deletes a turn's acked records in another.
 */
export class TurnBatch<T> {
  readonly #flush: (items: T[]) => void;
  #items: T[] = [];
  #scheduled = false;

  /** `flush` receives the items collected, never an empty list. */
  constructor(flush: (items: T[]) => void) {
    this.#flush = flush;
  }

  /** Items waiting for the flush. */
  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands over what was collected now, without waiting for the next turn (close() does). */
  flush(): void {
    this.#scheduled = false;
    const items = this.#items.splice(0);
    if (items.length > 0) this.#flush(items);
  }
}

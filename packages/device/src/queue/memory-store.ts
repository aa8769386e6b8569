/**
 * The queue's records in process memory: what a simulator uses for its thousands of
 * devices. Nothing survives the process, so a real device must never use it.
 *
 * Seqs are consecutive from 1, so a record lives at index seq - base of one array; a
 * removed record leaves a hole. The holes at the front are dropped as they appear, so
 * memory follows the records waiting, and reads after a cursor start at its index
 * rather than scanning from the oldest record.
 */
import type { DeadLetter, NewRecord, QueuedRecord, QueueStorage } from './storage-types.js';

export class MemoryQueueStore implements QueueStorage {
  /** slots[i] is the record of seq base + i, or undefined once removed. */
  #slots: (QueuedRecord | undefined)[] = [];
  /** Index of the first slot that may hold a record; slots before it are dead. */
  #head = 0;
  /** seq of slots[0]. */
  #base = 1;
  #nextSeq = 1;
  #count = 0;
  readonly #dead: DeadLetter[] = [];
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  insert(records: NewRecord[]): number[] {
    this.#open();
    const seqs = new Array<number>(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const seq = this.#nextSeq++;
      this.#slots.push({
        seq,
        key: r.key,
        param: r.param,
        recordTime: r.recordTime,
        enqueuedAt: r.enqueuedAt,
      });
      seqs[i] = seq;
    }
    this.#count += records.length;
    return seqs;
  }

  remove(seqs: number[]): void {
    this.#open();
    for (const seq of seqs) this.#take(seq);
    this.#compact();
  }

  bury(rec: QueuedRecord, code: string, message: string, at: number): void {
    this.#open();
    if (!this.#take(rec.seq)) return;
    this.#dead.push({ ...rec, code, message, failedAt: at });
    this.#compact();
  }

  readAfter(after: number, limit: number): QueuedRecord[] {
    const out: QueuedRecord[] = [];
    let i = Math.max(this.#head, after + 1 - this.#base);
    for (; i < this.#slots.length && out.length < limit; i++) {
      const r = this.#slots[i];
      if (r) out.push(r);
    }
    return out;
  }

  lastSeq(): number {
    for (let i = this.#slots.length - 1; i >= this.#head; i--) {
      const r = this.#slots[i];
      if (r) return r.seq;
    }
    return 0;
  }

  count(): number {
    return this.#count;
  }

  deadCount(): number {
    return this.#dead.length;
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.#dead.slice(0, limit);
  }

  oldestRecordTime(): number | undefined {
    for (let i = this.#head; i < this.#slots.length; i++) {
      const r = this.#slots[i];
      if (r) return r.recordTime;
    }
    return undefined;
  }

  close(): void {
    this.#closed = true;
    this.#slots = [];
  }

  #open(): void {
    if (this.#closed) throw new Error('sign-in queue store is closed');
  }

  /** Empties a record's slot; false when it was not waiting. */
  #take(seq: number): boolean {
    const i = seq - this.#base;
    if (i < this.#head || i >= this.#slots.length || !this.#slots[i]) return false;
    this.#slots[i] = undefined;
    this.#count--;
    return true;
  }

  #compact(): void {
    while (this.#head < this.#slots.length && !this.#slots[this.#head]) this.#head++;
    // Drop the dead front once it is most of the array: amortised O(1) per record.
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
  }
}

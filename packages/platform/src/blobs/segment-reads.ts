/** Segment files held open for positional reads, least recently used closed first. */
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentName } from './segment-format.js';

interface Slot {
  fh: Promise<FileHandle>;
  users: number;
  evicted: boolean;
}

/** Segment files open for reading, least recently used closed first; never one in use. */
export class ReadHandles {
  readonly #dir: string;
  readonly #max: number;
  readonly #slots = new Map<number, Slot>();
  readonly #closing = new Set<Promise<void>>();

  constructor(dir: string, max: number) {
    this.#dir = dir;
    this.#max = max;
  }

  async use<T>(seg: number, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let slot = this.#slots.get(seg);
    if (slot) {
      this.#slots.delete(seg);
      this.#slots.set(seg, slot);
    } else {
      const opened: Slot = { fh: open(join(this.#dir, segmentName(seg)), 'r'), users: 0, evicted: false };
      opened.fh.catch(() => {
        if (this.#slots.get(seg) === opened) this.#slots.delete(seg);
      });
      slot = opened;
      this.#slots.set(seg, slot);
      for (const [old, s] of this.#slots) {
        if (this.#slots.size <= this.#max) break;
        this.#slots.delete(old);
        s.evicted = true;
        if (s.users === 0) this.#close(s);
      }
    }
    slot.users++;
    try {
      return await fn(await slot.fh);
    } finally {
      slot.users--;
      if (slot.evicted && slot.users === 0) this.#close(slot);
    }
  }

  /**
   * Forgets the open file of a segment about to be replaced or removed (compaction), so
   * the next read opens the file then under its name. A read already under way keeps the
   * handle it has (closed when it is done): it reads the old file, or, if its open raced
   * the swap, the new one, which the engine notices and reads again.
   */
  retire(seg: number): void {
    const slot = this.#slots.get(seg);
    if (!slot) return;
    this.#slots.delete(seg);
    slot.evicted = true;
    if (slot.users === 0) this.#close(slot);
  }

  async closeAll(): Promise<void> {
    for (const slot of this.#slots.values()) {
      slot.evicted = true;
      if (slot.users === 0) this.#close(slot);
    }
    this.#slots.clear();
    await Promise.all(this.#closing);
  }

  #close(slot: Slot): void {
    const closing = slot.fh.then(
      (fh) => fh.close(),
      () => {},
    );
    this.#closing.add(closing);
    const forget = (): void => {
      this.#closing.delete(closing);
    };
    closing.then(forget, forget);
  }
}

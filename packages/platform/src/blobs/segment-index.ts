/**
 * The segment store's in-memory index (segments.ts): key → where its served copy lives,
 * plus what compaction needs to know besides:
 * - the other copies of a key still on disk (an earlier copy a later one overrode, a copy
 *   that failed its check and was forgotten): erasing a key must remove those too;
 * - keys being removed, which a put must write afresh rather than take as stored;
 * - segments being swapped for their compacted copy, and a generation per segment, so a
 *   read that raced a swap reads again instead of taking the new file for damage.
 */
import type { Entry } from './segment-format.js';

export class SegmentIndex {
  readonly #served = new Map<string, Entry>();
  /** Copies on disk that are not served, by key: rare (rot, a re-put after it). */
  readonly #shadowed = new Map<string, Entry[]>();
  /** One string per ext, shared by every entry that has it. */
  readonly #exts = new Map<string, string>();
  /** Keys a removal is under way for. */
  readonly removing = new Set<string>();
  readonly #swaps = new Map<number, Promise<void>>();
  readonly #gens = new Map<number, number>();

  get(key: string): Entry | undefined {
    return this.#served.get(key);
  }

  has(key: string): boolean {
    return this.#served.has(key);
  }

  /** Into the index, in log order: a later copy of a key wins over an earlier one. */
  add(entries: readonly Entry[]): void {
    for (const e of entries) {
      e.ext = this.intern(e.ext);
      const prev = this.#served.get(e.key);
      if (prev) this.#shadow(prev);
      this.#served.set(e.key, e);
    }
  }

  /** Stops serving a copy that failed its check; its bytes stay on disk until compaction. */
  forget(e: Entry): void {
    if (this.#served.get(e.key) !== e) return;
    this.#served.delete(e.key);
    this.#shadow(e);
  }

  /** Every copy of the key on disk that the store knows of. */
  copies(key: string): Entry[] {
    const served = this.#served.get(key);
    return [...(served ? [served] : []), ...(this.#shadowed.get(key) ?? [])];
  }

  /** Whether this is the copy served for its key. */
  isServed(e: Entry): boolean {
    const s = this.#served.get(e.key);
    return s !== undefined && s.seg === e.seg && s.off === e.off;
  }

  /**
   * A segment was rewritten: `dropped` are the copies it held that are gone, `moved` the
   * ones it kept (old place → new place). Copies served from elsewhere (a newer put of
   * the same bytes) are left alone.
   */
  rewrote(moved: readonly [Entry, Entry][], dropped: readonly Entry[]): void {
    // Dropped first, against the old places: a kept copy's new offset may equal a dropped one's old.
    for (const e of dropped) {
      if (this.isServed(e)) this.#served.delete(e.key);
      const list = this.#shadowed.get(e.key);
      if (!list) continue;
      const left = list.filter((s) => s.seg !== e.seg || s.off !== e.off);
      if (left.length === 0) this.#shadowed.delete(e.key);
      else this.#shadowed.set(e.key, left);
    }
    for (const [from, to] of moved) if (this.isServed(from)) this.#served.set(to.key, to);
  }

  /** A segment's swap under way, if any: reads of it wait for it. */
  swapOf(seg: number): Promise<void> | undefined {
    return this.#swaps.get(seg);
  }

  /** Bumped when a segment's file is replaced. */
  generation(seg: number): number {
    return this.#gens.get(seg) ?? 0;
  }

  /** Starts a swap of the segment's file; call the returned function when the index says what the new file holds. */
  beginSwap(seg: number): () => void {
    let release!: () => void;
    this.#swaps.set(
      seg,
      new Promise<void>((r) => {
        release = r;
      }),
    );
    this.#gens.set(seg, this.generation(seg) + 1);
    return () => {
      this.#swaps.delete(seg);
      release();
    };
  }

  intern(ext: string): string {
    let s = this.#exts.get(ext);
    if (s === undefined) {
      s = ext;
      this.#exts.set(ext, s);
    }
    return s;
  }

  #shadow(e: Entry): void {
    const list = this.#shadowed.get(e.key);
    if (list) list.push(e);
    else this.#shadowed.set(e.key, [e]);
  }
}

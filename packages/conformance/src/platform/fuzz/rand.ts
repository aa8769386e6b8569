/**
 * The pass's randomness: mulberry32, seeded per input from (seed, input), so an input's
 * choices never depend on the order the connections took the inputs in.
 */

export function mix(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rand {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  /** [0, 1) */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#a ^ (this.#a >>> 15), 1 | this.#a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** One of the entries, by weight. */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of xs) total += w;
    let x = this.next() * total;
    for (const [w, v] of xs) {
      x -= w;
      if (x < 0) return v;
    }
    return xs[xs.length - 1]![1];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
  /** A length: mostly small, sometimes a few KB, now and then up to 64 KB. */
  size(): number {
    return this.weighted([
      [50, () => this.range(0, 16)],
      [30, () => this.range(0, 256)],
      [15, () => this.range(256, 4096)],
      [5, () => this.range(4096, 65_536)],
    ])();
  }
}

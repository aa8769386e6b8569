/**
 * The script's randomness: mulberry32 seeded per input from (seed, input), and the pool of
 * seeded bytes large inputs are sliced from.
 */

export function mix(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 1 MB of seeded random bytes, sliced for large inputs (drawing each byte costs more than parsing it). */
let POOL = new Uint8Array(0);

export function makePool(seed: number): void {
  const r = new Rand(mix(seed, -1));
  POOL = new Uint8Array(1 << 20);
  const v = new DataView(POOL.buffer);
  for (let i = 0; i < POOL.length; i += 4) v.setUint32(i, r.u32());
}

export class Rand {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  u32(): number {
    this.#a = (this.#a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#a ^ (this.#a >>> 15), 1 | this.#a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
  next(): number {
    return this.u32() / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
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
  /** n bytes: drawn for small n, a copy of a slice of the pool past 64. */
  bytes(n: number): Uint8Array {
    if (n > 64 && POOL.length >= n) {
      const at = this.int(POOL.length - n + 1);
      return POOL.slice(at, at + n);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
  size(): number {
    const band = this.weighted<[number, number]>([
      [50, [0, 16]],
      [30, [0, 256]],
      [15, [256, 4096]],
      [5, [4096, 65_536]],
    ]);
    return this.range(band[0], band[1]);
  }
}

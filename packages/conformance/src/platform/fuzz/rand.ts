/**
 * The pass's randomness: mulberry32, seeded per input from (seed, input), so an input's
 * choices never depend on the order the connections took the inputs in. The platform's
 * parser fuzz script draws with it too (through @kaoqin/conformance/fuzz), with a byte
 * pool for its large inputs.
 */

export function mix(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * 1 MB of seeded random bytes for Rand.bytes to slice large draws from. For a caller that
 * runs a parser in process a million times (the platform's parser fuzz script), where
 * drawing each byte costs more than parsing it; the fuzz passes draw every byte.
 */
export function bytePool(seed: number): Uint8Array {
  const r = new Rand(mix(seed, -1));
  const pool = new Uint8Array(1 << 20);
  const v = new DataView(pool.buffer);
  for (let i = 0; i < pool.length; i += 4) v.setUint32(i, r.int(2 ** 32));
  return pool;
}

export class Rand {
  #a: number;
  readonly #pool: Uint8Array | undefined;
  /** With a pool (bytePool), bytes() of more than 64 are a copy of a slice of it. */
  constructor(seed: number, pool?: Uint8Array) {
    this.#a = seed >>> 0;
    this.#pool = pool;
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
    const pool = this.#pool;
    if (pool && n > 64 && pool.length >= n) {
      const at = this.int(pool.length - n + 1);
      return pool.slice(at, at + n);
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

/**
 * A log-bucketed histogram of milliseconds, in the manner of HdrHistogram: exact below
 * 128 ms, within 1/128 (0.8 %) above, up to 2^32 ms. Fixed memory and O(1) record, so a
 * soak of millions of acks costs nothing more than a 30-second run; the simulator keeps
 * one for the whole run and one per progress period.
 */

/** Sub-buckets per power of two: 2^7 gives 0.8 % resolution. */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const MAX_VALUE = 0xffff_ffff;
const BUCKETS = SUB + (32 - SUB_BITS) * SUB;

function indexOf(value: number): number {
  if (value < SUB) return value;
  const exp = 31 - Math.clz32(value);
  const shift = exp - SUB_BITS;
  return SUB + shift * SUB + ((value >>> shift) - SUB);
}

/** The largest value that lands in bucket `index`. */
function highestOf(index: number): number {
  if (index < SUB) return index;
  const shift = Math.floor((index - SUB) / SUB);
  const mantissa = ((index - SUB) % SUB) + SUB;
  return (mantissa + 1) * 2 ** shift - 1;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;
  #max = 0;
  #sum = 0;

  /** Records one value in ms (rounded; negatives, a clock a little behind, count as 0). */
  record(ms: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(ms)));
    this.#counts[indexOf(v)]! += 1;
    this.#total++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#total;
  }

  get max(): number {
    return this.#max;
  }

  get mean(): number {
    return this.#total === 0 ? 0 : this.#sum / this.#total;
  }

  /** The value at percentile p (0–100), never above the exact maximum; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.#total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(highestOf(i), this.#max);
    }
    return this.#max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#max = 0;
    this.#sum = 0;
  }
}

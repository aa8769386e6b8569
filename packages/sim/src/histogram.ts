/**
 * A log-bucketed histogram of non-negative whole numbers (milliseconds here; bench/gateway
 * records microseconds with the same class), in the manner of HdrHistogram: exact below
 * 128, within 1/128 (0.8 %) above, up to 2^32 (larger values are clamped). Fixed memory
 * (3,328 counters) and O(1) record, so a soak of millions of acks costs no more than a
 * 30-second run; histograms from several processes merge by adding counters.
 */

/** Sub-buckets per power of two: 2^7 gives 0.8 % resolution. */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const MAX_VALUE = 0xffff_ffff;
/** Linear region (values below SUB), then one block of SUB per power of two from 2^7 to 2^31. */
const BUCKETS = SUB + (32 - SUB_BITS) * SUB;

/** What crosses an IPC channel: only the non-empty counters, as [index, count] pairs. */
export interface HistogramData {
  counts: [number, number][];
  min: number;
  max: number;
  sum: number;
}

function indexOf(value: number): number {
  if (value < SUB) return value;
  const exp = 31 - Math.clz32(value); // floor(log2(value)), >= SUB_BITS
  const shift = exp - SUB_BITS;
  return SUB + shift * SUB + ((value >>> shift) - SUB);
}

/** The largest value that lands in bucket `index` (HdrHistogram's "highest equivalent value"). */
function highestOf(index: number): number {
  if (index < SUB) return index;
  const shift = Math.floor((index - SUB) / SUB);
  const mantissa = ((index - SUB) % SUB) + SUB;
  return (mantissa + 1) * 2 ** shift - 1;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;
  #sum = 0;

  /** Records one value (rounded; negatives, e.g. a clock a little behind, count as 0). */
  record(value: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)));
    this.#counts[indexOf(v)]! += 1;
    this.#total++;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#total;
  }

  get min(): number {
    return this.#total === 0 ? 0 : this.#min;
  }

  get max(): number {
    return this.#max;
  }

  get mean(): number {
    return this.#total === 0 ? 0 : this.#sum / this.#total;
  }

  /**
   * The value at percentile p (0–100): the highest value of the bucket holding the p-th
   * ranked sample, never above the exact maximum; undefined when empty.
   */
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

  add(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toData() : other;
    let n = 0;
    for (const [i, c] of data.counts) {
      if (i < 0 || i >= BUCKETS || !Number.isInteger(i)) throw new RangeError(`bad histogram index ${i}`);
      this.#counts[i]! += c;
      n += c;
    }
    if (n === 0) return;
    this.#total += n;
    this.#sum += data.sum;
    this.#min = Math.min(this.#min, data.min);
    this.#max = Math.max(this.#max, data.max);
  }

  toData(): HistogramData {
    const counts: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) counts.push([i, this.#counts[i]!]);
    return { counts, min: this.min, max: this.#max, sum: this.#sum };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = 0;
    this.#sum = 0;
  }
}

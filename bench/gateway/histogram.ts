/**
 * A log-bucketed latency histogram in the manner of HdrHistogram: values are whole
 * microseconds, exact below 128 µs and within 1/128 (0.8 %) above, up to 2^32 µs
 * (71 minutes; larger values are clamped). Fixed memory (3,328 counters), O(1) record,
 * and histograms from several processes merge by adding counters, so each load worker
 * records its own and the parent merges what they send over IPC.
 */

/** Sub-buckets per power of two: 2^7 gives 0.8 % resolution. */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const MAX_VALUE = 0xffff_ffff;
/** Linear region (values below SUB), then one block of SUB per power of two from 2^7 to 2^31. */
const BUCKETS = SUB + (32 - SUB_BITS) * SUB;

/** What crosses the IPC channel: only the non-empty counters, as [index, count] pairs. */
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

/** The largest value that lands in bucket index (HdrHistogram's "highest equivalent value"). */
function highestOf(index: number): number {
  if (index < SUB) return index;
  const shift = Math.floor((index - SUB) / SUB);
  const mantissa = ((index - SUB) % SUB) + SUB;
  return (mantissa + 1) * 2 ** shift - 1;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private minValue = Number.POSITIVE_INFINITY;
  private maxValue = 0;
  private sumValue = 0;

  /** Records one value in microseconds (fractions are rounded; negatives count as 0). */
  record(micros: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(micros)));
    this.counts[indexOf(v)]! += 1;
    this.total++;
    this.sumValue += v;
    if (v < this.minValue) this.minValue = v;
    if (v > this.maxValue) this.maxValue = v;
  }

  get count(): number {
    return this.total;
  }

  get min(): number {
    return this.total === 0 ? 0 : this.minValue;
  }

  get max(): number {
    return this.maxValue;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sumValue / this.total;
  }

  /**
   * The value at percentile p (0–100): the highest value of the bucket holding the
   * p-th ranked sample, never above the exact maximum. 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(highestOf(i), this.maxValue);
    }
    return this.maxValue;
  }

  add(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toData() : other;
    let n = 0;
    for (const [i, c] of data.counts) {
      if (i < 0 || i >= BUCKETS || !Number.isInteger(i)) throw new RangeError(`bad histogram index ${i}`);
      this.counts[i]! += c;
      n += c;
    }
    if (n === 0) return;
    this.total += n;
    this.sumValue += data.sum;
    this.minValue = Math.min(this.minValue, data.min);
    this.maxValue = Math.max(this.maxValue, data.max);
  }

  toData(): HistogramData {
    const counts: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) counts.push([i, this.counts[i]!]);
    return { counts, min: this.min, max: this.maxValue, sum: this.sumValue };
  }

  static fromData(data: HistogramData): Histogram {
    const h = new Histogram();
    h.add(data);
    return h;
  }
}

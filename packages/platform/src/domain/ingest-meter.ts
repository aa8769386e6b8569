/**
 * How many clock-ins ingest made durable over the last second: the device load that
 * background work yields to (a roster import, imports/pace.ts; the followers,
 * domain/background-budget.ts). Counted in ten
 * 100 ms buckets, read lazily from a clock (no timer), so an idle platform pays nothing.
 */
import { performance } from 'node:perf_hooks';

const BUCKET_MS = 100;
const BUCKETS = 10;

export class IngestMeter {
  readonly #now: () => number;
  readonly #counts = new Float64Array(BUCKETS);
  /** Index (time / BUCKET_MS) of the newest bucket written. */
  #head = 0;
  #total = 0;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** `n` records were made durable just now. */
  add(n = 1): void {
    this.#advance();
    this.#counts[this.#head % BUCKETS]! += n;
    this.#total += n;
  }

  /** Records made durable since this meter was made (the background budget's sign of ingest). */
  get total(): number {
    return this.#total;
  }

  /** Records made durable during the last second. */
  perSecond(): number {
    this.#advance();
    let sum = 0;
    for (const c of this.#counts) sum += c;
    return sum;
  }

  /** Empties the buckets that fell out of the window since the last call. */
  #advance(): void {
    const at = Math.floor(this.#now() / BUCKET_MS);
    const gone = Math.min(at - this.#head, BUCKETS);
    for (let i = 1; i <= gone; i++) this.#counts[(this.#head + i) % BUCKETS] = 0;
    if (at > this.#head) this.#head = at;
  }
}

/**
 * Latency histograms for the load workers: the simulator's log-bucketed histogram
 * (packages/sim/src/histogram.ts), recording whole microseconds. Each load worker
 * records its own and the parent merges what they send over IPC. Here an empty
 * histogram's percentiles read 0, which the report prints as such.
 */
import { Histogram as BaseHistogram, type HistogramData } from '../../packages/sim/src/histogram.js';

export type { HistogramData };

export class Histogram extends BaseHistogram {
  override percentile(p: number): number {
    return super.percentile(p) ?? 0;
  }

  static fromData(data: HistogramData): Histogram {
    const h = new Histogram();
    h.add(data);
    return h;
  }
}

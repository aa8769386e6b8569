import type { MorningPeakOptions } from './options.js';
import { maybeBind, withRun } from './run.js';
import type { SimSummary } from './summary.js';

/** W workers clock in once each, evenly over the window (stretched if a rate cap demands). */
export function morningPeak(opts: MorningPeakOptions): Promise<SimSummary> {
  const bind = opts.sites !== undefined && opts.platform !== undefined;
  return withRun(opts, { scenario: 'morning-peak', taskRunner: bind }, async (run) => {
    await maybeBind(run);
    const workers = run.fleet.opts.workers;
    const window = (opts.windowSeconds ?? 60) * 1000;
    const rate = Math.min(opts.rate ?? Number.POSITIVE_INFINITY, (workers * 1000) / window);
    const durationMs = (workers / rate) * 1000;
    run.progress.phase(
      `morning peak: ${workers} workers over ${(durationMs / 1000).toFixed(1)} s (${Math.round(rate)}/s)`,
    );
    run.loadStarted();
    await run.driver.run(rate, durationMs, workers);
    run.loadEnded();
    return {};
  });
}

import type { SoakOptions } from './options.js';
import { maybeBind, mib, withRun } from './run.js';
import type { SimSummary } from './summary.js';

/** Hours of steady clock-ins, with a summary line every minute (last minute's latency). */
export function soak(opts: SoakOptions): Promise<SimSummary> {
  const bind = opts.sites !== undefined && opts.platform !== undefined;
  return withRun(opts, { scenario: 'soak', taskRunner: bind }, async (run) => {
    await maybeBind(run);
    const rate = opts.rate ?? 100;
    const every = opts.summaryEveryMs ?? 60_000;
    const fleet = run.fleet;
    run.progress.phase(`soak: ${rate}/s for ${(opts.seconds / 3600).toFixed(2)} h`);
    fleet.periodLatency.reset();
    const timer = setInterval(() => {
      const p = fleet.periodLatency;
      const links = fleet.linkTotals();
      run.progress.note(
        `created ${fleet.created}, acked ${fleet.acked}, in queue ${fleet.queued()}, online ` +
          `${fleet.onlineCount()}/${fleet.devices.length}, reconnects ${links.reconnects}; last period ` +
          `${p.count} acks, latency p50 ${p.percentile(50) ?? '-'} ms p99 ${p.percentile(99) ?? '-'} ms` +
          `, RSS ${mib(process.memoryUsage().rss)} MiB`,
      );
      p.reset();
    }, every);
    run.loadStarted();
    try {
      await run.driver.run(rate, opts.seconds * 1000);
    } finally {
      clearInterval(timer);
      run.loadEnded();
    }
    return {};
  });
}

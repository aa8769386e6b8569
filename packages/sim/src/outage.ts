import { performance } from 'node:perf_hooks';
import type { OutageOptions } from './options.js';
import { SwitchableProxy } from './proxy.js';
import { maybeBind, sleep, withRun } from './run.js';
import type { SimSummary } from './summary.js';

/** Steady clock-ins while an in-process proxy cuts the link, then restores it; the backlog's drain is timed. */
export async function outage(opts: OutageOptions): Promise<SimSummary> {
  const proxy = new SwitchableProxy({ host: opts.endpoints.tcpHost, port: opts.endpoints.tcpPort });
  await proxy.switchOn();
  const bind = opts.sites !== undefined && opts.platform !== undefined;
  try {
    return await withRun(
      opts,
      {
        scenario: 'outage',
        taskRunner: bind,
        endpoints: { ...opts.endpoints, tcpHost: '127.0.0.1', tcpPort: proxy.port },
      },
      async (run) => {
        await maybeBind(run);
        const rate = opts.rate ?? 100;
        const outageMs = (opts.outageSeconds ?? 60) * 1000;
        const fleet = run.fleet;
        run.loadStarted();
        run.progress.phase(`clocking in at ${rate}/s`);
        await run.driver.run(rate, (opts.beforeSeconds ?? 5) * 1000);
        run.progress.phase(`link cut for ${outageMs / 1000} s, still clocking in at ${rate}/s`);
        const cutAt = performance.now();
        await proxy.switchOff();
        await run.driver.run(rate, outageMs - (performance.now() - cutAt));
        // Every record created before the restore must be known (seq) to time its drain.
        while (fleet.clockInsInFlight > 0) await sleep(1);
        const restoreSeq = fleet.devices.map((d) => d.lastSeq);
        const backlog = fleet.queued();
        await proxy.switchOn();
        const restoredAt = performance.now();
        const realOutageMs = restoredAt - cutAt;
        run.progress.phase(`link restored: backlog ${backlog} records`);
        let waiting = fleet.devices.filter((d) => {
          const s = d.oldestPendingSeq();
          return s !== undefined && s <= restoreSeq[d.index]!;
        });
        let drainMs: number | null = waiting.length === 0 ? 0 : null;
        let reconnectMs: number | null = null;
        const monitor = setInterval(() => {
          const now = performance.now();
          if (drainMs === null) {
            waiting = waiting.filter((d) => {
              const s = d.oldestPendingSeq();
              return s !== undefined && s <= restoreSeq[d.index]!;
            });
            if (waiting.length === 0) {
              drainMs = now - restoredAt;
              run.progress.note(`backlog drained in ${(drainMs / 1000).toFixed(1)} s`);
            }
          }
          if (reconnectMs === null && fleet.onlineCount() === fleet.devices.length)
            reconnectMs = now - restoredAt;
        }, 50);
        try {
          await run.driver.run(rate, (opts.afterSeconds ?? 5) * 1000);
          run.loadEnded();
          const deadline = performance.now() + (opts.drainSeconds ?? 120) * 1000;
          while ((drainMs === null || reconnectMs === null) && performance.now() < deadline) await sleep(50);
        } finally {
          clearInterval(monitor);
        }
        return { outage: { outageMs: realOutageMs, backlogAtRestore: backlog, drainMs, reconnectMs } };
      },
    );
  } finally {
    await proxy.close();
  }
}

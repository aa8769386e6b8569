import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DeviceEvents } from '@kaoqin/device';
import { idNumberCheckChar } from '@kaoqin/platform';
import { Arrivals } from './arrivals.js';
import type { SimDevice } from './fleet.js';
import { Histogram } from './histogram.js';
import type { EnrolBurstOptions } from './options.js';
import { PhotoFactory } from './photo.js';
import { retryBusy } from './platform.js';
import { sleep, withRun } from './run.js';
import { percentiles, type SimSummary } from './summary.js';

const PERSON_TASKS = new Set(['T_SEND_PERSON', 'T_UPDATE_DEVICE_PERSON']);

/**
 * Sites created and the devices bound to them, then persons enrolled on the platform
 * while the devices run (and clock in, at `rate`). Measures each task from the moment a
 * device heard its id to its report, and each person's time from enrolment until every
 * device of their site holds them in its person store.
 */
export function enrolBurst(opts: EnrolBurstOptions): Promise<SimSummary> {
  const platform = opts.platform;
  if (!platform) return Promise.reject(new Error('enrol-burst needs the platform data (to enrol persons)'));
  const heard = new Map<string, number>();
  const taskHist = new Histogram();
  /** Persons of each device's site enrolled and not yet seen in its store. */
  const arrivals = new Arrivals();
  const onTaskIds = (d: SimDevice, ids: string[]) => {
    const now = performance.now();
    for (const id of ids) if (!heard.has(`${d.index}:${id}`)) heard.set(`${d.index}:${id}`, now);
  };
  const onTaskDone = (d: SimDevice, e: DeviceEvents['taskDone']) => {
    const now = performance.now();
    const at = heard.get(`${d.index}:${e.taskid}`);
    if (at !== undefined) taskHist.record(now - at);
    if (PERSON_TASKS.has(e.apicode)) arrivals.see(d, now);
  };
  return withRun(opts, { scenario: 'enrol-burst', taskRunner: true, onTaskIds, onTaskDone }, async (run) => {
    const sites = Math.max(1, opts.sites ?? 1);
    const siteIds = await run.bindSites(sites, 60_000);
    const devicesOf = siteIds.map((_, k) => run.devices.filter((d) => d.index % sites === k));
    const count = opts.persons ?? 100;
    let enrolled = 0;
    const photos = await PhotoFactory.create({ targetBytes: 20 * 1024, side: 192 });
    const nonce = String(randomInt(1_000_000)).padStart(6, '0');
    const rate = opts.rate ?? 0;
    run.progress.phase(`enrolling ${count} persons on ${sites} site(s)`);
    run.loadStarted();
    const clocking = rate > 0 ? run.driver.run(rate, Number.POSITIVE_INFINITY) : Promise.resolve();
    try {
      for (let k = 0; k < count && !opts.signal?.aborted; k++) {
        const site = k % sites;
        const at = performance.now();
        const input = {
          siteId: siteIds[site]!,
          name: `模拟工人${k + 1}`,
          idNumber: burstIdNumber(nonce, k),
          photos: [photos.next()],
        };
        // Stored, then distributed: each step is safe to retry alone (retryBusy), the two together are not.
        const [person] = await retryBusy(() => platform.persons.addMany([input]));
        if (!person) throw new Error('the platform stored no person');
        await retryBusy(() => platform.persons.distribute(input.siteId, [person]));
        const devices = devicesOf[site]!;
        arrivals.expect(person.id, devices, at);
        enrolled++;
      }
      run.progress.phase(`${enrolled} persons enrolled; waiting for every device to hold them`);
      const deadline = performance.now() + (opts.seconds ?? 120) * 1000;
      let sweptAt = performance.now();
      while (arrivals.pairsLeft > 0 && performance.now() < deadline && !opts.signal?.aborted) {
        await sleep(100);
        // A person could reach a device in a task that ended before add() returned here (the
        // platform pushes 50 ms after a change): a rare case, so an occasional sweep suffices.
        if (performance.now() - sweptAt > 5000) {
          sweptAt = performance.now();
          for (const d of run.devices) arrivals.see(d, sweptAt);
        }
      }
      for (const d of run.devices) arrivals.see(d, performance.now());
    } finally {
      run.driver.stop();
      await clocking;
      run.loadEnded();
    }
    if (arrivals.pairsLeft > 0)
      run.notes.push(`${arrivals.pairsLeft} (person, device) pairs missing when the wait ended`);
    return {
      taskMs: percentiles(taskHist),
      persons: { enrolled, untilEveryDeviceMs: percentiles(arrivals.untilAll), missing: arrivals.pairsLeft },
    };
  });
}

const DAY_MS = 86_400_000;
const BIRTH_DAYS = 30_000; // from 1930-01-01: every birth date a real, past day
/**
 * A valid ID number (GB 11643: region 330106, a real birth date, check character)
 * unique within the run and, by the run's nonce, unlikely to meet an earlier run's.
 */
function burstIdNumber(nonce: string, k: number): string {
  const n = (Number(nonce) * 1009 + k) % (BIRTH_DAYS * 1000);
  const day = new Date(Date.UTC(1930, 0, 1) + Math.floor(n / 1000) * DAY_MS);
  const first17 = `330106${day.toISOString().slice(0, 10).replaceAll('-', '')}${String(n % 1000).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
}

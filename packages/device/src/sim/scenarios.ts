/**
 * The simulator's scenarios, as functions (the CLI's and the tests' entry): each starts
 * a fleet of simulated devices against a platform, applies its load, waits for every
 * queue to drain, stops the devices, verifies on the platform's store when it was given
 * one, and returns the summary.
 *
 * - morningPeak: W workers clock in once each over a window (optionally capped in rate,
 *   optionally with a photo each).
 * - outage: steady clock-ins while the link is cut by an in-process proxy, then restored;
 *   measures the backlog's drain time.
 * - enrolBurst: sites created, the devices bound to them, persons enrolled while the
 *   devices run; measures task completion and each person's time until every device of
 *   their site holds them.
 * - soak: hours of steady clock-ins, with a summary line every minute.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DeviceClientOptions } from '../client.js';
import type { DeviceLog } from '../events.js';
import type { DeviceEvents, Endpoints } from '../types.js';
import { Fleet, type FleetOptions, type SimDevice, type VendorCredentials } from './fleet.js';
import { Histogram } from './histogram.js';
import { PhotoFactory } from './photo.js';
import { retryBusy, type SimPlatformData, verifyRecords } from './platform.js';
import { Progress, type ProgressOptions } from './progress.js';
import { SwitchableProxy } from './proxy.js';
import { judge, percentiles, type SimSummary } from './summary.js';

export interface SimCommonOptions {
  /** The platform: its TCP gateway and HTTP base URL. */
  endpoints: Endpoints;
  credentials: VendorCredentials;
  /** The platform's data: verification (and enrol-burst's enrolments). Without it, acks are trusted. */
  platform?: SimPlatformData | undefined;
  /** 1 … 100,000. */
  devices: number;
  /** Bind the devices to this many new sites (round robin) first; enrol-burst default 1. Needs `platform`. */
  sites?: number | undefined;
  /** Default `SIM-`. */
  snPrefix?: string | undefined;
  /** Where durable queues and person stores go; default a temp dir, removed after. */
  dataDir?: string | undefined;
  /** SQLite queue files instead of in-memory queues. */
  durable?: boolean | undefined;
  /** Default 10 × devices. */
  workers?: number | undefined;
  /** A ~50 KB JPEG on every clock-in (a different one each time). */
  photo?: boolean | undefined;
  /** Default 20 s. */
  heartbeatMs?: number | undefined;
  /** Devices started per second. Default 1,000. */
  connectRate?: number | undefined;
  /** How long to wait for the queues to empty after the load. Default 120 s. */
  drainSeconds?: number | undefined;
  /** How long to wait for every device to come online before the load. Default 30 s + the ramp. */
  onlineTimeoutMs?: number | undefined;
  progress?: ProgressOptions | undefined;
  log?: DeviceLog | undefined;
  /** Passed to every DeviceClient (tests shorten the backoff). */
  client?: Partial<DeviceClientOptions> | undefined;
  /** Aborting ends the load early; the run still drains, verifies and summarizes (the CLI's Ctrl-C). */
  signal?: AbortSignal | undefined;
}

export interface MorningPeakOptions extends SimCommonOptions {
  /** Default 60 s. */
  windowSeconds?: number | undefined;
  /** Cap in clock-ins/s: the window stretches to workers / rate if that is longer. */
  rate?: number | undefined;
}

export interface OutageOptions extends SimCommonOptions {
  /** Clock-ins/s throughout. Default 100. */
  rate?: number | undefined;
  /** Default 60 s. */
  outageSeconds?: number | undefined;
  /** Clock-ins before the cut and after the restore. Default 5 s each. */
  beforeSeconds?: number | undefined;
  afterSeconds?: number | undefined;
}

export interface EnrolBurstOptions extends SimCommonOptions {
  /** Persons enrolled. Default 100. */
  persons?: number | undefined;
  /** Clock-ins/s while enrolling. Default 0. */
  rate?: number | undefined;
  /** How long to wait, after the last enrolment, for every person to reach every device. Default 120 s. */
  seconds?: number | undefined;
}

export interface SoakOptions extends SimCommonOptions {
  /** How long the load runs. */
  seconds: number;
  /** Clock-ins/s. Default 100. */
  rate?: number | undefined;
  /** Summary line interval. Default 60 s. */
  summaryEveryMs?: number | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const PERSON_TASKS = new Set(['T_SEND_PERSON', 'T_UPDATE_DEVICE_PERSON']);

/** Fires clock-ins at a steady rate, taking workers from a shuffled order (round robin). */
class Driver {
  readonly #fleet: Fleet;
  readonly #order: Uint32Array;
  #next = 0;
  fired = 0;
  #stop = false;
  /** For good (the run was interrupted): every later run() returns at once. */
  #halted = false;

  constructor(fleet: Fleet) {
    this.#fleet = fleet;
    const n = fleet.opts.workers;
    this.#order = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.#order[i] = i;
    // Shuffled so the load is spread over the devices, not device by device.
    for (let i = n - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      const t = this.#order[i]!;
      this.#order[i] = this.#order[j]!;
      this.#order[j] = t;
    }
  }

  /** Fires `rate` clock-ins a second for `durationMs` (or until `limit` are fired, or stop()). */
  async run(rate: number, durationMs: number, limit = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.#halted) return;
    if (rate <= 0) {
      await this.#idle(durationMs);
      return;
    }
    this.#stop = false;
    const t0 = performance.now();
    let fired = 0;
    while (!this.#stop && fired < limit) {
      const elapsed = performance.now() - t0;
      const due = Math.min(limit, Math.floor((rate * Math.min(elapsed, durationMs)) / 1000));
      // Late ticks (a busy loop) catch up at once: the workers did arrive on time.
      while (fired < due) {
        this.#fleet.clockIn(this.#order[this.#next++ % this.#order.length]!);
        fired++;
        this.fired++;
      }
      if (elapsed >= durationMs) break;
      await sleep(Math.min(5, durationMs - elapsed));
    }
  }

  async #idle(durationMs: number): Promise<void> {
    this.#stop = false;
    const end = performance.now() + durationMs;
    while (!this.#stop && performance.now() < end) await sleep(Math.min(100, end - performance.now()));
  }

  /** Ends the current run(). */
  stop(): void {
    this.#stop = true;
  }

  /** Ends the current run() and every later one. */
  halt(): void {
    this.#halted = true;
    this.#stop = true;
  }
}

interface RunSetup {
  scenario: string;
  taskRunner: boolean;
  /** Endpoints the devices use (the outage proxy's), when not the platform's. */
  endpoints?: Endpoints;
  onTaskIds?: FleetOptions['onTaskIds'];
  onTaskDone?: FleetOptions['onTaskDone'];
}

/** What every scenario shares: the fleet's life, measurements, drain, verification, summary. */
class Run {
  readonly opts: SimCommonOptions;
  readonly scenario: string;
  readonly progress: Progress;
  readonly notes: string[] = [];
  fleet!: Fleet;
  driver!: Driver;
  devicesOnline = 0;
  #baseDir = '';
  #ownsBaseDir = false;
  readonly #t0 = performance.now();
  readonly #cpu0 = process.cpuUsage();
  #peakRss = 0;
  #peakHeap = 0;
  #sampler: NodeJS.Timeout | undefined;
  #loadStart = 0;
  #loadEnd = 0;
  drained = false;
  /** Per device, the T_SEND_PERSON task its binding sent, until the device reports it. */
  readonly bindTasks = new Map<number, string>();

  constructor(opts: SimCommonOptions, scenario: string) {
    this.opts = opts;
    this.scenario = scenario;
    this.progress = new Progress(opts.progress);
  }

  get devices(): SimDevice[] {
    return this.fleet.devices;
  }

  async start(setup: RunSetup): Promise<void> {
    const o = this.opts;
    const needsDir = o.durable === true || setup.taskRunner;
    if (o.dataDir) this.#baseDir = o.dataDir;
    else if (needsDir) {
      this.#baseDir = await mkdtemp(join(tmpdir(), 'kaoqin-sim-'));
      this.#ownsBaseDir = true;
    } else this.#baseDir = join(tmpdir(), 'kaoqin-sim-unused'); // never written: queues in memory, no runner
    const photo = o.photo ? await PhotoFactory.create() : undefined;
    if (photo)
      this.progress.note(`clock-in photo: a ${Math.round(photo.bytes / 1024)} KB JPEG, varied per record`);
    this.fleet = new Fleet({
      devices: o.devices,
      workers: o.workers ?? o.devices * 10,
      snPrefix: o.snPrefix ?? 'SIM-',
      endpoints: setup.endpoints ?? o.endpoints,
      credentials: o.credentials,
      baseDir: this.#baseDir,
      durable: o.durable === true,
      taskRunner: setup.taskRunner,
      heartbeatMs: o.heartbeatMs ?? 20_000,
      connectRate: o.connectRate ?? 1000,
      photo,
      nonce: String(randomInt(100_000)),
      ...(o.log ? { log: o.log } : {}),
      ...(o.client ? { client: o.client } : {}),
      ...(setup.onTaskIds ? { onTaskIds: setup.onTaskIds } : {}),
      onTaskDone: (d, e) => {
        if (this.bindTasks.get(d.index) === e.taskid) this.bindTasks.delete(d.index);
        setup.onTaskDone?.(d, e);
      },
    });
    this.driver = new Driver(this.fleet);
    o.signal?.addEventListener(
      'abort',
      () => {
        this.driver.halt();
        this.notes.push('interrupted: the load was stopped early');
      },
      { once: true },
    );
    if (o.signal?.aborted) this.driver.halt();
    this.#sampler = setInterval(() => this.#sample(), 1000);
    this.#sampler.unref();
    this.progress.watch(() => this.fleet.totals());
    this.progress.phase(`starting ${o.devices} devices`);
    const connectRate = o.connectRate ?? 1000;
    await this.fleet.start();
    const timeout = o.onlineTimeoutMs ?? 30_000 + (o.devices / connectRate) * 1000;
    this.devicesOnline = await this.fleet.waitOnline(timeout);
    this.#sample();
    if (this.devicesOnline === 0) {
      throw new Error(
        `no device could connect to ${this.fleet.opts.endpoints.tcpHost}:${this.fleet.opts.endpoints.tcpPort} ` +
          'with these credentials within ' +
          `${Math.round(timeout / 1000)} s`,
      );
    }
    if (this.devicesOnline < o.devices) {
      this.notes.push(`${o.devices - this.devicesOnline} devices were not online when the load started`);
    }
    this.progress.note(
      `${this.devicesOnline}/${o.devices} devices online; simulator RSS ${mib(process.memoryUsage().rss)} MiB`,
    );
  }

  loadStarted(): void {
    this.#loadStart = performance.now();
  }

  loadEnded(): void {
    this.#loadEnd = performance.now();
  }

  /**
   * Binds every device to one of `sites` new sites (round robin) and waits until each has
   * carried out the full sync that binding sends (clear, then the site's roster).
   */
  async bindSites(sites: number, timeoutMs: number): Promise<string[]> {
    const sendTasks = this.bindTasks;
    const platform = this.opts.platform;
    if (!platform) throw new Error('binding devices to sites needs the platform data');
    const vendor = await platform.store.vendors.byAccessId(this.opts.credentials.accessId);
    if (!vendor)
      throw new Error(`the platform has no vendor with accessId ${this.opts.credentials.accessId}`);
    const stamp = new Date().toISOString();
    const siteIds: string[] = [];
    for (let k = 0; k < sites; k++) {
      siteIds.push((await retryBusy(() => platform.persons.createSite(`kaoqin-sim ${stamp} #${k + 1}`))).id);
    }
    this.progress.phase(`binding ${this.devices.length} devices to ${sites} site(s)`);
    for (const d of this.devices) {
      const row = await platform.store.devices.byVendorSn(vendor.id, d.sn);
      if (!row) {
        this.notes.push(`${d.sn} is not registered on the platform: not bound`);
        continue;
      }
      const siteId = siteIds[d.index % sites]!;
      const sent = await retryBusy(() => platform.persons.bindDevice(row.id, siteId));
      if (sent.taskId) sendTasks.set(d.index, sent.taskId);
    }
    const deadline = performance.now() + timeoutMs;
    while (sendTasks.size > 0 && performance.now() < deadline) await sleep(100);
    if (sendTasks.size > 0)
      this.notes.push(`${sendTasks.size} devices had not finished the binding's full sync`);
    return siteIds;
  }

  /** Waits for the queues to empty, reads the totals, stops the devices. */
  async finish(): Promise<{ reconnects: number; deadLetters: number }> {
    const drainMs = (this.opts.drainSeconds ?? 120) * 1000;
    this.progress.phase('draining the queues');
    this.drained = await this.fleet.drain(drainMs);
    if (!this.drained) {
      this.notes.push(
        `${this.fleet.queued()} records were still queued after ${drainMs / 1000} s of draining`,
      );
    }
    const totals = this.fleet.linkTotals();
    this.progress.phase('stopping the devices');
    await this.fleet.stop();
    return totals;
  }

  async summarize(
    links: { reconnects: number; deadLetters: number },
    extra: Partial<SimSummary> = {},
  ): Promise<SimSummary> {
    const f = this.fleet;
    let verified = false;
    let duplicated: number | null = null;
    let lost = f.created - f.acked;
    let unexpected: number | null = null;
    if (this.opts.platform) {
      this.progress.phase('verifying on the platform');
      let since = Number.POSITIVE_INFINITY;
      for (const d of this.devices) for (const t of d.recordTimes) if (t < since) since = t;
      if (Number.isFinite(since)) {
        const v = await verifyRecords(this.opts.platform, this.devices, (d, i) => f.keyOf(d, i), since);
        verified = true;
        duplicated = v.duplicated;
        lost = v.lost;
        unexpected = v.unexpected;
        if (v.lostSample.length > 0) this.notes.push(`lost records, e.g. ${v.lostSample.join(', ')}`);
        if (f.acked - v.present > 0)
          this.notes.push(`${f.acked - v.present} acked records are not on the platform`);
      } else {
        verified = true;
        duplicated = 0;
        lost = 0;
        unexpected = 0;
      }
    } else if (lost > 0) {
      this.notes.push('not verified on the platform: "lost" counts records the devices did not see acked');
    }
    if (f.refused > 0) {
      this.notes.push(
        `devices refused ${f.refused} clock-ins (${[...f.refusals].map(([k, n]) => `${k} ${n}`).join(', ')})`,
      );
    }
    this.#sample();
    const wallS = (performance.now() - this.#t0) / 1000;
    const cpu = process.cpuUsage(this.#cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const loadS = Math.max(0.001, ((this.#loadEnd || performance.now()) - this.#loadStart) / 1000);
    const base: Omit<SimSummary, 'ok'> = {
      scenario: this.scenario,
      devices: this.opts.devices,
      workers: f.opts.workers,
      devicesOnline: this.devicesOnline,
      durationSeconds: wallS,
      clockInRate: this.driver.fired / loadS,
      created: f.created,
      acked: f.acked,
      refused: f.refused,
      verified,
      duplicated,
      lost,
      unexpected,
      latencyMs: percentiles(f.latency),
      reconnects: links.reconnects,
      deadLetters: links.deadLetters,
      drained: this.drained,
      simulator: {
        cpuSeconds,
        cpuPercent: (cpuSeconds / wallS) * 100,
        peakRssMiB: mib(this.#peakRss),
        heapMiB: mib(this.#peakHeap),
      },
      notes: this.notes,
      ...extra,
    };
    return { ...base, ok: judge(base) };
  }

  /** Always: stop the devices and the sampler, remove the temp dir. */
  async close(): Promise<void> {
    if (this.#sampler) clearInterval(this.#sampler);
    this.progress.stop();
    await this.fleet?.stop().catch(() => undefined);
    if (this.#ownsBaseDir) await rm(this.#baseDir, { recursive: true, force: true });
  }

  #sample(): void {
    const m = process.memoryUsage();
    this.#peakRss = Math.max(this.#peakRss, m.rss);
    this.#peakHeap = Math.max(this.#peakHeap, m.heapUsed);
  }
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Binds to sites first when asked (and the platform is given), with the runners that needs. */
async function maybeBind(run: Run): Promise<void> {
  const sites = run.opts.sites;
  if (sites === undefined || !run.opts.platform) return;
  await run.bindSites(sites, 60_000);
}

async function withRun(
  opts: SimCommonOptions,
  setup: RunSetup,
  body: (run: Run) => Promise<Partial<SimSummary>>,
): Promise<SimSummary> {
  const run = new Run(opts, setup.scenario);
  try {
    await run.start(setup);
    const extra = await body(run);
    const links = await run.finish();
    return await run.summarize(links, extra);
  } finally {
    await run.close();
  }
}

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
  const untilAll = new Histogram();
  /** Per device: persons of its site enrolled and not yet seen in its store. */
  const waiting = new Map<number, Set<string>>();
  /** Per person: enrolment time, devices still without them. */
  const persons = new Map<string, { at: number; remaining: number }>();
  let pairsLeft = 0;
  const see = (d: SimDevice, now: number) => {
    const set = waiting.get(d.index);
    const store = d.runner?.persons;
    if (!set || !store) return;
    for (const pid of set) {
      if (!store.has(pid)) continue;
      set.delete(pid);
      pairsLeft--;
      const p = persons.get(pid);
      if (p && --p.remaining === 0) untilAll.record(now - p.at);
    }
  };
  const onTaskIds = (d: SimDevice, ids: string[]) => {
    const now = performance.now();
    for (const id of ids) if (!heard.has(`${d.index}:${id}`)) heard.set(`${d.index}:${id}`, now);
  };
  const onTaskDone = (d: SimDevice, e: DeviceEvents['taskDone']) => {
    const now = performance.now();
    const at = heard.get(`${d.index}:${e.taskid}`);
    if (at !== undefined) taskHist.record(now - at);
    if (PERSON_TASKS.has(e.apicode)) see(d, now);
  };
  return withRun(opts, { scenario: 'enrol-burst', taskRunner: true, onTaskIds, onTaskDone }, async (run) => {
    const sites = Math.max(1, opts.sites ?? 1);
    const siteIds = await run.bindSites(sites, 60_000);
    const devicesOf = siteIds.map((_, k) => run.devices.filter((d) => d.index % sites === k));
    for (const d of run.devices) waiting.set(d.index, new Set());
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
          idNumber: `33${nonce}${String(k).padStart(9, '0')}0`,
          photos: [photos.next()],
        };
        // Stored, then distributed: each step is safe to retry alone (retryBusy), the two together are not.
        const [person] = await retryBusy(() => platform.persons.addMany([input]));
        if (!person) throw new Error('the platform stored no person');
        await retryBusy(() => platform.persons.distribute(input.siteId, [person]));
        const devices = devicesOf[site]!;
        persons.set(person.id, { at, remaining: devices.length });
        pairsLeft += devices.length;
        for (const d of devices) waiting.get(d.index)!.add(person.id);
        if (devices.length === 0) untilAll.record(0);
        enrolled++;
      }
      run.progress.phase(`${enrolled} persons enrolled; waiting for every device to hold them`);
      const deadline = performance.now() + (opts.seconds ?? 120) * 1000;
      let sweptAt = performance.now();
      while (pairsLeft > 0 && performance.now() < deadline && !opts.signal?.aborted) {
        await sleep(100);
        // A person could reach a device in a task that ended before add() returned here (the
        // platform pushes 50 ms after a change): a rare case, so an occasional sweep suffices.
        if (performance.now() - sweptAt > 5000) {
          sweptAt = performance.now();
          for (const d of run.devices) see(d, sweptAt);
        }
      }
      for (const d of run.devices) see(d, performance.now());
    } finally {
      run.driver.stop();
      await clocking;
      run.loadEnded();
    }
    if (pairsLeft > 0) run.notes.push(`${pairsLeft} (person, device) pairs missing when the wait ended`);
    return {
      taskMs: percentiles(taskHist),
      persons: { enrolled, untilEveryDeviceMs: percentiles(untilAll), missing: pairsLeft },
    };
  });
}

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

/**
 * What every scenario shares: the Driver that fires clock-ins at a steady rate, and the
 * Run that owns the fleet's life, measurements, drain, verification and summary.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Endpoints } from '@kaoqin/device';
import { Fleet, type FleetOptions, type SimDevice } from './fleet.js';
import type { SimCommonOptions } from './options.js';
import { PhotoFactory } from './photo.js';
import { retryBusy, verifyRecords } from './platform.js';
import { Progress } from './progress.js';
import { judge, percentiles, type SimSummary } from './summary.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Fires clock-ins at a steady rate, taking workers from a shuffled order (round robin). */
export class Driver {
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

export interface RunSetup {
  scenario: string;
  taskRunner: boolean;
  /** Endpoints the devices use (the outage proxy's), when not the platform's. */
  endpoints?: Endpoints;
  onTaskIds?: FleetOptions['onTaskIds'];
  onTaskDone?: FleetOptions['onTaskDone'];
}

/** What every scenario shares: the fleet's life, measurements, drain, verification, summary. */
export class Run {
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

export const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Binds to sites first when asked (and the platform is given), with the runners that needs. */
export async function maybeBind(run: Run): Promise<void> {
  const sites = run.opts.sites;
  if (sites === undefined || !run.opts.platform) return;
  await run.bindSites(sites, 60_000);
}

export async function withRun(
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

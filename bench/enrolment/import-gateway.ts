/**
 * The device side of bench:enrolment:import: bench/gateway's load workers (separate
 * processes, raw TCP, pre-signed frames) holding N devices on the platform, and one
 * "round" of two phases: sign-ins at saturation (every device keeps `inflight`
 * outstanding: the most the gateway acknowledges per second) then sign-ins at a fixed
 * rate (the ack p99 at a load the gateway carries with room to spare). Each phase knows
 * its measured window in performance.now() time, so the harness can tell whether the
 * window lay wholly inside the import.
 */
import { Fleet, type PhaseOptions, type PhaseSummary } from '../gateway/fleet.js';
import type { Credentials } from '../gateway/messages.js';
import { progress } from '../lib/cli.js';
import { int } from '../lib/table.js';
import type { ImportSettings } from './import-settings.js';

/** The fleet starts a phase this long after it is asked (bench/gateway/fleet.ts START_LEAD_MS), and a little more. */
const LEAD_MS = 350;

export interface TimedPhase {
  summary: PhaseSummary;
  /** The measured window, performance.now() ms. */
  windowStart: number;
  windowEnd: number;
}

export interface Round {
  label: string;
  saturation: TimedPhase;
  fixed: TimedPhase;
}

export class Devices {
  private constructor(
    private readonly fleet: Fleet,
    private readonly s: ImportSettings,
    private readonly serverPid: number,
  ) {}

  static async open(
    s: ImportSettings,
    ep: { port: number; pid: number; credentials: Credentials },
  ): Promise<{ devices: Devices; held: number; connectMs: number }> {
    const fleet = Fleet.start(s.loadWorkers, 'lean');
    try {
      const c = await fleet.connect({
        host: '127.0.0.1',
        port: ep.port,
        devices: s.devices,
        credentials: ep.credentials,
        version: 'v1.0.0',
        ratePerWorker: 2000,
        maxOpeningPerWorker: 500,
        maxAttempts: 5,
        timeoutMs: 120_000,
        keepaliveMs: s.keepaliveSeconds * 1000,
        runNonce: String(Date.now() % 1_000_000),
        recordTimeBase: Date.now() - 86_400_000,
      });
      if (c.held === 0) throw new Error(`no device could connect: ${JSON.stringify(c.failures)}`);
      return { devices: new Devices(fleet, s, ep.pid), held: c.held, connectMs: c.elapsedMs };
    } catch (e) {
      await fleet.close();
      throw e;
    }
  }

  private async phase(label: string, name: string, rate: number, inflight: number): Promise<TimedPhase> {
    const o: PhaseOptions = {
      name,
      workload: 'sign-in',
      warmupMs: this.s.warmupSeconds * 1000,
      measureMs: this.s.seconds * 1000,
      drainMs: this.s.drainSeconds * 1000,
      connections: this.s.devices,
      inflight,
      rate,
    };
    progress(`${label}: ${name}${rate > 0 ? ` at ${int.format(rate)}/s` : ''}`);
    const t0 = performance.now();
    const summary = await this.fleet.run(o, this.serverPid);
    const windowStart = t0 + LEAD_MS + o.warmupMs;
    progress(
      `${label}: ${name}: ${int.format(summary.acksPerSecond)} acks/s, p99 ${(summary.latency.percentile(99) / 1000).toFixed(2)} ms`,
    );
    return { summary, windowStart, windowEnd: windowStart + o.measureMs };
  }

  /**
   * The warm-up, nothing kept: sign-ins at saturation for `seconds` (the table filled
   * before the rounds), then one fixed-rate phase at `latencyFraction` of that rate.
   * Answers that rate, the one every measured round then runs at. Without the fixed-rate
   * phase the first measured round's p99 was the run's highest in every prefilled run
   * (4 of 4, SQLite and PostgreSQL: docs/enrolment.md), which widened the no-import
   * spread the verdict allows for; 0 s: no warm-up, and the first round sets the rate.
   */
  async prefill(seconds: number): Promise<number | undefined> {
    if (seconds <= 0) return undefined;
    progress(`prefill: ${seconds} s of sign-ins at saturation, then a fixed-rate phase, not measured`);
    const base = {
      workload: 'sign-in' as const,
      drainMs: this.s.drainSeconds * 1000,
      connections: this.s.devices,
    };
    const sat = await this.fleet.run(
      {
        ...base,
        name: 'prefill',
        warmupMs: 0,
        measureMs: seconds * 1000,
        inflight: this.s.inflight,
        rate: 0,
      },
      this.serverPid,
    );
    const rate = Math.max(1, Math.round(sat.acksPerSecond * this.s.latencyFraction));
    await this.phase('prefill', 'fixed rate', rate, this.s.latencyInflight);
    return rate;
  }

  /** Saturation, then the fixed rate (given, or this fraction of the saturation phase's acks/s). */
  async round(label: string, fixedRate?: number): Promise<Round> {
    const saturation = await this.phase(label, 'saturation', 0, this.s.inflight);
    const rate = Math.max(
      1,
      Math.round(fixedRate ?? saturation.summary.acksPerSecond * this.s.latencyFraction),
    );
    const fixed = await this.phase(label, 'fixed rate', rate, this.s.latencyInflight);
    return { label, saturation, fixed };
  }

  /** Never throws. */
  close(): Promise<void> {
    return this.fleet.close();
  }
}

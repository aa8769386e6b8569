/**
 * The end-of-run summary: what the issue asks a simulator run to prove (records created,
 * acked, duplicated 0, lost 0, upload latency, task completion times, reconnects), as a
 * table or JSON, and the exit code it earns.
 */
import type { Histogram } from './histogram.js';

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function percentiles(h: Histogram): Percentiles {
  return {
    count: h.count,
    p50: h.percentile(50) ?? null,
    p95: h.percentile(95) ?? null,
    p99: h.percentile(99) ?? null,
    max: h.count > 0 ? h.max : null,
  };
}

export interface SimSummary {
  scenario: string;
  devices: number;
  workers: number;
  /** Devices online when the load started. */
  devicesOnline: number;
  /** From the first device started to the last one stopped, s. */
  durationSeconds: number;
  /** Clock-ins per second while the load ran. */
  clockInRate: number;
  created: number;
  acked: number;
  /** clockIn() refused by the devices (queue full): never created, the worker was told. */
  refused: number;
  /** Whether the platform's store was read back. */
  verified: boolean;
  /** Rows beyond the first per (sn, personId, recordTime, type); null when not verified. */
  duplicated: number | null;
  /** Verified: created − present on the platform. Otherwise: created − acked. */
  lost: number;
  /** Rows under the run's sns and time span that it did not create (verified only). */
  unexpected: number | null;
  /** Upload latency, recordTime → ack, ms. */
  latencyMs: Percentiles;
  reconnects: number;
  deadLetters: number;
  /** Whether every queue emptied before the drain timeout. */
  drained: boolean;
  /** enrol-burst: task id heard (push or heartbeat) → task done, per device and task, ms. */
  taskMs?: Percentiles;
  /** enrol-burst: persons enrolled, and each one's time until it was held by every device of its site, ms. */
  persons?: { enrolled: number; untilEveryDeviceMs: Percentiles; missing: number };
  /**
   * capture: enrolments the capture device sent, accepted (existing: found again by ID
   * number) and refused with the count per failed rule; unexpected: a spoiled one
   * accepted or a good one refused; each enrolment's round trip, ms.
   */
  capture?: {
    sent: number;
    accepted: number;
    refused: number;
    existing: number;
    unexpected: number;
    reasons: Record<string, number>;
    enrolMs: Percentiles;
  };
  /** outage: how long the link was cut, the backlog at restore, and its drain time. */
  outage?: {
    outageMs: number;
    backlogAtRestore: number;
    /** Restore → every record created before it acked; null if it never drained. */
    drainMs: number | null;
    /** Restore → every device online again. */
    reconnectMs: number | null;
  };
  simulator: { cpuPercent: number; cpuSeconds: number; peakRssMiB: number; heapMiB: number };
  notes: string[];
  ok: boolean;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ms = (v: number | null) => (v === null ? '-' : `${int.format(v)} ms`);
const pct = (p: Percentiles) =>
  p.count === 0 ? 'none' : `p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}  max ${ms(p.max)}`;

/** ok: nothing lost, nothing duplicated, nothing refused, every enrolled person on every device. */
export function judge(s: Omit<SimSummary, 'ok'>): boolean {
  return (
    (s.duplicated ?? 0) === 0 &&
    s.lost === 0 &&
    s.refused === 0 &&
    (s.persons?.missing ?? 0) === 0 &&
    (s.capture?.unexpected ?? 0) === 0
  );
}

export function formatSummary(s: SimSummary): string {
  const rows: [string, string][] = [
    ['scenario', s.scenario],
    ['devices (online at start)', `${int.format(s.devices)} (${int.format(s.devicesOnline)})`],
    ['workers', int.format(s.workers)],
    ['duration', `${s.durationSeconds.toFixed(1)} s`],
    ['clock-in rate', `${int.format(s.clockInRate)}/s`],
    ['records created', int.format(s.created)],
    ['records acked', int.format(s.acked)],
    ['duplicated', s.duplicated === null ? 'not verified' : int.format(s.duplicated)],
    ['lost', s.verified ? int.format(s.lost) : `${int.format(s.lost)} (created − acked; not verified)`],
  ];
  if (s.refused > 0) rows.push(['refused by devices', int.format(s.refused)]);
  if (s.unexpected) rows.push(['unexpected rows', int.format(s.unexpected)]);
  rows.push(['upload latency', pct(s.latencyMs)]);
  if (s.outage) {
    rows.push(
      [
        'outage',
        `${(s.outage.outageMs / 1000).toFixed(1)} s, backlog ${int.format(s.outage.backlogAtRestore)}`,
      ],
      ['drain time', s.outage.drainMs === null ? 'did not drain' : ms(Math.round(s.outage.drainMs))],
      ['all online again', s.outage.reconnectMs === null ? 'no' : ms(Math.round(s.outage.reconnectMs))],
    );
  }
  if (s.capture) {
    const reasons = Object.entries(s.capture.reasons)
      .map(([code, n]) => `${code} ${int.format(n)}`)
      .join(', ');
    rows.push(
      [
        'capture enrolments',
        `${int.format(s.capture.sent)} sent, ${int.format(s.capture.accepted)} accepted`,
      ],
      ['refused', `${int.format(s.capture.refused)}${reasons ? ` (${reasons})` : ''}`],
      ['not as planned', int.format(s.capture.unexpected)],
      ['enrolment round trip', pct(s.capture.enrolMs)],
    );
  }
  if (s.taskMs) rows.push(['task completion', pct(s.taskMs)]);
  if (s.persons) {
    rows.push(
      ['persons enrolled', int.format(s.persons.enrolled)],
      ['person on every device', pct(s.persons.untilEveryDeviceMs)],
      ['persons missing on devices', int.format(s.persons.missing)],
    );
  }
  rows.push(
    ['reconnects', int.format(s.reconnects)],
    ['dead letters', int.format(s.deadLetters)],
    [
      'simulator',
      `CPU ${s.simulator.cpuPercent.toFixed(0)} % of a core (${s.simulator.cpuSeconds.toFixed(1)} s), ` +
        `peak RSS ${int.format(s.simulator.peakRssMiB)} MiB, heap ${int.format(s.simulator.heapMiB)} MiB`,
    ],
    ['result', s.ok ? 'OK' : 'FAILED'],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/**
 * bench:enrolment:import's own logic, without running the bench: the files it uploads,
 * its settings, and how the report judges the gateway (a median round beyond the 10 %
 * budget is MISSED, a round the import did not cover is shown but not judged).
 */
import { idNumberOf } from '@kaoqin/testkit';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import type { PhaseSummary } from '../gateway/fleet.js';
import { Histogram } from '../gateway/histogram.js';
import { buildImportFiles } from './import-data.js';
import type { Round } from './import-gateway.js';
import { formatReport, type ImportReport } from './import-report.js';
import { readSettings } from './import-settings.js';

function phase(acksPerSecond: number, p99Us: number, rate = 0): PhaseSummary {
  const latency = new Histogram();
  for (let i = 0; i < 100; i++) latency.record(i < 98 ? p99Us / 2 : p99Us);
  return {
    name: rate ? 'fixed rate' : 'saturation',
    workload: 'sign-in',
    rate,
    connections: 10,
    inflight: 1,
    windowMs: 1000,
    sent: acksPerSecond,
    acks: acksPerSecond,
    acksPerSecond,
    errorsInWindow: 0,
    errors: {},
    unanswered: 0,
    delayed: 0,
    pushes: 0,
    latency,
    corrected: latency,
    loadgenCpu: 0,
    loopDelayP99Ms: 0,
    loopDelayMaxMs: 0,
    keepalivesPerSecond: 0,
    serverCpu: 50,
  };
}

function round(label: string, sat: number, p99Us: number): Round {
  return {
    label,
    saturation: { summary: phase(sat, 50_000), windowStart: 0, windowEnd: 1 },
    fixed: { summary: phase(250, p99Us, 250), windowStart: 1, windowEnd: 2 },
  };
}

function report(
  during: { sat: number; p99Us: number; inside: boolean }[],
  before: { sat: number; p99Us: number }[] = [
    { sat: 1000, p99Us: 10_000 },
    { sat: 1000, p99Us: 10_000 },
  ],
  after?: { sat: number; p99Us: number },
  flags: string[] = [],
): string {
  const settings = readSettings(['--photos', 'synthetic', '--face-detector', 'off', ...flags]);
  if (settings === 'help') throw new Error('unexpected help');
  const r: ImportReport = {
    settings,
    baseline: before.map((b, i) => round(`before ${i + 1}`, b.sat, b.p99Us)),
    during: during.map((d, i) => ({ ...round(`during ${i + 1}`, d.sat, d.p99Us), inside: d.inside })),
    ...(after ? { after: round('after', after.sat, after.p99Us) } : {}),
    errors: [],
    load: { start: 0, end: 0 },
  };
  return formatReport(r);
}

/** The cells of the row that starts with `start`, from the column `from` from the end on. */
const tail = (text: string, start: string, from = 5) =>
  (text.split('\n').find((l) => l.startsWith(start)) ?? '')
    .split('|')
    .map((c) => c.trim())
    .slice(-from);
const line = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';

describe('bench:enrolment:import report', () => {
  it('meets the budget when throughput and p99 stay within 10 %', () => {
    const text = report([{ sat: 950, p99Us: 10_800, inside: true }]);
    expect(tail(text, 'sign-ins/s at saturation', 6)).toEqual([
      '0.0 %',
      '0.0 %',
      '-5.0 %',
      '-5.0 %',
      '≥ -10 %',
      'met',
    ]);
    expect(tail(text, 'ack p99 at 250/s', 4)).toEqual([
      expect.stringMatching(/^\+8\.\d %$/),
      expect.stringMatching(/^\+8\.\d %$/),
      '≤ +10 %',
      'met',
    ]);
  });

  it('judges the median round inside the import, and misses when it is past the budget', () => {
    // Two rounds: their median is their mean, 920, 8 % under; the worst is 15 % under.
    const two = report([
      { sat: 990, p99Us: 10_000, inside: true },
      { sat: 850, p99Us: 10_000, inside: true },
    ]);
    expect(tail(two, 'sign-ins/s at saturation', 4)).toEqual(['-8.0 %', '-15.0 %', '≥ -10 %', 'met']);
    const three = report([
      { sat: 850, p99Us: 14_000, inside: true },
      { sat: 880, p99Us: 12_000, inside: true },
      { sat: 990, p99Us: 10_100, inside: true },
    ]);
    expect(tail(three, 'sign-ins/s at saturation', 4)).toEqual(['-12.0 %', '-15.0 %', '≥ -10 %', 'MISSED']);
    expect(tail(three, 'ack p99 at 250/s', 4)).toEqual([
      expect.stringMatching(/^\+20\.\d %$/),
      expect.stringMatching(/^\+40\.\d %$/),
      '≤ +10 %',
      'MISSED',
    ]);
  });

  it('calls a change within the no-import scatter unresolved, and one far past it missed', () => {
    const text = report(
      [{ sat: 850, p99Us: 10_000, inside: true }],
      [
        { sat: 1200, p99Us: 10_000 },
        { sat: 800, p99Us: 10_000 },
      ],
    );
    // Median 1,000; each round without an import lies 20 % from it: a 15 % drop is not resolved.
    expect(tail(text, 'sign-ins/s at saturation', 6)).toEqual([
      '40.0 %',
      '20.0 %',
      '-15.0 %',
      '-15.0 %',
      '≥ -10 %',
      'unresolved: within the no-import scatter',
    ]);
    const far = report(
      [{ sat: 500, p99Us: 10_000, inside: true }],
      [
        { sat: 1100, p99Us: 10_000 },
        { sat: 900, p99Us: 10_000 },
      ],
    );
    expect(tail(far, 'sign-ins/s at saturation', 3)).toEqual(['-50.0 %', '≥ -10 %', 'MISSED']);
  });

  it('is not moved by one wild round, with or without the import', () => {
    const text = report(
      [
        { sat: 960, p99Us: 10_300, inside: true },
        { sat: 600, p99Us: 50_000, inside: true },
        { sat: 970, p99Us: 10_400, inside: true },
      ],
      [
        { sat: 1000, p99Us: 10_000 },
        { sat: 500, p99Us: 52_000 },
        { sat: 1000, p99Us: 10_000 },
      ],
      { sat: 1000, p99Us: 10_000 },
    );
    // The spread sees the wild round without an import (50 %); the scatter and the median do not.
    expect(tail(text, 'sign-ins/s at saturation', 6)).toEqual([
      '57.1 %',
      '0.0 %',
      '-4.0 %',
      '-40.0 %',
      '≥ -10 %',
      'met',
    ]);
    expect(tail(text, 'ack p99 at 250/s', 4)).toEqual(['+4.0 %', '+400.0 %', '≤ +10 %', 'met']);
  });

  it('takes the round after the import into the baseline, which brackets the rounds during it', () => {
    const text = report([{ sat: 880, p99Us: 10_000, inside: true }], [{ sat: 1000, p99Us: 10_000 }], {
      sat: 900,
      p99Us: 10_000,
    });
    // The median of 1,000 and 900 is 950: 880 is 7.4 % under it (12 % under the round before alone).
    expect(tail(text, 'sign-ins/s at saturation', 4)).toEqual(['-7.4 %', '-7.4 %', '≥ -10 %', 'met']);
  });

  it('does not judge a round the import was over before', () => {
    const text = report([{ sat: 500, p99Us: 90_000, inside: false }]);
    expect(text).toContain('during 1 (import over)');
    expect(line(text, 'sign-ins/s at saturation')).toContain('no round inside the import');
    expect(line(text, 'sign-ins/s at saturation')).not.toContain('MISSED');
  });
});

describe('bench:enrolment:import --control (an A/A run)', () => {
  it('judges rounds without any import the same way, labelled as the control', () => {
    const text = report([{ sat: 850, p99Us: 10_100, inside: true }], undefined, undefined, ['--control']);
    expect(text).toContain('import: none (--control');
    expect(line(text, 'gateway')).toContain('control 1');
    expect(line(text, 'gateway')).not.toContain('during');
    // A false alarm of the verdict shows as one: that is what the control run measures.
    expect(tail(text, 'sign-ins/s at saturation', 3)).toEqual(['-15.0 %', '≥ -10 %', 'MISSED']);
  });
});

describe('bench:enrolment:import report, the import', () => {
  const view = (rows: number) => ({
    id: 'i',
    status: 'done',
    progress: { done: rows, total: rows },
    totals: { created: rows, updated: 0, unchanged: 0, failed: 0 },
  });
  const withRun = (idle?: { at: number; done: number }): string => {
    const settings = readSettings(['--photos', 'synthetic', '--face-detector', 'off']);
    if (settings === 'help') throw new Error('unexpected help');
    return formatReport({
      settings,
      baseline: [],
      during: [],
      ...(idle ? { idle } : {}),
      errors: [],
      load: { start: 0, end: 0 },
      run: {
        id: 'i',
        view: view(1000) as never,
        startedAt: 0,
        answeredAt: 1_000,
        endedAt: 201_000,
        firstStatus: 202,
        problems: {},
      },
    });
  };

  it('judges the rate over the whole import when no round ran during it', () => {
    // 1,000 rows in 201 s: 5,000 would take 1,005 s.
    expect(tail(withRun(), '5,000 persons at this rate', 3)).toEqual(['1,005 s', '≤ 600 s', 'MISSED']);
  });

  it('judges the rate once the devices idled when the import yielded to rounds', () => {
    // 100 rows while the rounds ran (161 s), then 900 rows in 40 s: 22.5/s, 5,000 in 222 s.
    const text = withRun({ at: 161_000, done: 100 });
    expect(line(text, 'rows while the rounds ran (yielding)')).toContain('100 in 160.0 s');
    expect(line(text, 'persons/s once the devices idled')).toContain('22.50 (900 rows in 40.0 s)');
    expect(tail(text, '5,000 persons at the idle rate', 3)).toEqual(['222 s', '≤ 600 s', 'met']);
  });
});

describe('bench:enrolment:import settings', () => {
  it('refuses photos with no face for a run with the detector on', () => {
    expect(() => readSettings(['--photos', 'synthetic'])).toThrow(/detector would refuse/);
  });

  it('defaults to 5,000 persons applied with real photos', () => {
    expect(readSettings([])).toMatchObject({
      persons: 5000,
      mode: 'apply',
      photos: 'real',
      faceDetector: 'human',
    });
  });
});

describe('bench:enrolment:import files', () => {
  it('has one roster row and one photo named by its ID number per person', async () => {
    const f = await buildImportFiles(3, 'synthetic');
    const csv = f.roster.subarray(3).toString('utf8').trim().split('\r\n');
    expect(f.roster.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv).toHaveLength(4);
    expect(csv[0]).toBe('姓名,身份证号,性别,手机号,班组,工种,进场日期');
    expect(csv[1]!.split(',')[1]).toBe(idNumberOf(0));
    const zip = await JSZip.loadAsync(f.photos);
    const names = Object.keys(zip.files).sort();
    expect(names).toEqual([0, 1, 2].map((n) => `photos/${idNumberOf(n)}.jpg`).sort());
    const first = await zip.file(`photos/${idNumberOf(0)}.jpg`)!.async('nodebuffer');
    expect(first.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('gives every person real face photo bytes of their own', async () => {
    const f = await buildImportFiles(9, 'real');
    const zip = await JSZip.loadAsync(f.photos);
    const bytes = await Promise.all(Object.values(zip.files).map((e) => e.async('nodebuffer')));
    expect(bytes).toHaveLength(9);
    expect(new Set(bytes.map((b) => b.toString('base64'))).size).toBe(9);
  });
});

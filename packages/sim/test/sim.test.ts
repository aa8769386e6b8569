/**
 * The simulator (kaoqin-sim) against a real platform, at tiny scale: each scenario runs
 * with verification on the platform's store (nothing lost, nothing duplicated), the
 * outage proxy cuts and restores the link, enrol-burst's persons reach every device, and
 * the command line parses its flags and exits 2 on bad usage.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseCommand } from '../src/cli.js';
import { Histogram } from '../src/histogram.js';
import { PhotoFactory } from '../src/photo.js';
import { type SimAttendanceRow, verifyRecords } from '../src/platform.js';
import { enrolBurst, morningPeak, outage, type SimCommonOptions, soak } from '../src/scenarios.js';
import { formatSummary, judge, type SimSummary } from '../src/summary.js';
import { type Harness, startHarness } from './helpers/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Options every scenario test shares: a fast backoff so a reconnect takes milliseconds, not seconds. */
function common(snPrefix: string, extra: Partial<SimCommonOptions> = {}): SimCommonOptions {
  return {
    endpoints: h.endpoints,
    credentials: h.tp.creds,
    platform: h.platform.data,
    devices: 5,
    snPrefix,
    progress: { mode: 'quiet' },
    drainSeconds: 20,
    client: { backoff: { baseMs: 20, maxMs: 200 }, queue: { retryBaseMs: 10, retryMaxMs: 100 } },
    ...extra,
  };
}

function expectClean(s: SimSummary): void {
  expect(s.verified).toBe(true);
  expect(s.lost).toBe(0);
  expect(s.duplicated).toBe(0);
  expect(s.refused).toBe(0);
  expect(s.acked).toBe(s.created);
  expect(s.drained).toBe(true);
  expect(s.ok).toBe(true);
}

describe('kaoqin-sim scenarios', () => {
  it('morning-peak: every worker clocks in once, each record on the platform exactly once', async () => {
    const s = await morningPeak({ ...common('SIMT-MP-'), workers: 40, windowSeconds: 1.5 });
    expectClean(s);
    expect(s.created).toBe(40);
    expect(s.devicesOnline).toBe(5);
    expect(s.latencyMs.count).toBe(40);
    expect(s.latencyMs.p99).not.toBeNull();
    expect(s.unexpected).toBe(0);
    const rows = await h.platform.data.store.attendance.list({ sn: 'SIMT-MP-00000', limit: 1000 });
    expect(rows).toHaveLength(8); // workers 0, 5, 10… use device 0
    expect(new Set(rows.map((r) => r.personId)).size).toBe(8);
    expect(rows.every((r) => /^\d{19}$/.test(r.personId))).toBe(true);
    // In-memory queues: the run wrote no files.
    expect(existsSync(join(tmpdir(), 'kaoqin-sim-unused'))).toBe(false);
  });

  it('morning-peak with photos: a different valid JPEG on every record', async () => {
    const s = await morningPeak({
      ...common('SIMT-PH-', { devices: 2 }),
      workers: 6,
      windowSeconds: 0.5,
      photo: true,
    });
    expectClean(s);
    const rows = [
      ...(await h.platform.data.store.attendance.list({ sn: 'SIMT-PH-00000' })),
      ...(await h.platform.data.store.attendance.list({ sn: 'SIMT-PH-00001' })),
    ];
    expect(rows).toHaveLength(6);
    const keys = rows.map((r) => r.photoKey);
    expect(keys.every((k) => k !== null)).toBe(true);
    expect(new Set(keys).size).toBe(6);
  });

  it('outage: clock-ins go on while the link is cut; the backlog drains, exactly once', async () => {
    const s = await outage({
      ...common('SIMT-OUT-'),
      rate: 50,
      outageSeconds: 2,
      beforeSeconds: 0.5,
      afterSeconds: 0.5,
    });
    expectClean(s);
    expect(s.outage).toBeDefined();
    expect(s.outage!.outageMs).toBeGreaterThanOrEqual(1900);
    expect(s.outage!.backlogAtRestore).toBeGreaterThanOrEqual(80); // ~100 records made while cut
    expect(s.outage!.drainMs).not.toBeNull();
    expect(s.outage!.reconnectMs).not.toBeNull();
    expect(s.reconnects).toBeGreaterThanOrEqual(5); // every device lost its link
    expect(s.created).toBeGreaterThanOrEqual(140);
  });

  it('enrol-burst: persons enrolled while devices run reach every device of their site', async () => {
    const s = await enrolBurst({
      ...common('SIMT-EB-', { devices: 4, sites: 2 }),
      persons: 6,
      rate: 10,
      seconds: 20,
    });
    expectClean(s);
    expect(s.persons).toMatchObject({ enrolled: 6, missing: 0 });
    expect(s.persons!.untilEveryDeviceMs.count).toBe(6);
    // At least the binding's clear and send, and one update, per device.
    expect(s.taskMs!.count).toBeGreaterThanOrEqual(12);
    const text = formatSummary(s);
    expect(text).toMatch(/persons missing on devices\s+0/);
    expect(text).toMatch(/task completion\s+p50/);
  });

  it('soak: steady clock-ins with a summary line per period', async () => {
    const lines: string[] = [];
    const s = await soak({
      ...common('SIMT-SOAK-', {
        devices: 3,
        progress: { mode: 'lines', stream: { write: (t) => lines.push(t) } },
      }),
      seconds: 1.6,
      rate: 25,
      summaryEveryMs: 500,
    });
    expectClean(s);
    expect(s.created).toBe(40);
    expect(lines.filter((l) => l.includes('last period')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('kaoqin-sim parts', () => {
  it('photo variants are valid JPEGs near 50 KB, each different, base64 matching the bytes', async () => {
    const f = await PhotoFactory.create();
    expect(f.bytes).toBeGreaterThan(40_000);
    expect(f.bytes).toBeLessThan(60_000);
    const a = f.next();
    const b64 = f.nextBase64();
    const b = Buffer.from(b64, 'base64');
    expect(a.length).toBe(f.bytes);
    expect(b.length).toBe(f.bytes);
    const sha = (x: Uint8Array) => createHash('sha256').update(x).digest('hex');
    expect(sha(a)).not.toBe(sha(b));
    for (const jpeg of [a, b]) {
      const meta = await sharp(jpeg).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 256, height: 256 });
      await sharp(jpeg).raw().toBuffer(); // decodes fully
    }
  });

  it('verification pages through the store and counts lost, duplicated and unexpected rows', async () => {
    // 10,050 rows for one sn (more than a page), 3 at the page boundary's recordTime.
    const rows: SimAttendanceRow[] = [];
    for (let i = 0; i < 10_050; i++) {
      const t = 1_000 + Math.min(i, 9_998) + Math.max(0, i - 10_000);
      rows.push({ id: `r${i}`, sn: 'S', personId: `p${i}`, recordTime: t, type: 1 });
    }
    rows.push({ ...rows[5]!, id: 'dup' }); // a second row of record 5
    rows.push({ id: 'extra', sn: 'S', personId: 'stranger', recordTime: 5_000, type: 1 });
    rows.sort((x, y) => x.recordTime - y.recordTime || (x.id < y.id ? -1 : 1));
    const data = {
      store: {
        attendance: {
          list: async (q: { sn?: string; since?: number; limit?: number }) =>
            rows.filter((r) => r.recordTime >= (q.since ?? 0)).slice(0, q.limit ?? 100),
        },
      },
    };
    const created = rows.filter((r) => r.id.startsWith('r') && r.id !== 'r7');
    created.push({ id: 'never', sn: 'S', personId: 'lost', recordTime: 1_001, type: 1 });
    const device = { sn: 'S', recordTimes: created.map((r) => r.recordTime) };
    const keyOf = (_d: typeof device, i: number) => {
      const r = created[i]!;
      return `${r.personId}|${r.recordTime}|${r.type}`;
    };
    const v = await verifyRecords(data, [device], keyOf, 0);
    expect(v).toMatchObject({ present: 10_049, duplicated: 1, lost: 1, unexpected: 2 }); // r7 and stranger
    expect(v.lostSample).toEqual(['S lost|1001|1']);
  });

  it('histogram percentiles are within 1 % and the exit rule needs nothing lost or duplicated', () => {
    const hist = new Histogram();
    for (let v = 1; v <= 1000; v++) hist.record(v);
    expect(Math.abs(hist.percentile(50)! - 500) / 500).toBeLessThan(0.01);
    expect(hist.percentile(10)).toBe(100); // exact below 128
    expect(Math.abs(hist.percentile(99)! - 990) / 990).toBeLessThan(0.01);
    expect(hist.max).toBe(1000);
    expect(new Histogram().percentile(50)).toBeUndefined();
    const base = { duplicated: 0, lost: 0, refused: 0 } as Omit<SimSummary, 'ok'>;
    expect(judge(base)).toBe(true);
    expect(judge({ ...base, lost: 1 })).toBe(false);
    expect(judge({ ...base, duplicated: 1 })).toBe(false);
    expect(judge({ ...base, duplicated: null })).toBe(true); // not verified: lost decides
    const none = { count: 0, p50: null, p95: null, p99: null, max: null };
    expect(judge({ ...base, persons: { enrolled: 1, missing: 1, untilEveryDeviceMs: none } })).toBe(false);
  });
});

describe('kaoqin-sim command line', () => {
  const env = {
    KAOQIN_SIM_ACCESS_ID: 'id',
    KAOQIN_SIM_ACCESS_KEY: 'key',
    KAOQIN_SIM_ACCESS_SECRET: 'secret',
  };

  async function run(argv: string[], e: NodeJS.ProcessEnv = env) {
    let out = '';
    let err = '';
    const code = await main(argv, {
      env: e,
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
    });
    return { code, out, err };
  }

  it.each([
    [[], /name a scenario/],
    [['dance'], /unknown scenario dance/],
    [['morning-peak', '--devices', '0'], /--devices must be an integer from 1 to 100,000/],
    [['morning-peak', '--devices', '100001'], /--devices/],
    [['morning-peak', '--devices', '2.5'], /--devices/],
    [['morning-peak', '--outage-seconds', '5'], /--outage-seconds does not apply to morning-peak/],
    [['morning-peak', '--bogus'], /Unknown option '--bogus'/],
    [['morning-peak', 'extra'], /unexpected argument extra/],
    [['outage', '--outage-seconds', '1', '--outage-minutes', '1'], /not both/],
    [['outage', '--rate=-3'], /--rate must be a positive number/],
    [['soak', '--hours', 'x'], /--hours must be a positive number/],
    [['soak', '--hours', '1', '--seconds', '5'], /not both/],
    [['morning-peak', '--tcp', 'localhost'], /--tcp must be HOST:PORT/],
    [['morning-peak', '--http', 'ftp://x'], /--http must be an http/],
    [['morning-peak', '--durable'], /--durable needs --data-dir/],
    [['enrol-burst'], /enrol-burst needs --platform-data-dir/],
    [['morning-peak', '--sites', '2'], /--sites needs --platform-data-dir/],
    [['morning-peak', '--sn-prefix', 'bad prefix'], /--sn-prefix/],
    [['morning-peak', '--vendor-json', '/nonexistent/vendor.json'], /--vendor-json/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('exits 2 without vendor credentials, and prints the usage on --help', async () => {
    const r = await run(['morning-peak'], {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/vendor credentials needed/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: kaoqin-sim <scenario>/);
  });

  it('reads flags, the vendor JSON and the environment (flags win)', async () => {
    const p = await parseCommand(
      [
        'outage',
        '--devices',
        '7',
        '--tcp',
        '[::1]:9200',
        '--http',
        'http://h:1/',
        '--outage-minutes',
        '0.5',
        '--access-id',
        'flag-id',
      ],
      env,
    );
    if (p === 'help') throw new Error('unexpected help');
    expect(p.common).toMatchObject({
      devices: 7,
      endpoints: { tcpHost: '::1', tcpPort: 9200, httpBaseUrl: 'http://h:1' },
      credentials: { accessId: 'flag-id', accessKey: 'key', accessSecret: 'secret' },
      snPrefix: 'SIM-',
      durable: false,
    });
    expect(p.values['outage-minutes']).toBe('0.5');
  });

  it('runs a scenario end to end and prints the summary as JSON, verified on the platform data dir', async () => {
    const r = await run(
      [
        'morning-peak',
        '--devices',
        '3',
        '--workers',
        '9',
        '--window-seconds',
        '0.5',
        '--sn-prefix',
        'SIMT-CLI-',
        '--tcp',
        `127.0.0.1:${h.endpoints.tcpPort}`,
        '--http',
        h.endpoints.httpBaseUrl,
        '--platform-data-dir',
        h.tp.dataDir,
        '--json',
        '--quiet',
      ],
      {
        KAOQIN_SIM_ACCESS_ID: h.tp.creds.accessId,
        KAOQIN_SIM_ACCESS_KEY: h.tp.creds.accessKey,
        KAOQIN_SIM_ACCESS_SECRET: h.tp.creds.accessSecret,
      },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as SimSummary;
    expect(s).toMatchObject({
      scenario: 'morning-peak',
      created: 9,
      acked: 9,
      lost: 0,
      duplicated: 0,
      verified: true,
    });
  });
});

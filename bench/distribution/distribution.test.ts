/**
 * The harness end to end at a tiny scale: a real platform child, 2 devices, 30 persons
 * in pages of 10, 3 single adds, then the baseline. Behaviour only: every device gets
 * every person exactly once with a photo whose hash checks, reports it done, and the
 * platform's records agree. No timing is asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePhoto, PHOTO_EDGE, sha256Hex } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { readSettings } from './config.js';
import {
  bindDevices,
  Fleet,
  type PlatformHandle,
  prepare,
  runBaseline,
  runSingles,
  runWave,
  startPlatformChild,
  stopChild,
  verify,
} from './harness.js';
import { Pool } from './pull.js';
import { formatReport, percentile } from './report.js';

const DEVICES = 2;
const PERSONS = 30;
const SINGLES = 3;
const PAGE = 10;
const TIMEOUT = 60_000;

describe('photos', () => {
  it('makes distinct JPEGs of at least 128 × 128', async () => {
    const a = await makePhoto(1);
    const b = await makePhoto(2);
    expect(a.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect(sha256Hex(a)).not.toBe(sha256Hex(b));
    expect(sha256Hex(await makePhoto(1))).toBe(sha256Hex(a));
    expect(PHOTO_EDGE).toBeGreaterThanOrEqual(128);
    await expect(makePhoto(-1)).rejects.toThrow(RangeError);
  });
});

describe('pool and percentiles', () => {
  it('keeps at most `limit` jobs running and waits for idle', async () => {
    const pool = new Pool(3);
    let running = 0;
    let most = 0;
    let ran = 0;
    for (let i = 0; i < 20; i++) {
      pool.add(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        ran++;
      });
    }
    await pool.idle();
    expect(ran).toBe(20);
    expect(most).toBe(3);
  });

  it('reads nearest-rank percentiles', () => {
    const v = Array.from({ length: 50 }, (_, i) => 50 - i);
    expect(percentile(v, 50)).toBe(25);
    expect(percentile(v, 99)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
  });

  it('reads settings from BENCH_* and flags', () => {
    const s = readSettings(['--devices', '3'], { BENCH_PERSONS: '1000', BENCH_SKIP: 'baseline' });
    expect(s).toMatchObject({
      devices: 3,
      persons: 1000,
      pageSize: 100,
      skipBaseline: true,
      skipSingles: false,
    });
    expect(() => readSettings([], { BENCH_PAGE_SIZE: '101' })).toThrow(RangeError);
  });
});

describe('distribution harness, tiny', () => {
  let dir: string | undefined;
  let platform: PlatformHandle | undefined;
  let fleet: Fleet | undefined;
  afterAll(async () => {
    fleet?.close();
    await stopChild(platform);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('distributes a wave and single adds to every device exactly once, and the platform agrees', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-bench-dist-test-'));
    platform = await startPlatformChild({
      dataDir: join(dir, 'data'),
      faceCapacity: 1000,
      prepConcurrency: 2,
    });
    fleet = await Fleet.open(platform, {
      devices: DEVICES,
      pageSize: PAGE,
      photoInflight: 4,
      heartbeatMs: 0,
      version: 'v1.0.0',
      httpClient: 'http',
    });
    await bindDevices(fleet, TIMEOUT);
    for (const d of fleet.devices) {
      expect(d.reported).toEqual({ 'T_CLEAR_DEVICE_PERSON:1': 1, 'T_SEND_PERSON:1': 1 });
      expect(d.held.size).toBe(0);
    }

    const prep = await prepare(fleet, PERSONS, SINGLES, TIMEOUT);
    expect(prep.personIds).toHaveLength(PERSONS);
    expect(new Set(prep.personIds).size).toBe(PERSONS);
    expect(prep.singles).toBe(SINGLES);

    const wave = await runWave(fleet, prep, TIMEOUT);
    expect(wave).toMatchObject({
      persons: PERSONS,
      devices: DEVICES,
      tasks: DEVICES,
      refused: 0,
      errors: {},
    });
    // One coalesced task per device, paged: 3 pages of 10, every photo once.
    expect(wave.pages).toBe(DEVICES * (PERSONS / PAGE));
    expect(wave.photos).toBe(DEVICES * PERSONS);
    expect(wave.deviceDoneMs).toHaveLength(DEVICES);
    for (const d of fleet.devices) {
      expect(d.reported['T_UPDATE_DEVICE_PERSON:1']).toBe(1);
      expect(d.held.size).toBe(PERSONS);
      expect(d.faces.size).toBe(PERSONS);
    }

    const singles = await runSingles(fleet, SINGLES, 50, TIMEOUT);
    expect(singles.samples).toHaveLength(SINGLES);
    expect(new Set(singles.samples.map((s) => s.personId)).size).toBe(SINGLES);
    for (const s of singles.samples) {
      expect(s).toMatchObject({ tasks: DEVICES, refused: 0 });
      expect(s.latencyMs).toBeGreaterThan(0);
      for (const d of fleet.devices) expect(d.doneAt.has(s.personId)).toBe(true);
    }

    const all = [...prep.personIds, ...singles.samples.map((s) => s.personId)];
    expect(await verify(fleet, all)).toEqual([]);
    for (const d of fleet.devices) {
      expect([...d.receipts.keys()].sort()).toEqual([...all].sort());
      expect([...d.receipts.values()].every((n) => n === 1)).toBe(true);
      expect(d.failures).toEqual([]);
    }
    // The check notices a device that misses someone.
    fleet.devices[0]!.held.delete(all[0]!);
    expect((await verify(fleet, all)).some((p) => p.includes('1 persons missing'))).toBe(true);
    fleet.devices[0]!.held.add(all[0]!);

    const baseline = await runBaseline({
      devices: DEVICES,
      persons: PERSONS,
      pageSize: PAGE,
      inflight: 4,
      version: 'v1.0.0',
      httpClient: 'http',
    });
    expect(baseline).toMatchObject({
      pages: DEVICES * (PERSONS / PAGE),
      photos: DEVICES * PERSONS,
      failedFaces: 0,
      errors: {},
    });
    expect(baseline.personsPerDevice).toEqual([PERSONS, PERSONS]);

    const text = formatReport({
      host: ['test'],
      settings: {
        ...(readSettings([], {}) as Exclude<ReturnType<typeof readSettings>, 'help'>),
        devices: DEVICES,
      },
      prepare: prep,
      wave,
      singles,
      baseline,
      problems: [],
      errors: [],
    });
    expect(text).toMatch(/^metric +\| +platform +\| +baseline +\| +ratio +\| +target +\| +verdict$/m);
    expect(text).toContain('check: every device got every person exactly once');
  }, 120_000);
});

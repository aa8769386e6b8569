/**
 * The harness at a tiny scale: settings, the generated data's shape, the cursor reading,
 * then a whole run on every store available (a few hundred rows, a few requests per
 * case): every case answers pages of the asked size, the baseline replays the SQL the
 * platform issued, the deep pages are deep, logins count, and a second run takes the
 * data set from the cache. No timing is asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DbName, readSettings, type Settings } from './config.js';
import { cursorFields, decodeKey } from './cursor.js';
import { attendanceBatches, plan } from './dataset.js';
import { dataSet, discardDataSet } from './generate.js';
import { failed, runDb } from './harness.js';
import { roleOf } from './lists.js';
import { checkChar, idNumber, sitesOf } from './persons-data.js';
import { formatReport } from './report.js';

const PG_URL = process.env.KAOQIN_TEST_DATABASE_URL;

describe('settings', () => {
  it('defaults to the issue sizes and reads flags and BENCH_* variables', () => {
    const s = readSettings([], {}) as Settings;
    expect(s.sizes).toEqual({ persons: 100_000, devices: 1000, attendance: 5_000_000, sites: 100, days: 90 });
    expect(s.dbs).toEqual(['sqlite']); // no PostgreSQL URL given
    const t = readSettings(['--devices', '40', '--db', 'both'], {
      BENCH_PG_URL: 'postgres://x/y',
      BENCH_SAMPLES: '9',
    });
    expect(t).toMatchObject({ dbs: ['sqlite', 'postgres'], samples: 9, sizes: { devices: 40, sites: 4 } });
    expect(() => readSettings(['--db', 'postgres'], {})).toThrow(/pg-url/);
    expect(() => readSettings(['--depth', '2'], {})).toThrow(RangeError);
  });
});

describe('generated data', () => {
  it('is deterministic, clock-ins rise in time, and each is by someone assigned to the device’s site', () => {
    const sizes = { persons: 50, devices: 6, attendance: 500, sites: 3, days: 2 };
    const p = plan(sizes, ['v1', 'v2'], 1_800_000_000_000);
    expect(plan(sizes, ['v1', 'v2'], 1_800_000_000_000)).toEqual(p);
    const rosters = p.siteIds.map((_, s) =>
      Array.from({ length: 50 }, (_, n) => `p${n}`).filter((_, n) => sitesOf(n, 3).active.includes(s)),
    );
    const rows = [...attendanceBatches(p, rosters, 64)].flat();
    expect(rows).toHaveLength(500);
    const siteOf = new Map(p.devices.map((d) => [d.id, p.siteIds.indexOf(d.siteId)]));
    let last = 0;
    let lastId = '';
    for (const r of rows) {
      const [id, device, , , site, person, time] = r as [
        string,
        string,
        string,
        string,
        string,
        string,
        number,
      ];
      expect(time).toBeGreaterThan(last);
      expect(id > lastId).toBe(true);
      expect(rosters[siteOf.get(device)!]).toContain(person);
      expect(site).toBe(p.siteIds[siteOf.get(device)!]);
      last = time;
      lastId = id;
    }
    expect(last).toBeLessThan(p.endMs);
  });

  it('makes valid, distinct ID numbers and puts some people on two sites', () => {
    const ids = Array.from({ length: 20_000 }, (_, n) => idNumber(n));
    expect(new Set(ids).size).toBe(ids.length);
    expect(checkChar('11010519491231002')).toBe('X'); // the standard's own example
    expect(ids[0]).toBe(`33010619700101000${checkChar('33010619700101000')}`);
    expect(sitesOf(10, 5).active).toHaveLength(2);
    expect(sitesOf(11, 5).active).toEqual([1]);
    expect(sitesOf(25, 5).ended).toHaveLength(1);
  });
});

describe('cursor reading', () => {
  it('maps a cursor’s members to item fields, ISO times to epoch ms', () => {
    const item = { id: '17000000000000001', recordTime: '2023-11-15T06:13:20.000+08:00', name: 'x' };
    const key = [Date.parse(item.recordTime), item.id];
    const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
    expect(decodeKey(cursor)).toEqual(key);
    expect(cursorFields(key, item)).toEqual([
      { field: 'recordTime', time: true, number: true },
      { field: 'id', time: false, number: false },
    ]);
    expect(cursorFields(['nope'], item)).toBeUndefined();
  });

  it('tells the list statements from the session lookup and the writes', () => {
    expect(roleOf('select * from "sessions" where "token_hash" = ?')).toBe('auth');
    expect(roleOf('select * from "accounts" where "id" = $1')).toBe('auth');
    expect(roleOf('select * from "attendance" where "site_id" = ?')).toBe('list');
    expect(roleOf('insert into "audit_log" (…) values (?)')).toBe('write');
  });
});

const STORES: DbName[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(STORES)('a whole run, tiny (%s)', (db) => {
  let cacheDir: string | undefined;
  afterAll(async () => {
    if (!cacheDir) return;
    const s = readSettings([], {}) as Settings;
    await discardDataSet(
      await dataSet({ db, sizes: tiny(s).sizes, cacheDir, pgUrl: PG_URL, fresh: false }),
      PG_URL,
    );
    await rm(cacheDir, { recursive: true, force: true });
  });
  const tiny = (s: Settings): Settings => ({
    ...s,
    sizes: { persons: 300, devices: 6, attendance: 3000, sites: 3, days: 10 },
    dbs: [db],
    pgUrl: PG_URL,
    samples: 4,
    warmup: 1,
    limit: 10,
    loginSeconds: 2,
    loginConcurrency: 2,
    cacheDir: cacheDir!,
  });

  it('measures every case against a baseline and counts logins; the second run uses the cache', async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'kaoqin-bench-api-test-'));
    const settings = tiny(readSettings([], {}) as Settings);
    const r = await runDb(settings, db);
    expect(r.errors).toEqual([]);
    expect(r.set?.cached).toBe(false);
    expect(r.filters?.counts).toMatchObject({ persons: 300, attendance: 3000 });
    for (const c of r.cases) {
      expect(c.error, c.id).toBeUndefined();
      expect(c.platform?.n, c.id).toBe(4);
      expect(c.baseline?.n, c.id).toBe(4);
      if (c.id === 'floor') continue;
      expect(
        c.statements?.some((q) => q.role === 'list'),
        c.id,
      ).toBe(true);
      expect(c.plans?.length, c.id).toBeGreaterThan(0);
      if (c.id !== 'attendance-person') expect(c.items, c.id).toBe(10);
      if (c.deep) expect(c.deep.depth, c.id).toBeGreaterThan(10);
    }
    expect(r.cases.find((c) => c.id === 'attendance-deep')?.deep?.how).toBe('built');
    expect(r.login?.platform.count).toBeGreaterThan(0);
    expect(r.login?.platform.errors).toEqual({});
    expect(r.login?.params).toMatchObject({ log2n: expect.any(Number), r: 8, p: 1 });
    expect(r.login?.baseline.count).toBeGreaterThan(0);

    const again = await runDb({ ...settings, skipLists: true, loginSeconds: 0.1 }, db);
    expect(again.set?.cached).toBe(true);
    expect(again.set?.key).toBe(r.set?.key);
    const text = formatReport({ host: ['test'], settings, dbs: [r] });
    expect(failed({ host: [], settings, dbs: [r] })).toBe(false);
    expect(text).toMatch(/^metric +\| +platform +\| +baseline +\| +ratio +\| +target +\| +verdict$/m);
    expect(text).toContain(`${db}: attendance, deep page`);
  }, 300_000);
});

/**
 * The statistics projector against a brute-force recomputation from the raw records, on
 * SQLite and PostgreSQL: randomised days (seeded) with midnight crossings, late backlog
 * uploads for old days arriving between live ones, in/out and 'both' devices, two sites;
 * the projector run in small steps interleaved with the inserts, stopped part way by a
 * failing step and by a restart of the store, and never double counting.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDay, cstDay, type Punch } from '../../../src/domain/stats/day.js';
import { StatsProjector } from '../../../src/domain/stats/projector.js';
import { siteDaySummary } from '../../../src/domain/stats/summary.js';
import type { AttendanceInput, DayRow, DeviceRow, Direction, Store } from '../../../src/store/index.js';
import { openStore } from '../../../src/store/index.js';
import { freshSchema, inSchema, PG_HOW, PG_URL } from '../../helpers/pg.js';
import { attendanceInput, insertDevice, insertVendor, personRow } from '../../helpers/store-rows.js';

/** mulberry32: the same records for the same seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIDNIGHT = Date.parse('2026-12-05T00:00:00+08:00');
const H = 3_600_000;

interface World {
  sites: string[];
  devices: DeviceRow[];
  persons: string[];
}

async function world(store: Store): Promise<World> {
  const now = Date.now();
  const { id: vendorId } = await insertVendor(store);
  const sites = [randomUUID(), randomUUID()];
  for (const [i, id] of sites.entries()) await store.sites.create({ id, name: `site ${i}`, createdAt: now });
  const devices: DeviceRow[] = [];
  const directions: Direction[] = ['in', 'out', 'both'];
  for (const siteId of sites)
    for (const direction of directions)
      devices.push(await insertDevice(store, vendorId, siteId, { direction }));
  const base = 4_508_004_291_000_000_000n + BigInt(randomBytes(3).readUIntBE(0, 3)) * 1000n;
  const persons = Array.from({ length: 24 }, (_, i) => String(base + BigInt(i)));
  for (const [i, id] of persons.entries()) await store.persons.insert(personRow(id, `工人${i}`));
  return { sites, devices, persons };
}

const FLAGS = [[], [], [], ['indirect'], ['outside_fence'], ['unknown_person']] as const;

/**
 * Records around two midnights (Dec 4 → 5 → 6, China time), in the order they arrive:
 * mostly live in time order, with a quarter held back and uploaded later in bursts
 * (backlog for days already projected).
 */
function records(w: World, seed: number, count: number): AttendanceInput[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const made: AttendanceInput[] = [];
  for (let i = 0; i < count; i++) {
    const d = pick(w.devices.filter((x) => r() < 0.9 || x.direction === 'both'));
    // Between Dec 4 12:00 and Dec 6 12:00, thick around both midnights.
    const around = pick([MIDNIGHT, MIDNIGHT + 24 * H]);
    const recordTime =
      r() < 0.5
        ? around + Math.round((r() - 0.5) * 2 * 60 * 60_000)
        : MIDNIGHT - 12 * H + Math.floor(r() * 48 * H);
    const flags = [...pick(FLAGS)];
    const realName = !flags.includes('indirect') && !flags.includes('unknown_person') && r() < 0.95;
    made.push(
      attendanceInput(d, {
        personId: pick(w.persons),
        recordTime,
        realName,
        flags: flags as AttendanceInput['flags'],
      }),
    );
  }
  const live = made.filter(() => r() >= 0.25).sort((a, b) => a.recordTime - b.recordTime);
  const backlog = made.filter((m) => !live.includes(m));
  // Backlog bursts land at random points of the live stream.
  const out = [...live];
  while (backlog.length > 0) {
    const burst = backlog.splice(0, 1 + Math.floor(r() * 40));
    out.splice(Math.floor(r() * (out.length + 1)), 0, ...burst);
  }
  return out;
}

/** Every day row the brute force expects, from every raw record (read back from the store). */
async function bruteForce(store: Store, w: World): Promise<Map<string, DayRow>> {
  const direction = new Map(w.devices.map((d) => [d.id, d.direction]));
  const rows = await store.attendance.list({ limit: 10_000 });
  const groups = new Map<string, { siteId: string; personId: string; day: string; punches: Punch[] }>();
  for (const r of rows) {
    if (r.siteId === null || !w.sites.includes(r.siteId)) continue; // another test's world
    const day = cstDay(r.recordTime);
    const key = `${r.siteId}|${r.personId}|${day}`;
    let g = groups.get(key);
    if (!g) {
      g = { siteId: r.siteId, personId: r.personId, day, punches: [] };
      groups.set(key, g);
    }
    g.punches.push({
      id: r.id,
      recordTime: r.recordTime,
      direction: direction.get(r.deviceId)!,
      realName: r.realName,
      flags: r.flags,
    });
  }
  const out = new Map<string, DayRow>();
  for (const [key, g] of groups)
    out.set(key, {
      siteId: g.siteId,
      personId: g.personId,
      day: g.day,
      ...computeDay(g.punches),
      updatedAt: 0,
    });
  return out;
}

async function projected(store: Store, w: World): Promise<Map<string, DayRow>> {
  const out = new Map<string, DayRow>();
  for (const siteId of w.sites)
    for (const day of ['2026-12-04', '2026-12-05', '2026-12-06'])
      for (const r of await store.stats.siteDayAll(siteId, day))
        out.set(`${r.siteId}|${r.personId}|${r.day}`, { ...r, updatedAt: 0 });
  return out;
}

function insertInBatches(store: Store, all: AttendanceInput[], r: () => number) {
  let at = 0;
  return {
    get done() {
      return at >= all.length;
    },
    async next(): Promise<void> {
      const size = 1 + Math.floor(r() * 60);
      await store.attendance.insertBatch(all.slice(at, at + size));
      at += size;
    },
  };
}

interface Backend {
  name: string;
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-stats-'));
  return {
    name: 'SQLite',
    open: () => openStore({ dataDir: join(dir, 'data') }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

async function pgBackend(url: string): Promise<Backend> {
  const s = await freshSchema(url);
  return {
    name: 'PostgreSQL',
    open: () =>
      openStore({
        dataDir: join(tmpdir(), `kaoqin-unused-${s.schema}`),
        databaseUrl: inSchema(url, s.schema),
      }),
    dispose: s.drop,
  };
}

function suite(name: string, make: () => Promise<Backend>): void {
  describe(`attendance statistics projector (${name})`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await make();
    });
    afterAll(async () => {
      await backend.dispose();
    });

    for (const seed of [1, 2026]) {
      it(`matches a brute-force recomputation: backlog uploads, midnight crossings, in/out pairs (seed ${seed})`, async () => {
        const store = await backend.open();
        try {
          await store.stats.project(1_000_000, 0, computeDay); // past earlier tests' rows
          const w = await world(store);
          const r = rng(seed * 7);
          const all = records(w, seed, 1500);
          const feed = insertInBatches(store, all, r);
          const projector = new StatsProjector(store, Date.now, { batch: 37 });
          while (!feed.done) {
            await feed.next();
            if (r() < 0.5) await store.stats.project(1 + Math.floor(r() * 80), Date.now(), computeDay);
          }
          await projector.catchUp();
          const want = await bruteForce(store, w);
          const got = await projected(store, w);
          expect(got.size).toBe(want.size);
          for (const [key, row] of want) expect(got.get(key), key).toEqual(row);
          // The month rows the sheet reads carry the same figures, day by day.
          const months = new Map<string, unknown>();
          for (const siteId of w.sites)
            for (const m of await store.stats.monthRows(siteId, '2026-12', undefined, 1000))
              for (const [day, d] of m.days) months.set(`${siteId}|${m.personId}|${day}`, d);
          expect(months.size).toBe(want.size);
          for (const [key, row] of want) {
            const { siteId: _s, personId: _p, day: _d, updatedAt: _u, ...figures } = row;
            expect(months.get(key), key).toEqual(figures);
          }
          // Crossing midnight: records of all three days, on both sites.
          expect(new Set([...want.values()].map((x) => x.day))).toEqual(
            new Set(['2026-12-04', '2026-12-05', '2026-12-06']),
          );
        } finally {
          await store.close();
        }
      });
    }

    it('resumes after a failed step and a restart without double counting', async () => {
      let store = await backend.open();
      let w: World;
      try {
        await store.stats.project(1_000_000, 0, computeDay);
        w = await world(store);
        const all = records(w, 99, 800);
        const r = rng(5);
        const feed = insertInBatches(store, all, r);
        while (!feed.done) await feed.next();
        // Part way: two good steps, then a step whose rule throws half way through its
        // person-days: the transaction (day rows and mark) is rolled back whole.
        await store.stats.project(100, Date.now(), computeDay);
        await store.stats.project(100, Date.now(), computeDay);
        const markBefore = await store.stats.mark();
        let calls = 0;
        await expect(
          store.stats.project(300, Date.now(), (p) => {
            if (++calls === 40) throw new Error('crash');
            return computeDay(p);
          }),
        ).rejects.toThrow('crash');
        expect(await store.stats.mark()).toBe(markBefore);
      } finally {
        await store.close();
      }
      store = await backend.open(); // the restart
      try {
        const projector = new StatsProjector(store, Date.now, { batch: 128 });
        const done = await projector.catchUp();
        expect(done.records).toBe(800 - 200);
        const want = await bruteForce(store, w);
        const got = await projected(store, w);
        expect(got.size).toBe(want.size);
        for (const [key, row] of want) expect(got.get(key), key).toEqual(row);
        const punches = [...got.values()].reduce((n, x) => n + x.punches, 0);
        expect(punches).toBe(800 - (await duplicates(store, w)));
        // Caught up: another run reads nothing.
        expect((await projector.catchUp()).records).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('headcount by company, team and trade counts workers with a real-name punch, by the assignment covering the day', async () => {
      const store = await backend.open();
      try {
        await store.stats.project(1_000_000, 0, computeDay);
        const w = await world(store);
        const site = w.sites[0]!;
        const both = w.devices.find((d) => d.siteId === site && d.direction === 'both')!;
        const groups = [
          ['甲公司', '钢筋班', '钢筋工'],
          ['甲公司', '木工班', '木工'],
          ['乙公司', '钢筋班', '钢筋工'],
        ] as const;
        const now = Date.now();
        for (const [i, id] of w.persons.slice(0, 6).entries()) {
          const [company, team, trade] = groups[i % 3]!;
          await store.assignments.insert({
            id: randomUUID(),
            personId: id,
            siteId: site,
            company,
            team,
            trade,
            joinedOn: '2026-11-01',
            leftOn: null,
            status: 'active',
            createdAt: now,
            updatedAt: now,
            endedAt: null,
          });
        }
        const at = (h: number) => Date.parse('2026-12-05T00:00:00+08:00') + h * H;
        const rec = (personId: string, h: number, over: Partial<AttendanceInput> = {}): AttendanceInput =>
          attendanceInput(both, { personId, recordTime: at(h), ...over });
        const p = w.persons;
        await store.attendance.insertBatch([
          rec(p[0]!, 8),
          rec(p[0]!, 17), // 甲 钢筋班 钢筋工
          rec(p[1]!, 8), // 甲 木工班 木工, single punch
          rec(p[2]!, 8),
          rec(p[2]!, 18), // 乙 钢筋班 钢筋工
          rec(p[3]!, 9),
          rec(p[3]!, 17), // 甲 钢筋班 钢筋工
          rec(p[4]!, 8, { realName: false, flags: ['indirect'] }), // indirect only: not counted
          rec(p[10]!, 8),
          rec(p[10]!, 12, { flags: ['outside_fence'] }), // no assignment
          rec(p[11]!, 7, { realName: false, flags: ['unknown_person'] }),
        ]);
        await new StatsProjector(store).catchUp();
        const s = await siteDaySummary(store, site, '2026-12-05');
        expect(s).toMatchObject({ headcount: 5, workers: 7, punches: 11 });
        expect(s.byCompany).toEqual([
          { name: '甲公司', headcount: 3 },
          { name: '乙公司', headcount: 1 },
          { name: null, headcount: 1 },
        ]);
        expect(s.byTeam).toEqual([
          { name: '钢筋班', headcount: 3 },
          { name: '木工班', headcount: 1 },
          { name: null, headcount: 1 },
        ]);
        expect(s.byTrade).toEqual([
          { name: '钢筋工', headcount: 3 },
          { name: '木工', headcount: 1 },
          { name: null, headcount: 1 },
        ]);
        expect(s.anomalies).toEqual({
          singlePunch: 3,
          outsideFence: 1,
          indirectOnly: 2,
          unknownPerson: 1,
          unpaired: 0,
        });
        // Another day of the site is empty.
        expect((await siteDaySummary(store, site, '2026-12-06')).headcount).toBe(0);
      } finally {
        await store.close();
      }
    });
  });
}

/** Records the batch insert kept as duplicates of another (same device, person, time, type). */
async function duplicates(store: Store, w: World): Promise<number> {
  const devices = new Set(w.devices.map((d) => d.id));
  const rows = (await store.attendance.list({ limit: 10_000 })).filter((r) => devices.has(r.deviceId));
  return 800 - rows.length;
}

suite('SQLite', sqliteBackend);
const pgUrl = PG_URL;
if (pgUrl) suite('PostgreSQL', () => pgBackend(pgUrl));
else describe.skip(`attendance statistics projector (PostgreSQL): ${PG_HOW}`, () => {});

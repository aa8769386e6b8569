/**
 * attendance.daily_summary publishing (domain/stats/daily-summaries.ts) over a real store
 * and projector, on SQLite and PostgreSQL: nothing before the day's end plus the delay,
 * then each site's summary of the day once, with its idempotency key; nothing computed
 * while no webhook wants summaries; a new process publishes the days it missed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DailySummaries, type SummaryOutlet } from '../../../src/domain/stats/daily-summaries.js';
import { StatsProjector } from '../../../src/domain/stats/projector.js';
import type { SiteDaySummary } from '../../../src/domain/stats/summary.js';
import type { AttendanceInput, DeviceRow, Store } from '../../../src/store/index.js';
import { openStore } from '../../../src/store/index.js';
import { freshSchema, inSchema, PG_HOW, PG_URL } from '../../helpers/pg.js';
import { attendanceInput, insertDevice, insertVendor } from '../../helpers/store-rows.js';

const H = 3_600_000;
const DEC5 = Date.parse('2026-12-05T00:00:00+08:00');

type Published = { siteId: string; id: string; data: SiteDaySummary & { siteName: string } };

function outlet(wanted: (siteId: string | null) => boolean): SummaryOutlet & { sent: Published[] } {
  const seen = new Set<string>();
  const sent: Published[] = [];
  return {
    sent,
    wants: (_type, siteId) => wanted(siteId),
    async publish(e) {
      // Like Webhooks.publish: the same id twice adds nothing.
      if (seen.has(e.id)) return 0;
      seen.add(e.id);
      sent.push(e as Published);
      return 1;
    },
  };
}

async function world(
  store: Store,
): Promise<{ sites: string[]; record: (site: number, person: string, at: number) => AttendanceInput }> {
  const now = Date.now();
  const { id: vendorId } = await insertVendor(store);
  const sites = [randomUUID(), randomUUID()];
  const devices: DeviceRow[] = [];
  for (const [i, id] of sites.entries()) {
    await store.sites.create({ id, name: `工地 ${i}`, createdAt: now });
    devices.push(await insertDevice(store, vendorId, id));
  }
  const record = (site: number, personId: string, at: number): AttendanceInput =>
    attendanceInput(devices[site]!, { personId, recordTime: at });
  return { sites, record };
}

interface Backend {
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

function suite(name: string, make: () => Promise<Backend>): void {
  describe(`daily summaries (${name})`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    async function setup() {
      const backend = await make();
      const store = await backend.open();
      cleanup = async () => {
        await store.close();
        await backend.dispose();
      };
      const w = await world(store);
      // Dec 5: site 0 has two workers (one twice), site 1 one; Dec 6: site 0 one.
      await store.attendance.insertBatch([
        w.record(0, '1000000000000000001', DEC5 + 8 * H),
        w.record(0, '1000000000000000001', DEC5 + 17 * H),
        w.record(0, '1000000000000000002', DEC5 + 9 * H),
        w.record(1, '1000000000000000003', DEC5 + 10 * H),
        w.record(0, '1000000000000000001', DEC5 + 24 * H + 8 * H),
      ]);
      const projector = new StatsProjector(store);
      return { store, w, catchUp: () => projector.catchUp() };
    }

    it("publishes each site's summary of a day once, only after the day's end and the delay", async () => {
      const { store, w, catchUp } = await setup();
      const out = outlet(() => true);
      const s = new DailySummaries(store, out, { delayMs: H, backfillDays: 0, catchUp });
      // Dec 6, 00:30 CST: Dec 5 ended, the hour's delay has not passed yet.
      expect(s.lastClosedDay(DEC5 + 24 * H + 30 * 60_000)).toBe('2026-12-04');
      await s.tick(DEC5 + 24 * H + 30 * 60_000);
      const before = out.sent.filter((p) => p.data.day === '2026-12-05');
      expect(before).toEqual([]);

      await s.tick(DEC5 + 25 * H + 1);
      const dec5 = out.sent.filter((p) => p.data.day === '2026-12-05');
      expect(dec5.map((p) => p.siteId).sort()).toEqual([...w.sites].sort());
      const site0 = dec5.find((p) => p.siteId === w.sites[0])!;
      expect(site0.id).toBe(`daily-summary:${w.sites[0]}:2026-12-05`);
      expect(site0.data).toMatchObject({
        siteId: w.sites[0],
        day: '2026-12-05',
        headcount: 2,
        punches: 3,
        siteName: '工地 0',
      });
      expect(dec5.find((p) => p.siteId === w.sites[1])!.data).toMatchObject({ headcount: 1, punches: 1 });

      // Ticking again that day publishes nothing more; the next day goes out a day later.
      const count = out.sent.length;
      await s.tick(DEC5 + 26 * H);
      expect(out.sent.length).toBe(count);
      await s.tick(DEC5 + 49 * H + 1);
      const dec6 = out.sent.filter((p) => p.data.day === '2026-12-06');
      expect(dec6.find((p) => p.siteId === w.sites[0])!.data).toMatchObject({ headcount: 1, punches: 1 });
    });

    it('computes nothing while no webhook wants summaries, and only for the sites wanted', async () => {
      const { store, w, catchUp } = await setup();
      let caughtUp = 0;
      const none = outlet(() => false);
      const quiet = new DailySummaries(store, none, {
        delayMs: H,
        catchUp: async () => {
          caughtUp++;
          await catchUp();
        },
      });
      expect(await quiet.tick(DEC5 + 26 * H)).toBe(0);
      expect(none.sent).toEqual([]);
      expect(caughtUp).toBe(0);

      const one = outlet((siteId) => siteId === null || siteId === w.sites[1]);
      await new DailySummaries(store, one, { delayMs: H, backfillDays: 0, catchUp }).tick(DEC5 + 26 * H);
      expect(one.sent.map((p) => p.siteId)).toEqual([w.sites[1]]);
    });

    it('a new process publishes the days it missed, up to backfillDays back', async () => {
      const { store, catchUp } = await setup();
      const out = outlet(() => true);
      // A process started on Dec 10 at 02:00 CST, nothing published before it.
      await new DailySummaries(store, out, { delayMs: H, backfillDays: 3, catchUp }).tick(
        DEC5 + 5 * 24 * H + 2 * H,
      );
      const days = [...new Set(out.sent.map((p) => p.data.day))].sort();
      // Dec 10, 02:00: Dec 9 is the last closed day; three days before it, Dec 6, the first.
      expect(days).toEqual(['2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09']);
      // Every site every day, an empty day too (a summary of nobody is still a fact for payroll).
      expect(out.sent.length).toBe(2 * 4);
      expect(out.sent.find((p) => p.data.day === '2026-12-08')!.data).toMatchObject({
        headcount: 0,
        punches: 0,
      });
    });
  });
}

suite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-summaries-'));
  return {
    open: () => openStore({ dataDir: join(dir, 'data') }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
const pgUrl = PG_URL;
if (pgUrl)
  suite('PostgreSQL', async () => {
    const s = await freshSchema(pgUrl);
    return {
      open: () =>
        openStore({
          dataDir: join(tmpdir(), `kaoqin-unused-${s.schema}`),
          databaseUrl: inSchema(pgUrl, s.schema),
        }),
      dispose: s.drop,
    };
  });
else describe.skip(`daily summaries (PostgreSQL): ${PG_HOW}`, () => {});

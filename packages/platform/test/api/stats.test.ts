/**
 * Daily statistics and the monthly sheet through the API, on SQLite and PostgreSQL: a
 * site's day (headcount by company/team/trade, anomalies), its workers page by page, a
 * person's days, scope (a site manager sees only their sites, 404 outside; vendors 403),
 * and the month as JSON, as XLSX (opened with exceljs and checked cell by cell, with its
 * frozen panes) and as CSV (parsed back, BOM included).
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatsProjector } from '../../src/domain/stats/projector.js';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, attendanceWorld } from '../helpers/attendance.js';

const H = 3_600_000;
const M = 60_000;
/** 2026-03-02 00:00 China time, a Monday. */
const D2 = Date.parse('2026-03-02T00:00:00+08:00');
const D3 = D2 + 24 * H;

for (const backend of BACKENDS) {
  describe(`statistics API (${backend.name})`, () => {
    let p: ApiPlatform;
    let w: AttendanceWorld;
    let person: (i: number) => string;

    beforeAll(async () => {
      p = await startApiPlatform({}, { pg: backend.pg });
      w = await attendanceWorld(p, 'ST');
      person = (i) => w.persons[i]!.id;
      const store = p.platform.data.store;
      await store.assignments.insert({
        id: `asg-${person(0)}`,
        personId: person(0),
        siteId: w.siteA,
        company: '甲建筑公司',
        team: '钢筋班',
        trade: '钢筋工',
        joinedOn: '2026-01-01',
        leftOn: null,
        status: 'active',
        createdAt: p.clock.now,
        updatedAt: p.clock.now,
        endedAt: null,
      });
      await w.insert([
        // person 0 on site A: Mar 2 08:00–17:30 (570 min), Mar 3 07:55–12:00 (245 min)
        w.record(w.devA1, { personId: person(0), recordTime: D2 + 8 * H }),
        w.record(w.devA2, { personId: person(0), recordTime: D2 + 17 * H + 30 * M }),
        w.record(w.devA1, { personId: person(0), recordTime: D3 + 7 * H + 55 * M }),
        w.record(w.devA1, { personId: person(0), recordTime: D3 + 12 * H }),
        // person 1 on site A: one punch on Mar 2 at 23:59, one on Mar 3 at 00:01 (two days)
        w.record(w.devA1, { personId: person(1), recordTime: D2 + 24 * H - M }),
        w.record(w.devA1, { personId: person(1), recordTime: D3 + M }),
        // person 2 on site B only
        w.record(w.devB1, { personId: person(2), recordTime: D2 + 9 * H }),
        w.record(w.devB1, { personId: person(2), recordTime: D2 + 10 * H }),
      ]);
      await new StatsProjector(store).catchUp();
    });

    afterAll(async () => {
      await p?.stop();
    });

    it('attendanceStats=false starts no projector', async () => {
      const off = await startApiPlatform({ 'attendance-stats': 'false' }, { pg: backend.pg });
      try {
        expect(off.platform.stats).toBeUndefined();
      } finally {
        await off.stop();
      }
    });

    it("GET /sites/{id}/days/{day}: headcount by company, team and trade, and the day's anomalies", async () => {
      const r = await p.api.call('GET', `/api/v1/sites/${w.siteA}/days/2026-03-02`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        siteId: w.siteA,
        day: '2026-03-02',
        headcount: 2,
        workers: 2,
        punches: 3,
        byCompany: [
          { name: '甲建筑公司', headcount: 1 },
          { name: null, headcount: 1 },
        ],
        byTeam: [
          { name: '钢筋班', headcount: 1 },
          { name: null, headcount: 1 },
        ],
        byTrade: [
          { name: '钢筋工', headcount: 1 },
          { name: null, headcount: 1 },
        ],
        anomalies: { singlePunch: 1, outsideFence: 0, indirectOnly: 0, unknownPerson: 0, unpaired: 0 },
      });
    });

    it('GET /sites/{id}/days/{day}/workers: a page at a time, names shown, times in China time', async () => {
      const first = await p.api.call('GET', `/api/v1/sites/${w.siteA}/days/2026-03-02/workers?limit=1`);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).not.toBeNull();
      const second = await p.api.call(
        'GET',
        `/api/v1/sites/${w.siteA}/days/2026-03-02/workers?limit=1&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.nextCursor).toBeNull();
      const items = [...first.body.items, ...second.body.items];
      const p0 = items.find((i) => i.personId === person(0));
      expect(p0).toMatchObject({
        name: w.persons[0]!.name,
        punches: 2,
        firstIn: '2026-03-02T08:00:00.000+08:00',
        lastOut: '2026-03-02T17:30:00.000+08:00',
        minutes: 570,
        hours: 9.5,
        anomalies: [],
      });
      const p1 = items.find((i) => i.personId === person(1));
      expect(p1).toMatchObject({ punches: 1, minutes: 0, lastOut: null, anomalies: ['single_punch'] });
      expect(JSON.stringify(items)).not.toMatch(/330106/); // no ID numbers
    });

    it("GET /persons/{id}/days: the person's days in the range; a night across midnight is two days", async () => {
      const r = await p.api.call('GET', `/api/v1/persons/${person(1)}/days?from=2026-03-01&to=2026-03-31`);
      expect(r.status).toBe(200);
      expect(r.body.items.map((i: { day: string; punches: number }) => [i.day, i.punches])).toEqual([
        ['2026-03-02', 1],
        ['2026-03-03', 1],
      ]);
      const bad = await p.api.call('GET', `/api/v1/persons/${person(1)}/days?from=2026-03-31&to=2026-03-01`);
      expect(bad.status).toBe(400);
    });

    it('scope: a site manager sees their site only (404 elsewhere), a vendor may not read statistics (403)', async () => {
      const { manager, vendor1 } = w.as;
      expect((await manager.call('GET', `/api/v1/sites/${w.siteA}/days/2026-03-02`)).status).toBe(200);
      expect((await manager.call('GET', `/api/v1/sites/${w.siteB}/days/2026-03-02`)).status).toBe(404);
      expect((await manager.call('GET', `/api/v1/sites/${w.siteB}/days/2026-03-02/workers`)).status).toBe(
        404,
      );
      expect((await manager.call('GET', `/api/v1/sites/${w.siteB}/sheets/2026-03`)).status).toBe(404);
      expect(
        (await manager.call('GET', `/api/v1/persons/${person(2)}/days?from=2026-03-01&to=2026-03-31`)).status,
      ).toBe(404);
      expect((await vendor1.call('GET', `/api/v1/sites/${w.siteA}/days/2026-03-02`)).status).toBe(403);
    });

    it('GET /sites/{id}/sheets/{month}: JSON pages by worker with per-day cells and totals', async () => {
      const r = await p.api.call('GET', `/api/v1/sites/${w.siteA}/sheets/2026-03?limit=1`);
      expect(r.status).toBe(200);
      expect(r.body.days).toHaveLength(31);
      expect(r.body.items).toHaveLength(1);
      const totals = r.body.dayTotals as { day: string; headcount: number; minutes: number }[];
      expect(totals.find((t) => t.day === '2026-03-02')).toEqual({
        day: '2026-03-02',
        headcount: 2,
        minutes: 570,
      });
      expect(totals.find((t) => t.day === '2026-03-03')).toEqual({
        day: '2026-03-03',
        headcount: 2,
        minutes: 245,
      });
      const all = [...r.body.items];
      let cursor = r.body.nextCursor as string | null;
      while (cursor) {
        const next = await p.api.call(
          'GET',
          `/api/v1/sites/${w.siteA}/sheets/2026-03?limit=1&cursor=${cursor}`,
        );
        expect(next.body.dayTotals).toBeUndefined();
        all.push(...next.body.items);
        cursor = next.body.nextCursor;
      }
      const p0 = all.find((x) => x.personId === person(0));
      expect(p0).toMatchObject({
        company: '甲建筑公司',
        team: '钢筋班',
        trade: '钢筋工',
        attendedDays: 2,
        totalMinutes: 815,
        totalHours: 13.58,
      });
      expect(p0.cells.map((c: { day: string; hours: number }) => [c.day, c.hours])).toEqual([
        ['2026-03-02', 9.5],
        ['2026-03-03', 4.08],
      ]);
      expect(all).toHaveLength(2);
      expect((await p.api.call('GET', `/api/v1/sites/${w.siteA}/sheets/2026-13`)).status).toBe(400);
    });

    it('the month as XLSX: title, bilingual header, frozen names and header, hours per cell, totals column and row', async () => {
      const res = await fetch(`${p.api.base}/api/v1/sites/${w.siteA}/sheets/2026-03.xlsx`, {
        headers: { authorization: `Bearer ${p.api.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('spreadsheetml');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: 2 });
      expect(String(ws.getCell(1, 1).value)).toBe('西湖区一号工地 考勤表 2026-03');
      const header = (ws.getRow(2).values as unknown[]).slice(1);
      expect(header.slice(0, 5)).toEqual([
        '人员ID\nPerson ID',
        '姓名\nName',
        '单位\nCompany',
        '班组\nTeam',
        '工种\nTrade',
      ]);
      expect(header[5]).toBe('03-01\n日');
      expect(header[6]).toBe('03-02\n一');
      expect(header.slice(-2)).toEqual(['出勤天数\nDays attended', '合计工时\nTotal hours']);
      expect(header).toHaveLength(5 + 31 + 2);
      // Rows by person id; each cell checked against what the records give.
      const rows = [3, 4].map((n) => (ws.getRow(n).values as unknown[]).slice(1));
      const want = new Map<string, unknown[]>([
        [person(0), [person(0), w.persons[0]!.name, '甲建筑公司', '钢筋班', '钢筋工']],
        [person(1), [person(1), w.persons[1]!.name, null, null, null]],
      ]);
      const dayCells: Record<string, Record<number, number>> = {
        [person(0)]: { 2: 9.5, 3: 4.08 },
        [person(1)]: { 2: 0, 3: 0 },
      };
      const totals: Record<string, [number, number]> = { [person(0)]: [2, 13.58], [person(1)]: [2, 0] };
      for (const row of rows) {
        const id = String(row[0]);
        for (let c = 0; c < 5; c++) expect(row[c] ?? null, `${id} col ${c}`).toEqual(want.get(id)![c]);
        for (let d = 1; d <= 31; d++)
          expect(row[4 + d] ?? null, `${id} day ${d}`).toEqual(dayCells[id]![d] ?? null);
        expect(row.slice(36)).toEqual(totals[id]);
      }
      const total = (ws.getRow(5).values as unknown[]).slice(1);
      expect(total[0]).toBe('合计 Total');
      expect(total[5 + 1]).toBe(9.5); // Mar 2: 570 min
      expect(total[5 + 2]).toBe(4.08); // Mar 3: 245 min
      expect(total.slice(36)).toEqual([4, 13.58]);
      expect(ws.rowCount).toBe(5);
    });

    it("the platform's projector follows ingest: a record through the writer shows in its day without a manual step", async () => {
      expect(p.platform.stats).toBeDefined();
      await p.platform.attendance.submit(
        w.record(w.devA1, { personId: person(3), recordTime: Date.parse('2026-04-10T08:00:00+08:00') }),
      );
      await p.platform.stats!.idle();
      const r = await p.api.call('GET', `/api/v1/sites/${w.siteA}/days/2026-04-10/workers`);
      expect(r.body.items.map((i: { personId: string }) => i.personId)).toEqual([person(3)]);
    });

    it('the month as CSV: UTF-8 with a BOM, English headers on request, totals row last', async () => {
      const res = await fetch(`${p.api.base}/api/v1/sites/${w.siteA}/sheets/2026-03.csv`, {
        headers: { authorization: `Bearer ${p.api.token}`, 'accept-language': 'en' },
      });
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows: string[][] = parse(bytes, { bom: true });
      expect(rows[0]!.slice(0, 2)).toEqual(['Person ID', 'Name']);
      expect(rows[0]![6]).toBe('03-02 Mon');
      expect(rows).toHaveLength(4);
      const p0 = rows.find((r) => r[0] === person(0))!;
      expect(p0.slice(1, 5)).toEqual([w.persons[0]!.name, '甲建筑公司', '钢筋班', '钢筋工']);
      expect(p0[6]).toBe('9.5');
      expect(p0[7]).toBe('4.08');
      expect(p0[5]).toBe('');
      expect(p0.slice(-2)).toEqual(['2', '13.58']);
      expect(rows[3]![0]).toBe('Total');
      expect(rows[3]!.slice(-2)).toEqual(['4', '13.58']);
    });
  });
}

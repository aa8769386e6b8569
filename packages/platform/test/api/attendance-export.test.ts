/**
 * GET /api/v1/attendance/export over real HTTP on every backend: the CSV (parsed with
 * csv-parse) and the XLSX (read back with exceljs) checked cell by cell against the
 * records inserted, headers in Chinese or English, the caller's scope, the audit entry.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceInput } from '../../src/store/index.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, attendanceWorld, fakeJpeg, T0 } from '../helpers/attendance.js';

const ZH = [
  '记录ID',
  '考勤时间',
  '人员ID',
  '姓名',
  '工地ID',
  '工地',
  '设备序列号',
  '考勤方式',
  '方式代码',
  '组合方式',
  '实名考勤',
  '标记',
  '体温',
  '纬度',
  '经度',
  '定位精度(米)',
  '距围栏(米)',
  '二维码信息',
  '接收时间',
  '上传延迟(毫秒)',
  '上传类别',
  '照片',
];
const EN_FIRST = [
  'Record ID',
  'Clock-in time',
  'Person ID',
  'Name',
  'Site ID',
  'Site',
  'Device SN',
  'Method',
];

const CST = 8 * 3600_000;
const isoCst = (ms: number): string => new Date(ms + CST).toISOString().replace('Z', '+08:00');

interface Stored extends AttendanceInput {
  id: string;
  photo: string;
}

describe.each(BACKENDS)('attendance export ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let w: AttendanceWorld;
  const stored: Stored[] = [];
  const unknown = '4508004291609636864';

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    w = await attendanceWorld(p, 'X');
    const key = await p.platform.blobs.put(fakeJpeg(), 'jpg');
    const records: AttendanceInput[] = [];
    for (let i = 0; i < 30; i++) {
      const qr = i % 3 === 0;
      records.push(
        w.record(i % 5 === 4 ? w.devB1 : i % 2 ? w.devA1 : w.devA2, {
          personId: i % 7 === 6 ? unknown : w.persons[i % 4]!.id,
          recordTime: T0 + i * 3_600_000 + 123,
          receivedAt: T0 + i * 3_600_000 + 2123,
          type: qr ? 16 : 1,
          bitType: qr ? 17 : null,
          qrCodeInfo: qr ? JSON.stringify({ type: 1, codeValue: `二维码-${i}` }) : null,
          temperature: i % 2 ? 36.5 + i / 10 : null,
          latitude: i % 2 ? 30.27415 : null,
          // the clock-in rules' columns (issue 12): judged on some, null (never judged) on others
          fenceDistanceM: qr ? (i % 2 ? 12.5 : 0) : null,
          uploadClass: i % 5 === 0 ? null : i % 5 === 1 ? 'backlog' : 'live',
          longitude: i % 2 ? 120.15507 : null,
          // a phone's GPS accuracy (kaoqin extension): on some records only
          coordinateAccuracyM: i % 2 && i % 3 === 2 ? 12.75 : null,
          realName: i % 4 !== 3,
          flags: i % 7 === 6 ? ['unknown_person'] : i % 4 === 3 ? ['not_real_name', 'photo_bad_format'] : [],
          photoKey: i % 3 === 1 ? key : null,
        }),
      );
    }
    const ids = await w.insert(records);
    records.forEach((r, i) => {
      stored.push({ ...r, id: ids[i]!, photo: r.photoKey ? '有' : '无' });
    });
    // one record whose photo expired: its sheet says so
    const expired = stored.find((s) => s.photoKey !== null)!;
    await p.platform.data.store.attendance.clearPhotos([expired.id], 'expired');
    expired.photoKey = null;
    expired.photo = '已过期删除';
  });
  afterAll(() => p.stop());

  const siteName = (id: string | null) =>
    id === w.siteA ? '西湖区一号工地' : id === w.siteB ? '滨江区二号工地' : '';
  const personName = (id: string) => w.persons.find((x) => x.id === id)?.name ?? '';
  /** The sheet's expected cells, as text (the CSV's view). */
  const expectedRow = (s: Stored): string[] => [
    s.id,
    isoCst(s.recordTime),
    s.personId,
    personName(s.personId),
    s.siteId ?? '',
    siteName(s.siteId),
    s.sn,
    s.type === 16 ? '二维码' : '人脸',
    String(s.type),
    s.bitType === 17 ? '人脸+二维码' : '',
    s.realName ? '是' : '否',
    s.flags.join(';'),
    s.temperature === null ? '' : String(s.temperature),
    s.latitude === null ? '' : String(s.latitude),
    s.longitude === null ? '' : String(s.longitude),
    s.coordinateAccuracyM == null ? '' : String(s.coordinateAccuracyM),
    s.fenceDistanceM == null ? '' : String(s.fenceDistanceM),
    s.qrCodeInfo ?? '',
    isoCst(s.receivedAt),
    '2000',
    s.uploadClass == null ? '' : s.uploadClass === 'backlog' ? '断网补传' : '实时',
    s.photo,
  ];
  const newestFirst = (pred: (s: Stored) => boolean) =>
    stored.filter(pred).sort((a, b) => b.recordTime - a.recordTime || (a.id < b.id ? 1 : -1));

  async function download(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${p.api.base}${path}`, {
      headers: { authorization: `Bearer ${p.api.token}`, ...headers },
    });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  it('exports CSV in UTF-8 with a BOM, Chinese headers, every cell as stored', async () => {
    const { res, bytes } = await download(`/api/v1/attendance/export?format=csv&siteId=${w.siteA}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="attendance-\d{8}-\d{6}\.csv"$/,
    );
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(bytes, { bom: true });
    expect(rows[0]).toEqual(ZH);
    const want = newestFirst((s) => s.siteId === w.siteA);
    expect(rows.length - 1).toBe(want.length);
    want.forEach((s, i) => {
      expect(rows[i + 1], `row ${i + 1}`).toEqual(expectedRow(s));
    });
  });

  it('exports XLSX that Excel reads: date cells in China time, numbers as numbers, every cell as stored', async () => {
    const { res, bytes } = await download(`/api/v1/attendance/export?format=xlsx`, {
      'accept-language': 'zh-CN,zh;q=0.9',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('考勤记录');
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(ZH);
    const want = newestFirst(() => true);
    expect(ws.rowCount - 1).toBe(want.length);
    want.forEach((s, i) => {
      const cells = (ws.getRow(i + 2).values as unknown[]).slice(1);
      const text = expectedRow(s);
      const asCell = (v: unknown): unknown => (v instanceof Date ? v.getTime() : v);
      const expected: unknown[] = text.map((t, c) => {
        if (c === 1) return s.recordTime + CST; // a date cell holding China wall-clock time
        if (c === 18) return s.receivedAt + CST;
        if (c === 8) return s.type;
        if (c === 19) return 2000;
        if (c === 12) return s.temperature ?? undefined;
        if (c === 13) return s.latitude ?? undefined;
        if (c === 14) return s.longitude ?? undefined;
        if (c === 15) return s.coordinateAccuracyM ?? undefined;
        if (c === 16) return s.fenceDistanceM ?? undefined;
        return t === '' ? undefined : t;
      });
      // values[] has holes for empty cells: compare cell by cell
      for (let c = 0; c < ZH.length; c++)
        expect(asCell(cells[c]), `row ${i + 2} col ${ZH[c]}`).toEqual(expected[c]);
    });
  });

  it('heads the columns in English when asked, and keeps to the caller’s scope', async () => {
    const en = await download('/api/v1/attendance/export?format=csv', { 'accept-language': 'en-US' });
    expect((parse(en.bytes, { bom: true }) as string[][])[0]!.slice(0, 8)).toEqual(EN_FIRST);
    const byParam = await download('/api/v1/attendance/export?format=csv&lang=en');
    expect((parse(byParam.bytes, { bom: true }) as string[][])[0]![0]).toBe('Record ID');

    const res = await fetch(`${p.api.base}/api/v1/attendance/export?format=csv`, {
      headers: { authorization: `Bearer ${w.as.manager.token}` },
    });
    const rows: string[][] = parse(Buffer.from(await res.arrayBuffer()), { bom: true });
    expect(rows.slice(1).map((r) => r[0])).toEqual(newestFirst((s) => s.siteId === w.siteA).map((s) => s.id));
    const none = await fetch(`${p.api.base}/api/v1/attendance/export?format=csv&siteId=${w.siteB}`, {
      headers: { authorization: `Bearer ${w.as.manager.token}` },
    });
    expect((parse(Buffer.from(await none.arrayBuffer()), { bom: true }) as string[][]).length).toBe(1);
  });

  it('writes each export to the audit log with its filter and row count', async () => {
    await download(`/api/v1/attendance/export?format=csv&siteId=${w.siteA}&flag=unknown_person`);
    const r = await p.api.call('GET', '/api/v1/audit?action=attendance.export&limit=1');
    const entry: Json = r.body.items[0];
    expect(entry).toMatchObject({ actor: 'admin', resource: 'attendance' });
    expect(entry.detail).toEqual({
      format: 'csv',
      filter: { siteId: w.siteA, flag: 'unknown_person' },
      rows: stored.filter((s) => s.siteId === w.siteA && s.flags.includes('unknown_person')).length,
      complete: true,
    });
  });
});

/**
 * coordinate.accuracy, kaoqin's extension of 2.3.2 (issue 14; docs/protocol.md 4.4), from a
 * phone's C_SIGN_IN through the HTTP bridge to the attendance API and its export, on every
 * backend: a sent accuracy comes back as `coordinateAccuracyM`, an absent one is null, and
 * an unusable one is dropped (null) without refusing the record (K16). The standard's own
 * members stay strict: an out-of-range longitude beside a good accuracy is 400_02.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { frameBuilder, postFrames } from './client.js';

const PERSON = '4508004291609636864';

describe.each(BACKENDS)('coordinate.accuracy through the bridge ($name)', ({ pg, name }) => {
  const sn = `KQM-ACC-${name === 'SQLite' ? 'S' : 'P'}`;
  let p: ApiPlatform;
  let phone: ReturnType<typeof frameBuilder>;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    const site = await p.api.call('POST', '/api/v1/sites', { body: { name: '定位精度工地' } });
    expect(site.status, site.text).toBe(201);
    const device = await p.api.call('POST', '/api/v1/devices', {
      body: { vendorId: p.creds.vendorId, sn, kind: 'mobile', siteId: site.body.id },
    });
    expect(device.status, device.text).toBe(201);
    phone = frameBuilder(sn, p.creds, () => p.clock.now);
    const auth = await postFrames(p.platform.httpPort, phone.authFrame());
    expect(auth.answers[0], JSON.stringify(auth.body)).toMatchObject({ success: true, apicode: 'C_AUTH' });
    phone.token = (auth.answers[0]!.response as { token: string }).token;
  });
  afterAll(() => p?.stop());

  /** One type-64 clock-in with this coordinate; the bridge's answer for it. */
  async function clockIn(coordinate: unknown) {
    const recordTime = p.clock.now - 1000;
    p.clock.advance(5000); // each clock-in its own moment
    const r = await postFrames(
      p.platform.httpPort,
      phone.requestFrame('C_SIGN_IN', {
        personId: PERSON,
        type: 64,
        recordTime: String(recordTime),
        coordinate,
      }),
    );
    expect(r.status).toBe(200);
    expect(r.answers).toHaveLength(1);
    return { recordTime, answer: r.answers[0]! };
  }

  /** The API's record of that clock-in, from the list and from GET /attendance/{id}. */
  async function recordOf(recordTime: number): Promise<Json> {
    const list = await p.api.call('GET', `/api/v1/attendance?deviceSn=${sn}&limit=100`);
    expect(list.status, list.text).toBe(200);
    const item = (list.body.items as Json[]).find((i) => Date.parse(i.recordTime) === recordTime);
    expect(item, JSON.stringify(list.body.items)).toBeDefined();
    const one = await p.api.call('GET', `/api/v1/attendance/${item.id}`);
    expect(one.status, one.text).toBe(200);
    expect(one.body.coordinateAccuracyM).toEqual(item.coordinateAccuracyM);
    return item;
  }

  const sent: { recordTime: number; accuracy: number | null }[] = [];

  it('a sent accuracy comes back in metres, as a number or from decimal text', async () => {
    for (const [accuracy, want] of [
      [14.375, 14.375],
      ['8.5', 8.5],
      [0, 0],
    ] as const) {
      const { recordTime, answer } = await clockIn({ longitude: 120.15507, latitude: 30.27415, accuracy });
      expect(answer).toMatchObject({ success: true, apicode: 'C_SIGN_IN' });
      const item = await recordOf(recordTime);
      expect(item).toMatchObject({ lat: 30.27415, lng: 120.15507, coordinateAccuracyM: want });
      sent.push({ recordTime, accuracy: want });
    }
  });

  it('no accuracy, or no coordinate at all: null', async () => {
    for (const coordinate of [{ longitude: 120.15507, latitude: 30.27415 }, undefined]) {
      const { recordTime, answer } = await clockIn(coordinate);
      expect(answer).toMatchObject({ success: true });
      const item = await recordOf(recordTime);
      expect(item.coordinateAccuracyM).toBeNull();
      sent.push({ recordTime, accuracy: null });
    }
  });

  it('an accuracy that is not a finite number ≥ 0 is dropped: the record is kept, accuracy null', async () => {
    for (const accuracy of [-3, 'high', '12m', null, { value: 5 }]) {
      const { recordTime, answer } = await clockIn({ longitude: 120.15507, latitude: 30.27415, accuracy });
      expect(answer, JSON.stringify(accuracy)).toMatchObject({ success: true, apicode: 'C_SIGN_IN' });
      const item = await recordOf(recordTime);
      expect(item).toMatchObject({ lat: 30.27415, lng: 120.15507, coordinateAccuracyM: null });
      sent.push({ recordTime, accuracy: null });
    }
  });

  it('an out-of-range longitude beside a good accuracy is refused 400_02 and stores nothing', async () => {
    const before = await p.platform.data.store.attendance.count({ sn });
    const { answer } = await clockIn({ longitude: 500, latitude: 30.27415, accuracy: 10 });
    expect(answer).toMatchObject({ success: false, error: { errorcode: '400_02' } });
    expect(await p.platform.data.store.attendance.count({ sn })).toBe(before);
  });

  it('the export has the accuracy beside longitude, empty when none', async () => {
    const res = await fetch(`${p.api.base}/api/v1/attendance/export?format=csv&deviceSn=${sn}&lang=en`, {
      headers: { authorization: `Bearer ${p.api.token}` },
    });
    expect(res.status).toBe(200);
    const rows: string[][] = parse(Buffer.from(await res.arrayBuffer()), { bom: true });
    const head = rows[0]!;
    const col = head.indexOf('Position accuracy (m)');
    expect(col).toBe(head.indexOf('Longitude') + 1);
    const timeCol = head.indexOf('Clock-in time');
    const got = rows.slice(1).map((r) => ({ t: Date.parse(r[timeCol]!), a: r[col] }));
    expect(got.sort((a, b) => a.t - b.t)).toEqual(
      sent.map((s) => ({ t: s.recordTime, a: s.accuracy === null ? '' : String(s.accuracy) })),
    );
  });
});

/**
 * The clock-in rules over the wire (issue 12, docs/attendance-rules.md), on every backend:
 * a site with a fence and a tolerance through the sites API, clock-ins of every kind
 * sent by a TCP device, a simulated outage (the device silent past D10's 60 s, records
 * made then and sent after it reconnects), and what the API shows: the records' flags,
 * upload class and fence distance, the flag counts per device, and the upload delay per
 * device and per site checked against the records themselves.
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { insertDevice } from '../helpers/store-rows.js';

const SN = 'RULES-1';
const CENTRE = { latitude: 30.27415, longitude: 120.15507 };
/** 0.01° north of the centre: 1111.95 m from it, 911.95 m outside a 200 m circle. */
const NORTH = { latitude: 30.28415, longitude: 120.15507 };

interface Sent {
  key: string;
  param: Record<string, unknown>;
  expect: {
    realName: boolean;
    flags: string[];
    uploadClass: string;
    fenceDistanceM?: number | null;
    temperature?: number | null;
  };
}

describe.each(BACKENDS)('clock-in rules over TCP ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteId: string;
  const sent: Sent[] = [];
  let from: number;

  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const connect = async () => {
    const d = await TestDevice.tcp(p.platform.tcpPort, SN, p.creds, () => p.clock.now);
    expect((await d.auth()).success).toBe(true);
    return d;
  };
  async function signIn(d: TestDevice, key: string, param: Record<string, unknown>, exp: Sent['expect']) {
    const a = await d.signIn({ personId: `P-${key}`, ...param });
    expect(a.success, JSON.stringify(a)).toBe(true);
    sent.push({ key, param, expect: exp });
  }

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    from = p.clock.now - 3_600_000;
    const r = await p.api.call('POST', '/api/v1/sites', {
      body: {
        name: '规则工地',
        geofence: {
          type: 'circle',
          center: { lat: CENTRE.latitude, lng: CENTRE.longitude },
          radiusMeters: 200,
        },
        fenceToleranceMeters: 10,
      },
    });
    expect(r.status, r.text).toBe(201);
    siteId = r.body.id;
    // Registered bound (as an operator does), so no bind task is pushed into the answers.
    await insertDevice(p.platform.data.store, p.creds.vendorId, siteId, { sn: SN, createdAt: p.clock.now });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('keeps a site’s fence tolerance, validated', async () => {
    const site = await p.api.call('GET', `/api/v1/sites/${siteId}`);
    expect(site.body.fenceToleranceMeters).toBe(10);
    for (const bad of [-1, 5001, 'ten'])
      expect(
        (await p.api.call('POST', '/api/v1/sites', { body: { name: 'x', fenceToleranceMeters: bad } }))
          .status,
      ).toBe(400);
    const plain = await p.api.call('POST', '/api/v1/sites', { body: { name: '无围栏工地' } });
    expect(plain.body.fenceToleranceMeters).toBe(0);
    const patched = await p.api.call('PATCH', `/api/v1/sites/${plain.body.id}`, {
      body: { fenceToleranceMeters: 25.5 },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.fenceToleranceMeters).toBe(25.5);
    expect((await p.api.call('GET', `/api/v1/sites/${plain.body.id}`)).body.fenceToleranceMeters).toBe(25.5);
    expect(
      (await p.api.call('PATCH', `/api/v1/sites/${plain.body.id}`, { body: { fenceToleranceMeters: null } }))
        .status,
    ).toBe(400);
  });

  it('judges each clock-in, keeps it (D9), and classifies live, late and backlog across an outage', async () => {
    const t0 = p.clock.now;
    let d = await connect(); // online since t0
    const live = (over: number) => t0 - over;
    await signIn(
      d,
      'face',
      { type: 1, recordTime: live(1000), temperature: 36.66 },
      {
        realName: true,
        flags: [],
        uploadClass: 'live',
        temperature: 36.7,
        fenceDistanceM: null,
      },
    );
    await signIn(
      d,
      'mobile-in',
      { type: 64, bitType: 65, recordTime: live(2000), coordinate: CENTRE },
      // A phone's own face bit is not believed (real-name.ts); only the platform's 1:1 of a photo counts.
      {
        realName: false,
        flags: ['face_unverified', 'not_real_name'],
        uploadClass: 'live',
        fenceDistanceM: 0,
      },
    );
    await signIn(
      d,
      'mobile-out',
      { type: 64, bitType: 65, recordTime: live(3000), coordinate: NORTH },
      {
        realName: false,
        flags: ['face_unverified', 'not_real_name', 'outside_fence'],
        uploadClass: 'live',
        fenceDistanceM: 911.95,
      },
    );
    await signIn(
      d,
      'mobile-bare',
      { type: 64, recordTime: live(4000) },
      {
        realName: false,
        flags: ['coordinate_missing', 'face_unverified', 'not_real_name'],
        uploadClass: 'live',
        fenceDistanceM: null,
      },
    );
    await signIn(
      d,
      'id-33',
      { type: 8, bitType: 33, recordTime: live(5000) },
      {
        realName: false,
        flags: ['bit_type_mismatch', 'indirect', 'not_real_name'],
        uploadClass: 'live',
      },
    );
    await signIn(
      d,
      'qr-bare',
      { type: 16, recordTime: live(6000), coordinate: CENTRE },
      {
        realName: false,
        flags: ['not_real_name', 'qr_missing'],
        uploadClass: 'live',
        fenceDistanceM: 0,
      },
    );
    await signIn(
      d,
      'health-red',
      { type: 4, recordTime: live(7000), qrCodeInfo: { type: '2', codeColor: 'red', codeValue: 'hc-1' } },
      { realName: false, flags: ['health_code_red', 'indirect', 'not_real_name'], uploadClass: 'live' },
    );
    await signIn(
      d,
      'fever',
      { type: 1, recordTime: live(8000), temperature: 37.5 },
      {
        realName: true,
        flags: ['fever'],
        uploadClass: 'live',
        temperature: 37.5,
      },
    );
    await signIn(
      d,
      'hot-sensor',
      { type: 1, recordTime: live(9000), temperature: 50.04 },
      {
        realName: true,
        flags: ['temperature_implausible'],
        uploadClass: 'live',
        temperature: 50.04,
      },
    );
    await signIn(
      d,
      'ahead',
      { type: 1, recordTime: t0 + 5000 },
      {
        realName: true,
        flags: ['clock_ahead'],
        uploadClass: 'live',
      },
    );

    // Online all along, but held back 20 s: late.
    p.clock.advance(40_000);
    expect((await d.heartbeat()).success).toBe(true);
    await signIn(
      d,
      'held',
      { type: 1, recordTime: t0 + 20_000 },
      {
        realName: true,
        flags: ['upload_late'],
        uploadClass: 'late',
      },
    );

    // The outage: the device goes silent, D10 marks it offline 60 s after its last request.
    const t1 = p.clock.now;
    d.close();
    p.clock.advance(61_000);
    p.platform.presence.sweep(p.clock.now);
    expect(
      p.platform.presence.isOnline(
        (await p.platform.data.store.devices.list({})).find((x) => x.sn === SN)!.id,
      ),
    ).toBe(false);
    p.clock.advance(59_000); // t1 + 120 s: it reconnects and sends what it kept
    d = await connect();
    await signIn(
      d,
      'kept-1',
      { type: 1, recordTime: t1 + 10_000 },
      {
        realName: true,
        flags: ['upload_backlog'],
        uploadClass: 'backlog',
      },
    );
    await signIn(
      d,
      'kept-2',
      { type: 64, bitType: 65, recordTime: t1 + 90_000, coordinate: CENTRE },
      {
        realName: false,
        flags: ['face_unverified', 'not_real_name', 'upload_backlog'],
        uploadClass: 'backlog',
        fenceDistanceM: 0,
      },
    );
    await signIn(
      d,
      'after',
      { type: 1, recordTime: p.clock.now - 500 },
      { realName: true, flags: [], uploadClass: 'live' },
    );
    d.close();

    const items = (await p.api.call('GET', `/api/v1/attendance?deviceSn=${SN}&limit=500`)).body
      .items as Json[];
    expect(items).toHaveLength(sent.length);
    for (const s of sent) {
      const item = items.find((i) => i.personId === `P-${s.key}`);
      expect(item, s.key).toBeDefined();
      // Every person here is unknown to the site: the roster's flag comes on top of the rules'.
      const { temperature, fenceDistanceM, ...rest } = s.expect;
      expect(
        { key: s.key, realName: item.realName, flags: [...item.flags].sort(), uploadClass: item.uploadClass },
        s.key,
      ).toEqual({ key: s.key, ...rest, flags: [...rest.flags, 'unknown_person'].sort() });
      if (temperature !== undefined) expect(item.temperature, s.key).toBe(temperature);
      if (fenceDistanceM !== undefined) expect(item.fenceDistanceM, s.key).toBe(fenceDistanceM);
    }
  });

  it('counts each flag per device over a period', async () => {
    const to = p.clock.now + 3_600_000;
    const r = await p.api.call('GET', `/api/v1/devices/${SN}/flags?from=${iso(from)}&to=${iso(to)}`);
    expect(r.status, r.text).toBe(200);
    const want: Record<string, number> = {};
    for (const s of sent) for (const f of [...s.expect.flags, 'unknown_person']) want[f] = (want[f] ?? 0) + 1;
    expect(r.body).toMatchObject({ deviceSn: SN, records: sent.length });
    expect(r.body.flags).toEqual(want);
    // a period before any record: nothing
    const empty = await p.api.call(
      'GET',
      `/api/v1/devices/${SN}/flags?from=${iso(from - 7_200_000)}&to=${iso(from)}`,
    );
    expect(empty.body).toMatchObject({ records: 0, flags: {} });
    expect(
      (await p.api.call('GET', `/api/v1/devices/${SN}/flags?from=${iso(to)}&to=${iso(from)}`)).status,
    ).toBe(400);
  });

  it('reports the upload delay against 10 s per device and per site, as the records say', async () => {
    const to = p.clock.now + 3_600_000;
    const items = (await p.api.call('GET', `/api/v1/attendance?deviceSn=${SN}&limit=500`)).body
      .items as Json[];
    const delays = items.map((i) => i.latencyMs as number).sort((a, b) => a - b);
    const rank = (q: number) => delays[Math.ceil(q * delays.length) - 1];
    const byClass = { live: 0, late: 0, backlog: 0, unjudged: 0 };
    for (const s of sent) byClass[s.expect.uploadClass as 'live']++;
    const want = {
      records: sent.length,
      byClass,
      withinLimit: delays.filter((x) => x <= 10_000).length,
      p50Ms: rank(0.5),
      p95Ms: rank(0.95),
      maxMs: delays[delays.length - 1],
      limitMs: 10_000,
    };
    const dev = await p.api.call('GET', `/api/v1/devices/${SN}/upload-delay?from=${iso(from)}&to=${iso(to)}`);
    expect(dev.status, dev.text).toBe(200);
    expect(dev.body).toMatchObject(want);
    const site = await p.api.call(
      'GET',
      `/api/v1/sites/${siteId}/upload-delay?from=${iso(from)}&to=${iso(to)}`,
    );
    expect(site.status, site.text).toBe(200);
    expect(site.body).toMatchObject({ siteId, ...want });
  });
});

describe('clock-in rules off (attendanceRules=false, the benchmark’s baseline)', () => {
  let p: ApiPlatform;
  beforeAll(async () => {
    p = await startApiPlatform({ 'attendance-rules': 'false' });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('keeps the old real-name test only, and judges nothing else', async () => {
    const d = await TestDevice.tcp(p.platform.tcpPort, 'RULES-OFF', p.creds, () => p.clock.now);
    expect((await d.auth()).success).toBe(true);
    expect(
      (
        await d.signIn({
          personId: 'P1',
          type: 8,
          bitType: 33,
          recordTime: p.clock.now - 60_000,
          temperature: 36.66,
        })
      ).success,
    ).toBe(true);
    d.close();
    const [item] = (await p.api.call('GET', '/api/v1/attendance?deviceSn=RULES-OFF')).body.items as Json[];
    expect(item).toMatchObject({
      realName: true,
      uploadClass: null,
      fenceDistanceM: null,
      temperature: 36.66,
    });
    expect([...item.flags].sort()).toEqual(['device_unassigned']);
  });
});

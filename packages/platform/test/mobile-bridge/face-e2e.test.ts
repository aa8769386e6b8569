/**
 * The mobile face check end to end (issue 14): a real platform with the real detector
 * (faceDetector 'human') and the clock-in rules on, a site with a circular fence through
 * the sites API, a worker enrolled there through the persons API with a real photo, a
 * phone registered as a `mobile` device bound to the site, and type-64 C_SIGN_IN frames
 * through the HTTP bridge (docs/protocol.md 12) with a real selfie as `img`. What the
 * unit tests of the judge cannot show: app.ts hands the gateway's context (so the
 * bridge) the verifier on the enrolment face pool, and the stored record says what it
 * found. Each clock-in runs the detector (0.3–0.6 s), so only the three cases that
 * decide realName are here: own face inside the fence, another face inside, own face
 * outside.
 */
import { idNumber, realFacePhoto } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENROLLED, GENUINE_SELFIE, IMPOSTOR_SELFIE } from '../domain/attendance-rules/face-photos.js';
import { type ApiPlatform, type Json, startApiPlatform } from '../helpers/api.js';
import { frameBuilder, postFrames } from './client.js';

const SN = 'KQM-E2E-1';
const CENTRE = { latitude: 30.27415, longitude: 120.15507 };
/** 0.01° north of the centre: 911.95 m outside the 200 m circle. */
const NORTH = { latitude: 30.28415, longitude: 120.15507 };
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('a mobile clock-in through the bridge, its selfie checked 1:1', { timeout: 120_000 }, () => {
  let p: ApiPlatform;
  let personId: string;
  let phone: ReturnType<typeof frameBuilder>;

  beforeAll(async () => {
    p = await startApiPlatform({ 'face-detector': 'human', 'attendance-rules': 'true' });
    const site = await p.api.call('POST', '/api/v1/sites', {
      body: {
        name: '手机考勤工地',
        geofence: {
          type: 'circle',
          center: { lat: CENTRE.latitude, lng: CENTRE.longitude },
          radiusMeters: 200,
        },
      },
    });
    expect(site.status, site.text).toBe(201);
    const siteId: string = site.body.id;

    const person = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '手机工人',
        idNumber: idNumber(),
        photos: [b64(await realFacePhoto(ENROLLED))],
        assignments: [{ siteId }],
      },
    });
    expect(person.status, person.text).toBe(201);
    personId = person.body.personId;

    const device = await p.api.call('POST', '/api/v1/devices', {
      body: { vendorId: p.creds.vendorId, sn: SN, kind: 'mobile', siteId },
    });
    expect(device.status, device.text).toBe(201);
    expect(device.body).toMatchObject({ siteId, kind: 'mobile' });

    phone = frameBuilder(SN, p.creds, () => p.clock.now);
    const auth = await postFrames(p.platform.httpPort, phone.authFrame());
    expect(auth.answers[0], JSON.stringify(auth.body)).toMatchObject({ success: true, apicode: 'C_AUTH' });
    phone.token = (auth.answers[0]!.response as { token: string }).token;
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  /** One type-64 clock-in through the bridge, answered success; then the record as the API shows it. */
  async function clockIn(selfie: Parameters<typeof realFacePhoto>[0], at: typeof CENTRE): Promise<Json> {
    const recordTime = p.clock.now - 1000;
    const frame = phone.requestFrame('C_SIGN_IN', {
      personId,
      type: 64,
      recordTime: String(recordTime),
      coordinate: { longitude: at.longitude, latitude: at.latitude },
      img: b64(await realFacePhoto(selfie)),
    });
    const r = await postFrames(p.platform.httpPort, frame);
    expect(r.status).toBe(200);
    expect(r.answers, JSON.stringify(r.body)).toEqual([
      expect.objectContaining({ success: true, apicode: 'C_SIGN_IN' }),
    ]);
    p.clock.advance(5000); // the next record is another moment, not the same clock-in
    const list = await p.api.call('GET', `/api/v1/attendance?deviceSn=${SN}&personId=${personId}&limit=50`);
    expect(list.status, list.text).toBe(200);
    const item = (list.body.items as Json[]).find((i) => Date.parse(i.recordTime) === recordTime);
    expect(item, JSON.stringify(list.body.items)).toBeDefined();
    return item;
  }

  it('the worker’s own face inside the fence: stored, real-name, no face flag', async () => {
    const item = await clockIn(GENUINE_SELFIE, CENTRE);
    expect(item).toMatchObject({ personId, type: 64, realName: true, fenceDistanceM: 0 });
    expect(item.flags).toEqual([]);
  });

  it('another person’s face inside the fence: stored, not real-name, face_mismatch', async () => {
    const item = await clockIn(IMPOSTOR_SELFIE, CENTRE);
    expect(item).toMatchObject({ personId, type: 64, realName: false, fenceDistanceM: 0 });
    expect([...item.flags].sort()).toEqual(['face_mismatch', 'not_real_name']);
  });

  it('the worker’s own face outside the fence: stored, not real-name, outside_fence', async () => {
    const item = await clockIn(GENUINE_SELFIE, NORTH);
    expect(item).toMatchObject({ personId, type: 64, realName: false, fenceDistanceM: 911.95 });
    // The face matched: the only reasons it does not count are the fence's.
    expect([...item.flags].sort()).toEqual(['not_real_name', 'outside_fence']);
  });
});

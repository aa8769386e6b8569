/**
 * Person QR codes end to end, on every backend: codes issued through the API, shown by a
 * TCP device as type-16 clock-ins (qrCodeInfo type 1), judged by the platform's own
 * verifier (app.ts wires QrCodes as the request ports' `qr`): a valid code counts as
 * real-name; a forged, another site's, an expired, a malformed code and someone else's
 * code are kept and flagged (D9).
 */
import { face, idNumber, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base45Encode } from '../../src/domain/qr/base45.js';
import { decodeCode } from '../../src/domain/qr/codec.js';
import { ADMIN_PASSWORD, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { insertDevice } from '../helpers/store-rows.js';

const SN = 'QR-SIGN-1';
const CENTRE = { latitude: 30.27415, longitude: 120.15507 };
const fence = {
  type: 'circle',
  center: { lat: CENTRE.latitude, lng: CENTRE.longitude },
  radiusMeters: 200,
};

describe.each(BACKENDS)('type-16 clock-ins with person codes ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  let worker: string;
  let mate: string;

  async function site(name: string): Promise<string> {
    const r = await p.api.call('POST', '/api/v1/sites', { body: { name, geofence: fence } });
    expect(r.status, r.text).toBe(201);
    return r.body.id;
  }

  async function person(name: string, siteIds: string[]): Promise<string> {
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name,
        idNumber: idNumber(),
        photos: [Buffer.from(await face()).toString('base64')],
        assignments: siteIds.map((siteId) => ({ siteId })),
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.body.personId;
  }

  const code = async (personId: string, siteId: string, validDays = 30) => {
    const r = await p.api.call('POST', `/api/v1/persons/${personId}/qr-codes`, {
      body: { siteId, validDays },
    });
    expect(r.status, r.text).toBe(201);
    return r.body.codeValue as string;
  };

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = await site('扫码考勤工地A');
    siteB = await site('扫码考勤工地B');
    worker = await person('扫码工人', [siteA, siteB]);
    mate = await person('同班工友', [siteA]);
    // Registered bound to site A (as an operator does), so no bind task is pushed into the answers.
    await insertDevice(p.platform.data.store, p.creds.vendorId, siteA, { sn: SN, createdAt: p.clock.now });
  });
  afterAll(() => p?.stop());

  it('counts a valid code as real-name and flags every other kind of code', async () => {
    const valid = await code(worker, siteA);
    const d = decodeCode(valid)!;
    const sig = Uint8Array.from(d.signature);
    sig[5] = (sig[5] as number) ^ 0x10;
    const forged = `KQ1${base45Encode(new Uint8Array([...d.signed, ...sig]))}`;
    const otherSite = await code(worker, siteB);
    const shortLived = await code(mate, siteA, 1);

    const connect = async () => {
      const d = await TestDevice.tcp(p.platform.tcpPort, SN, p.creds, () => p.clock.now);
      expect((await d.auth()).success).toBe(true);
      return d;
    };
    let dev = await connect();
    const sent: { personId: string; codeValue: string; qrFlags: string[]; realName: boolean }[] = [
      { personId: worker, codeValue: valid, qrFlags: [], realName: true },
      { personId: worker, codeValue: forged, qrFlags: ['qr_forged'], realName: false },
      { personId: worker, codeValue: otherSite, qrFlags: ['qr_other_site'], realName: false },
      { personId: mate, codeValue: valid, qrFlags: ['qr_person_mismatch'], realName: false },
      { personId: mate, codeValue: 'NOT-A-KAOQIN-CODE', qrFlags: ['qr_invalid'], realName: false },
    ];
    let t = p.clock.now - 5_000;
    for (const s of sent) {
      const a = await dev.signIn({
        personId: s.personId,
        type: 16,
        recordTime: t++,
        coordinate: CENTRE,
        qrCodeInfo: { type: '1', codeValue: s.codeValue },
      });
      expect(a.success, JSON.stringify(a)).toBe(true);
    }
    // Two days on (a new session: the old token has lapsed), the one-day code is expired at its record's time.
    dev.close();
    p.clock.advance(2 * 86_400_000);
    dev = await connect();
    const late = await dev.signIn({
      personId: mate,
      type: 16,
      recordTime: p.clock.now - 1_000,
      coordinate: CENTRE,
      qrCodeInfo: { type: '1', codeValue: shortLived },
    });
    expect(late.success, JSON.stringify(late)).toBe(true);
    sent.push({ personId: mate, codeValue: shortLived, qrFlags: ['qr_expired'], realName: false });
    dev.close();

    // The admin's session lapsed with the two days too.
    const api = p.api.as(await p.api.login('admin', ADMIN_PASSWORD));
    const items = (await api.call('GET', `/api/v1/attendance?deviceSn=${SN}&limit=500`)).body.items as Json[];
    expect(items).toHaveLength(sent.length);
    const byTime = [...items].sort((a, b) => Date.parse(a.recordTime) - Date.parse(b.recordTime));
    const seen = byTime.map((i) => ({
      personId: i.personId,
      qrFlags: (i.flags as string[]).filter((f) => f.startsWith('qr_')).sort(),
      realName: i.realName,
    }));
    expect(seen).toEqual(sent.map(({ personId, qrFlags, realName }) => ({ personId, qrFlags, realName })));
  });
});

/** The success path of every TCP apicode (2.1–2.3), over real TCP, against a real store. */

import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform();
});
afterAll(() => tp.stop());

const device = (sn: string) => TestDevice.tcp(tp.platform.tcpPort, sn, tp.creds, () => tp.clock.now);

/** A real 2×2 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';

describe('C_AUTH (2.1)', () => {
  it('answers a token and registers an unknown device as unassigned', async () => {
    const d = await device('SN-AUTH-1');
    const a = await d.auth();
    expect(a).toMatchObject({ success: true, apicode: 'C_AUTH', version: 'v1.0.0' });
    expect((a.response as { token: string }).token).toMatch(/^[0-9a-f]{32}$/);
    const row = await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'SN-AUTH-1');
    expect(row).toMatchObject({ siteId: null, registeredBy: 'auto', disabled: false });
    await tp.platform.presence.flush();
    const events = await tp.platform.data.store.events.listForDevice(row!.id);
    expect(events.map((e) => e.kind).sort()).toEqual(['online', 'registered']);
    d.close();
  });

  it('gives the device a new token on every C_AUTH, and the old one stops working', async () => {
    const d = await device('SN-AUTH-2');
    await d.auth();
    const first = d.token;
    await d.auth();
    expect(d.token).not.toBe(first);
    const stale = await (async () => {
      d.send(d.requestFrame('C_HEARTBEAT', { deviceVersion: '1', deviceIp: '1' }, { token: first }));
      return d.next();
    })();
    expect(stale.error?.errorcode).toBe('401_01');
    expect((await d.heartbeat()).success).toBe(true);
    d.close();
  });
});

describe('C_HEARTBEAT (2.2)', () => {
  it('answers taskids and records version and LAN address', async () => {
    const d = await device('SN-HB-1');
    await d.auth();
    const a = await d.heartbeat({ deviceVersion: 'v14.8.7LM', deviceIp: '192.168.1.11' });
    expect(a).toMatchObject({ success: true, apicode: 'C_HEARTBEAT', response: { taskids: [] } });
    await tp.platform.presence.flush();
    const row = await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'SN-HB-1');
    expect(row).toMatchObject({ online: true, deviceVersion: 'v14.8.7LM', deviceIp: '192.168.1.11' });
    expect(row!.lastSeenAt).toBe(tp.clock.now);
    d.close();
  });
});

describe('C_SIGN_IN (2.3)', () => {
  it('stores every field, acks, and answers a re-send with success and no second row', async () => {
    const d = await device('SN-SIGN-1');
    await d.auth();
    const recordTime = tp.clock.now - 1500;
    const param = {
      personId: '4508004291609636864',
      type: 16,
      bitType: 17,
      qrCodeInfo: { type: '1', codeColor: 'green', codeValue: 'QR-1', cityCode: '330100' },
      img: PNG,
      recordTime: String(recordTime),
      temperature: 36.7,
      irisInfo: 'iris-feature',
      coordinate: { longitude: 120.15507, latitude: 30.27415 },
    };
    const a = await d.signIn(param);
    expect(a).toMatchObject({ success: true, apicode: 'C_SIGN_IN' });
    expect((await d.signIn(param)).success).toBe(true);
    const rows = await tp.platform.data.store.attendance.list({ sn: 'SN-SIGN-1' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      personId: '4508004291609636864',
      recordTime,
      type: 16,
      bitType: 17,
      temperature: 36.7,
      irisInfo: 'iris-feature',
      longitude: 120.15507,
      latitude: 30.27415,
      // QR + face (17) counts through the face; the code is judged too (no verifier here
      // knows 'QR-1': qr_invalid) and, on no site, there is no fence (docs/attendance-rules.md)
      realName: true,
      receivedAt: tp.clock.now,
      latencyMs: 1500,
      uploadClass: 'live',
      fenceDistanceM: null,
      flags: ['qr_invalid', 'no_fence', 'device_unassigned'],
    });
    expect(JSON.parse(rows[0]!.qrCodeInfo!)).toMatchObject({ type: '1', codeValue: 'QR-1' });
    const photo = await tp.platform.blobs.get(rows[0]!.photoKey!);
    expect(Buffer.from(photo!).toString('base64')).toBe(PNG);
    d.close();
  });

  it('keeps a clock-in with a bad photo or an indirect type, flagged, without the bad bytes (D9)', async () => {
    const d = await device('SN-SIGN-2');
    await d.auth();
    const base = { personId: '1', recordTime: tp.clock.now };
    expect((await d.signIn({ ...base, type: 1, img: '@@not base64@@' })).success).toBe(true);
    expect(
      (await d.signIn({ ...base, type: 8, img: Buffer.from('GIF89a....').toString('base64') })).success,
    ).toBe(true);
    const big = {
      ...base,
      recordTime: base.recordTime + 1,
      type: 1,
      img: Buffer.alloc(410 * 1024, 1).toString('base64'),
    };
    expect((await d.signIn(big)).success).toBe(true);
    const rows = await tp.platform.data.store.attendance.list({ sn: 'SN-SIGN-2' });
    expect(rows.map((r) => [r.type, r.photoKey, r.flags.filter((f) => f !== 'device_unassigned')])).toEqual(
      expect.arrayContaining([
        [1, null, ['photo_bad_base64']],
        [8, null, ['photo_bad_format', 'indirect', 'not_real_name']],
      ]),
    );
    expect(rows.some((r) => r.flags.includes('photo_too_large') && r.photoKey === null)).toBe(true);
    d.close();
  });

  it('takes many sign-ins in flight on one connection and answers them in order', async () => {
    const d = await device('SN-SIGN-3');
    await d.auth();
    const n = 300;
    for (let i = 0; i < n; i++)
      d.send(d.requestFrame('C_SIGN_IN', { personId: `p${i}`, type: 1, recordTime: tp.clock.now - i }));
    const answers = [];
    for (let i = 0; i < n; i++) answers.push(await d.next());
    expect(answers.every((a) => a.success && a.apicode === 'C_SIGN_IN')).toBe(true);
    expect(await tp.platform.data.store.attendance.count({ sn: 'SN-SIGN-3' })).toBe(n);
    d.close();
  });
});

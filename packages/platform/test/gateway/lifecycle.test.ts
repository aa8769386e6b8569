/** Tokens lapsing (D7), credentials rotated and revoked (1.1), devices disabled, presence (D10). */

import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openData } from '../../src/app.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform();
});
afterAll(() => tp.stop());

const device = (sn: string, creds = tp.creds) =>
  TestDevice.tcp(tp.platform.tcpPort, sn, creds, () => tp.clock.now);
const events = async (sn: string) => {
  await tp.platform.presence.flush();
  const row = await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, sn);
  return (await tp.platform.data.store.events.listForDevice(row!.id)).map((e) => [e.kind, e.code, e.at]);
};

describe('tokens (D7)', () => {
  it('lapse after 30 minutes without a request, and every request restarts the clock', async () => {
    const d = await device('LIFE-TOKEN');
    await d.auth();
    tp.clock.advance(29 * 60_000);
    expect((await d.heartbeat()).success).toBe(true);
    tp.clock.advance(29 * 60_000);
    expect((await d.heartbeat()).success).toBe(true);
    tp.clock.advance(30 * 60_000 + 1);
    expect((await d.heartbeat()).error?.errorcode).toBe('401_01');
    expect((await d.auth()).success).toBe(true);
    expect((await d.heartbeat()).success).toBe(true);
    d.close();
  });
});

describe('credentials', () => {
  it('a rotated secret makes earlier tokens fail with 401_02; the new secret works', async () => {
    const v = await tp.platform.data.vendors.create('rotating vendor');
    const d = await device('LIFE-ROTATE', v);
    await d.auth();
    const rotated = await tp.platform.data.vendors.rotate(v.vendorId);
    const a = await d.heartbeat();
    expect(a.error?.errorcode).toBe('401_02');
    expect((await d.auth()).error?.errorcode).toBe('400_04'); // still signing with the old secret
    const d2 = await device('LIFE-ROTATE', rotated);
    expect((await d2.auth()).success).toBe(true);
    expect((await d2.heartbeat()).success).toBe(true);
    d.close();
    d2.close();
  });

  it('a revoked vendor gets 401_02 for tokens and for C_AUTH, recorded in the device log', async () => {
    const v = await tp.platform.data.vendors.create('revoked vendor');
    const d = await device('LIFE-REVOKE', v);
    await d.auth();
    await tp.platform.data.vendors.revoke(v.accessId);
    expect((await d.heartbeat()).error?.errorcode).toBe('401_02');
    expect((await d.auth()).error?.errorcode).toBe('401_02');
    await tp.platform.presence.flush();
    const row = await tp.platform.data.store.devices.byVendorSn(v.vendorId, 'LIFE-REVOKE');
    const log = await tp.platform.data.store.events.listForDevice(row!.id);
    expect(log.some((e) => e.kind === 'auth_failed' && e.code === '401_02')).toBe(true);
    d.close();
  });

  it('a disabled device is refused with 490_04 until enabled', async () => {
    const d = await device('LIFE-DISABLE');
    await d.auth();
    const row = await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-DISABLE');
    await tp.platform.data.devices.setDisabled(row!.id, true);
    expect((await d.heartbeat()).error?.errorcode).toBe('490_04');
    expect((await d.auth()).error?.errorcode).toBe('490_04');
    await tp.platform.data.devices.setDisabled(row!.id, false);
    expect((await d.auth()).success).toBe(true);
    d.close();
  });
});

describe('changes made by another process', () => {
  it('reach the running gateway at its next refresh, and only changed devices are re-read', async () => {
    const d = await device('LIFE-REMOTE');
    await d.auth();
    const row = (await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-REMOTE'))!;
    const before = Date.now();
    // What `kaoqin device disable` does from its own process: a store write, no cache.
    await tp.platform.data.store.devices.update(row.id, { disabled: true });
    expect((await tp.platform.data.store.devices.changedSince(before)).map((r) => r.id)).toEqual([row.id]);
    expect((await d.heartbeat()).success).toBe(true); // not seen yet
    await tp.platform.data.devices.refresh();
    expect((await d.heartbeat()).error?.errorcode).toBe('490_04');
    await tp.platform.data.store.devices.update(row.id, { disabled: false });
    await tp.platform.data.devices.refresh();
    expect((await d.heartbeat()).success).toBe(true);
    d.close();
  });
});

describe('presence (D10)', () => {
  it('goes online at the first request and offline 60 s after the last, socket open or not', async () => {
    const d = await device('LIFE-PRESENCE');
    const t0 = tp.clock.now;
    await d.auth();
    tp.clock.advance(20_000);
    await d.heartbeat();
    const lastSeen = tp.clock.now;
    // The device vanishes without closing its socket.
    tp.clock.advance(59_999);
    tp.platform.presence.sweep(tp.clock.now);
    expect(
      tp.platform.presence.isOnline(
        (await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-PRESENCE'))!.id,
      ),
    ).toBe(true);
    tp.clock.advance(1);
    tp.platform.presence.sweep(tp.clock.now);
    const log = await events('LIFE-PRESENCE');
    expect(log).toContainEqual(['online', null, t0]);
    expect(log).toContainEqual(['offline', null, lastSeen + 60_000]);
    const row = await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-PRESENCE');
    expect(row).toMatchObject({ online: false, lastSeenAt: lastSeen });
    // It comes back: online again.
    await d.heartbeat();
    expect((await events('LIFE-PRESENCE')).filter((e) => e[0] === 'online')).toHaveLength(2);
    d.close();
  });

  it("writes an online device's last-seen time at most every 30 s, and exactly when it goes offline", async () => {
    const d = await device('LIFE-SEEN');
    await d.auth();
    const id = (await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-SEEN'))!.id;
    await tp.platform.presence.flush();
    const first = (await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-SEEN'))!
      .lastSeenAt!;
    const stored: number[] = [];
    for (let i = 0; i < 12; i++) {
      tp.clock.advance(5_000);
      await d.heartbeat();
      await tp.platform.presence.flush();
      const row = (await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-SEEN'))!;
      expect(tp.clock.now - row.lastSeenAt!).toBeLessThan(30_000);
      stored.push(row.lastSeenAt!);
    }
    // The first heartbeat brings version and IP (written at once), then every 30 s.
    expect([...new Set(stored)]).toEqual([first + 5_000, first + 35_000]);
    expect(tp.platform.presence.isOnline(id)).toBe(true);
    const last = tp.clock.now;
    tp.clock.advance(60_000);
    tp.platform.presence.sweep(tp.clock.now);
    await tp.platform.presence.flush();
    expect(await tp.platform.data.store.devices.byVendorSn(tp.creds.vendorId, 'LIFE-SEEN')).toMatchObject({
      online: false,
      lastSeenAt: last,
    });
    d.close();
  });
});

describe('vendors created by another process', () => {
  it('authenticate at once: an unknown accessId reloads the vendor cache (at most once a second)', async () => {
    // The operator CLI is another process with its own cache; the server only refreshes every 5 s.
    const cli = await openData(tp.platform.config);
    const creds = await cli.vendors.create('新厂商');
    await cli.close();
    const d = await device('LIFE-NEW-VENDOR', creds);
    expect((await d.auth()).success).toBe(true);
    d.close();
  });
});

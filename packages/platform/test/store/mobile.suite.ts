/**
 * The store suite's mobile attendance store (store/mobile-types.ts), which every backend
 * passes: one-time codes spent once and burned by failed tries, phones' credentials, the
 * one mobile vendor, and the stored verdict of a clock-in under D9's key.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AttendanceInput,
  type DeviceRow,
  isUniqueViolation,
  type MobileCodeRow,
  type MobilePhoneRow,
  type Store,
} from '../../src/store/index.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

function code(over: Partial<MobileCodeRow> = {}): MobileCodeRow {
  return {
    id: randomUUID(),
    codeHash: randomUUID(),
    siteId: 'site-m',
    personId: 'person-m',
    createdBy: 'acct-1',
    createdAt: T0,
    expiresAt: T0 + 24 * HOUR,
    usedAt: null,
    failedTries: 0,
    ...over,
  };
}

function phone(over: Partial<MobilePhoneRow> = {}): MobilePhoneRow {
  return {
    deviceId: randomUUID(),
    personId: `p-${randomUUID().slice(0, 8)}`,
    siteId: 'site-m',
    accessId: randomUUID(),
    accessKey: 'key',
    secretEnc: 'v1:sealed',
    createdAt: T0,
    ...over,
  };
}

export function mobileSuite(
  getStore: () => Store,
  seed: (over?: Partial<DeviceRow>) => Promise<{ d: DeviceRow }>,
): void {
  describe('mobile codes', () => {
    it('finds a code by its hash; a taken hash is a unique violation', async () => {
      const store = getStore();
      const c = code();
      await store.mobile.insertCode(c);
      expect(await store.mobile.codeByHash(c.codeHash)).toEqual(c);
      expect(await store.mobile.codeByHash('no such hash')).toBeUndefined();
      const err = await store.mobile.insertCode(code({ codeHash: c.codeHash })).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });

    it('spends a code once, however many race for it', async () => {
      const store = getStore();
      const c = code();
      await store.mobile.insertCode(c);
      const spent = await Promise.all(
        Array.from({ length: 5 }, () => store.mobile.spendCode(c.id, T0 + 1000, 5)),
      );
      expect(spent.filter(Boolean)).toHaveLength(1);
      expect((await store.mobile.codeByHash(c.codeHash))?.usedAt).toBe(T0 + 1000);
    });

    it('does not spend an expired code, nor one at the failed-tries limit', async () => {
      const store = getStore();
      const expired = code({ expiresAt: T0 + 10 });
      await store.mobile.insertCode(expired);
      expect(await store.mobile.spendCode(expired.id, T0 + 10, 5)).toBe(false);
      const burned = code();
      await store.mobile.insertCode(burned);
      const counts: (number | undefined)[] = [];
      for (let i = 0; i < 5; i++) counts.push(await store.mobile.failCode(burned.id));
      expect(counts).toEqual([1, 2, 3, 4, 5]);
      expect(await store.mobile.spendCode(burned.id, T0, 5)).toBe(false);
      expect((await store.mobile.codeByHash(burned.codeHash))?.failedTries).toBe(5);
    });

    it('counts concurrent failed tries each, and none on a spent code', async () => {
      const store = getStore();
      const c = code();
      await store.mobile.insertCode(c);
      await Promise.all([store.mobile.failCode(c.id), store.mobile.failCode(c.id)]);
      expect((await store.mobile.codeByHash(c.codeHash))?.failedTries).toBe(2);
      expect(await store.mobile.spendCode(c.id, T0, 5)).toBe(true);
      expect(await store.mobile.failCode(c.id)).toBeUndefined();
      expect(await store.mobile.failCode('no such code')).toBeUndefined();
    });
  });

  describe('mobile phones', () => {
    it('finds a phone by accessId and by device; accessIds are unique', async () => {
      const store = getStore();
      const p = phone();
      await store.mobile.insertPhone(p);
      expect(await store.mobile.phoneByAccessId(p.accessId)).toEqual(p);
      expect(await store.mobile.phoneByDevice(p.deviceId)).toEqual(p);
      expect(await store.mobile.phoneByAccessId('nope')).toBeUndefined();
      const err = await store.mobile.insertPhone(phone({ accessId: p.accessId })).catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
    });

    it("lists a person's phones on a site, oldest first, and phones by devices", async () => {
      const store = getStore();
      const personId = `p-${randomUUID()}`;
      const second = phone({ personId, createdAt: T0 + 2 });
      const first = phone({ personId, createdAt: T0 + 1 });
      const elsewhere = phone({ personId, siteId: 'site-other' });
      for (const p of [second, first, elsewhere]) await store.mobile.insertPhone(p);
      expect(await store.mobile.phonesOf(personId, 'site-m')).toEqual([first, second]);
      const byDevices = await store.mobile.phonesByDevices([first.deviceId, elsewhere.deviceId, 'nope']);
      expect(byDevices.map((p) => p.deviceId).sort()).toEqual([first.deviceId, elsewhere.deviceId].sort());
      expect(await store.mobile.phonesByDevices([])).toEqual([]);
    });
  });

  describe('mobile vendor', () => {
    it('is claimed once: the first claim wins and later ones are refused', async () => {
      const store = getStore();
      const before = await store.mobile.mobileVendorId();
      const claimed = await store.mobile.claimMobileVendor('vendor-a');
      if (before === undefined) {
        expect(claimed).toBe(true);
        expect(await store.mobile.mobileVendorId()).toBe('vendor-a');
      }
      expect(await store.mobile.claimMobileVendor('vendor-b')).toBe(false);
      expect(await store.mobile.mobileVendorId()).toBe(before ?? 'vendor-a');
    });
  });

  describe('record verdicts', () => {
    it("reads a stored clock-in's realName and flags by D9's key, and nothing for another key", async () => {
      const store = getStore();
      const { d } = await seed();
      const rec = (over: Partial<AttendanceInput>): AttendanceInput => ({
        deviceId: d.id,
        vendorId: d.vendorId,
        sn: d.sn,
        siteId: null,
        personId: 'pm1',
        recordTime: T0,
        type: 64,
        bitType: null,
        qrCodeInfo: null,
        photoKey: null,
        temperature: null,
        irisInfo: null,
        longitude: 120.1,
        latitude: 30.2,
        realName: true,
        flags: [],
        receivedAt: T0 + 500,
        latencyMs: 500,
        uploadClass: null,
        fenceDistanceM: null,
        ...over,
      });
      await store.attendance.insertBatch([
        rec({}),
        rec({ recordTime: T0 + 1000, realName: false, flags: ['outside_fence', 'face_mismatch'] }),
      ]);
      expect(await store.mobile.recordVerdict(d.id, 'pm1', T0, 64)).toEqual({ realName: true, flags: [] });
      expect(await store.mobile.recordVerdict(d.id, 'pm1', T0 + 1000, 64)).toEqual({
        realName: false,
        flags: ['outside_fence', 'face_mismatch'],
      });
      expect(await store.mobile.recordVerdict(d.id, 'pm1', T0, 1)).toBeUndefined();
      expect(await store.mobile.recordVerdict(d.id, 'other', T0, 64)).toBeUndefined();
    });
  });
}

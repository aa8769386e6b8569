/**
 * The one suite every Store backend passes (see src/store/types.ts). A backend's test
 * file calls storeSuite with a fixture giving it one fresh database for the run; tests
 * share it and stay apart by creating their own vendors and devices.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttendanceInput,
  type DeviceChange,
  type DeviceRow,
  type DeviceSeen,
  isUniqueViolation,
  MAX_LIMIT,
  type Store,
  type VendorRow,
} from '../../src/store/index.js';
import { mobileSuite } from './mobile.suite.js';
import { personsSuite } from './persons.suite.js';
import { tasksSuite } from './tasks.suite.js';

export interface StoreFixture {
  /** Opens a store on this fixture's database; every call opens the same database. */
  open(): Promise<Store>;
  /** Removes the database; called once at the end, with every store closed. */
  dispose(): Promise<void>;
}

const T0 = 1_700_000_000_000;

function vendor(over: Partial<VendorRow> = {}): VendorRow {
  const id = randomUUID();
  return {
    id,
    name: '浙江测试科技有限公司',
    accessId: `ak-${id}`,
    accessKey: `key-${id}`,
    secretEnc: 'v1:nonce:ciphertext',
    secretVersion: 1,
    status: 'active',
    publicKeyPem: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

function device(vendorId: string, over: Partial<DeviceRow> = {}): DeviceRow {
  return {
    id: randomUUID(),
    vendorId,
    sn: `SN-${randomUUID().slice(0, 8)}`,
    siteId: null,
    disabled: false,
    registeredBy: 'auto',
    deviceVersion: null,
    deviceIp: null,
    firstSeenAt: null,
    lastSeenAt: null,
    online: false,
    direction: 'both',
    createdAt: T0,
    ...over,
  };
}

function record(d: DeviceRow, over: Partial<AttendanceInput> = {}): AttendanceInput {
  return {
    deviceId: d.id,
    vendorId: d.vendorId,
    sn: d.sn,
    siteId: d.siteId,
    personId: '330102199001011234',
    recordTime: T0,
    type: 1,
    bitType: null,
    qrCodeInfo: null,
    photoKey: null,
    temperature: null,
    irisInfo: null,
    longitude: null,
    latitude: null,
    realName: true,
    flags: [],
    receivedAt: T0 + 800,
    latencyMs: 800,
    uploadClass: null,
    fenceDistanceM: null,
    coordinateAccuracyM: null,
    ...over,
  };
}

/** n records of one device, one person each, a second apart. */
function records(d: DeviceRow, n: number, from = T0): AttendanceInput[] {
  return Array.from({ length: n }, (_, i) => record(d, { personId: `p${i}`, recordTime: from + i * 1000 }));
}

export function storeSuite(
  name: string,
  dialect: Store['dialect'],
  makeFixture: () => Promise<StoreFixture>,
): void {
  describe(`Store: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeAll(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    });

    afterAll(async () => {
      await store?.close();
      await fixture?.dispose();
    });

    /** A vendor and a device of it, stored. */
    async function seed(over: Partial<DeviceRow> = {}): Promise<{ v: VendorRow; d: DeviceRow }> {
      const v = vendor();
      await store.vendors.insert(v);
      const d = device(v.id, over);
      await store.devices.insert(d);
      return { v, d };
    }

    personsSuite(() => store);
    tasksSuite(() => store, seed);
    mobileSuite(() => store, seed);

    describe('opening', () => {
      it('reports its dialect and answers a ping', async () => {
        expect(store.dialect).toBe(dialect);
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('opens again on a migrated database, beside an open store and after it closes', async () => {
        const v = vendor();
        await store.vendors.insert(v);
        const second = await fixture.open();
        expect(await second.vendors.byId(v.id)).toEqual(v);
        await second.close();
        const third = await fixture.open();
        expect(await third.vendors.byId(v.id)).toEqual(v);
        await third.close();
        expect(await store.vendors.byId(v.id)).toEqual(v);
      });

      it('keeps every committed write across close and reopen', async () => {
        const first = await fixture.open();
        const v = vendor();
        await first.vendors.insert(v);
        const d = device(v.id);
        await first.devices.insert(d);
        const outcomes = await first.attendance.insertBatch(records(d, 5));
        await first.close();

        const reopened = await fixture.open();
        expect(await reopened.vendors.byId(v.id)).toEqual(v);
        expect(await reopened.devices.byId(d.id)).toEqual(d);
        const rows = await reopened.attendance.list({ deviceId: d.id });
        expect(rows.map((r) => r.id)).toEqual(outcomes.map((o) => o.id));
        await reopened.close();
      });

      it('enforces foreign keys: a device needs an existing vendor', async () => {
        await expect(store.devices.insert(device(randomUUID()))).rejects.toThrow();
      });
    });

    describe('vendors', () => {
      it('stores a vendor and finds it by id and by accessId', async () => {
        const v = vendor({ publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n' });
        await store.vendors.insert(v);
        expect(await store.vendors.byId(v.id)).toEqual(v);
        expect(await store.vendors.byAccessId(v.accessId)).toEqual(v);
        expect(await store.vendors.byId(randomUUID())).toBeUndefined();
        expect(await store.vendors.byAccessId('no-such-access-id')).toBeUndefined();
      });

      it('refuses a second vendor with the same accessId, as a unique violation', async () => {
        const v = vendor();
        await store.vendors.insert(v);
        const err = await store.vendors.insert(vendor({ accessId: v.accessId })).catch((e: unknown) => e);
        expect(isUniqueViolation(err)).toBe(true);
      });

      it('lists vendors oldest first', async () => {
        const later = vendor({ createdAt: T0 + 2 });
        const earlier = vendor({ createdAt: T0 + 1 });
        await store.vendors.insert(later);
        await store.vendors.insert(earlier);
        const ids = (await store.vendors.list()).map((v) => v.id);
        expect(ids).toContain(earlier.id);
        expect(ids.indexOf(earlier.id)).toBeLessThan(ids.indexOf(later.id));
      });

      it('updates only the fields in the patch', async () => {
        const v = vendor();
        await store.vendors.insert(v);
        const patch = {
          status: 'revoked',
          secretEnc: 'v1:other:ciphertext',
          secretVersion: 2,
          publicKeyPem: 'PEM',
          updatedAt: T0 + 5,
        } as const;
        await store.vendors.update(v.id, patch);
        expect(await store.vendors.byId(v.id)).toEqual({ ...v, ...patch });
        await store.vendors.update(v.id, { publicKeyPem: null, name: undefined });
        expect(await store.vendors.byId(v.id)).toEqual({ ...v, ...patch, publicKeyPem: null });
        await store.vendors.update(v.id, {});
        expect(await store.vendors.byId(v.id)).toEqual({ ...v, ...patch, publicKeyPem: null });
      });
    });

    describe('devices', () => {
      it('stores a device and finds it by id and by (vendor, sn)', async () => {
        const { v, d } = await seed({ deviceVersion: 'V2.1.0', deviceIp: '10.0.0.8', direction: 'in' });
        expect(await store.devices.byId(d.id)).toEqual(d);
        expect(await store.devices.byVendorSn(v.id, d.sn)).toEqual(d);
        expect(await store.devices.byVendorSn(v.id, 'SN-none')).toBeUndefined();
        expect(await store.devices.byId(randomUUID())).toBeUndefined();
      });

      it('refuses a second device with the same (vendor, sn), but not under another vendor', async () => {
        const { d } = await seed();
        const err = await store.devices.insert(device(d.vendorId, { sn: d.sn })).catch((e: unknown) => e);
        expect(isUniqueViolation(err)).toBe(true);
        const other = vendor();
        await store.vendors.insert(other);
        const twin = device(other.id, { sn: d.sn });
        await store.devices.insert(twin);
        expect(await store.devices.byVendorSn(other.id, d.sn)).toEqual(twin);
      });

      it('updates only the fields in the patch; siteId null unassigns', async () => {
        const { d } = await seed();
        await store.devices.update(d.id, { siteId: 'site-1', disabled: true, direction: 'out' });
        expect(await store.devices.byId(d.id)).toEqual({
          ...d,
          siteId: 'site-1',
          disabled: true,
          direction: 'out',
        });
        await store.devices.update(d.id, { siteId: null, disabled: false, deviceVersion: undefined });
        expect(await store.devices.byId(d.id)).toEqual({ ...d, direction: 'out' });
        await store.devices.update(d.id, {});
        expect(await store.devices.byId(d.id)).toEqual({ ...d, direction: 'out' });
      });

      it('lists by vendor, site (null = unassigned) and presence, oldest first, within the limit', async () => {
        const v = vendor();
        await store.vendors.insert(v);
        const a = device(v.id, { siteId: 'site-a', online: true, createdAt: T0 + 1 });
        const b = device(v.id, { siteId: null, online: false, createdAt: T0 + 2 });
        const c = device(v.id, { siteId: 'site-c', online: true, createdAt: T0 + 3 });
        for (const d of [c, a, b]) await store.devices.insert(d);
        expect(await store.devices.list({ vendorId: v.id })).toEqual([a, b, c]);
        expect(await store.devices.list({ vendorId: v.id, siteId: 'site-a' })).toEqual([a]);
        expect(await store.devices.list({ vendorId: v.id, siteId: null })).toEqual([b]);
        expect(await store.devices.list({ vendorId: v.id, online: true })).toEqual([a, c]);
        expect(await store.devices.list({ vendorId: v.id, online: false })).toEqual([b]);
        expect(await store.devices.list({ vendorId: v.id, limit: 2 })).toEqual([a, b]);
        expect(await store.devices.list({ siteId: 'site-c', online: true })).toContainEqual(c);
      });

      it('lists operator changes since a time, narrow and paged, and not registrations', async () => {
        const since = Date.now();
        const { v, d: a } = await seed();
        const b = device(v.id);
        const c = device(v.id);
        for (const x of [b, c]) await store.devices.insert(x);
        const ours = (rows: DeviceChange[]) => rows.filter((r) => [a.id, b.id, c.id].includes(r.id));
        // Registering is not a change a cache must re-read.
        expect(ours(await store.devices.changedSince(since))).toEqual([]);
        for (const x of [c, a, b]) await store.devices.update(x.id, { disabled: true, siteId: 'site-p' });
        await store.devices.update(b.id, { direction: 'in' });
        const all = ours(await store.devices.changedSince(since));
        expect(all.map((r) => r.id).sort()).toEqual([a.id, b.id, c.id].sort());
        expect(all.find((r) => r.id === b.id)).toMatchObject({
          disabled: true,
          siteId: 'site-p',
          direction: 'in',
        });
        // Pages of one, each after the last row of the one before, give every change once, in order.
        const paged: DeviceChange[] = [];
        let after: DeviceChange | undefined;
        for (let i = 0; i < 1000; i++) {
          const page = await store.devices.changedSince(since, { limit: 1, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          paged.push(...page);
          after = page[0];
        }
        expect(ours(paged)).toEqual(all);
        const keys = paged.map((r) => [r.changedAt, r.id] as const);
        expect(keys).toEqual([...keys].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1)));
      });

      it('records presence in one call: last seen, online, version and ip when given, first seen once', async () => {
        const { d } = await seed();
        const { d: e } = await seed({
          deviceVersion: 'V1',
          deviceIp: '10.0.0.1',
          firstSeenAt: T0 - 1,
          online: true,
        });
        const first: DeviceSeen[] = [
          { id: d.id, lastSeenAt: T0 + 10, online: true, deviceVersion: 'V3.0', deviceIp: '192.168.1.20' },
          { id: e.id, lastSeenAt: T0 + 11, online: false },
          { id: randomUUID(), lastSeenAt: T0 + 12, online: true },
        ];
        await store.devices.seen(first);
        const afterFirst = {
          ...d,
          lastSeenAt: T0 + 10,
          firstSeenAt: T0 + 10,
          online: true,
          deviceVersion: 'V3.0',
          deviceIp: '192.168.1.20',
        };
        expect(await store.devices.byId(d.id)).toEqual(afterFirst);
        expect(await store.devices.byId(e.id)).toEqual({ ...e, lastSeenAt: T0 + 11, online: false });

        await store.devices.seen([{ id: d.id, lastSeenAt: T0 + 20, online: false }]);
        expect(await store.devices.byId(d.id)).toEqual({ ...afterFirst, lastSeenAt: T0 + 20, online: false });
        await expect(store.devices.seen([])).resolves.toBeUndefined();
      });
    });

    describe('device events', () => {
      it('stores events and lists a device’s newest first, within the limit', async () => {
        const { d } = await seed();
        const { d: other } = await seed();
        const ev = (at: number, over: object = {}) => ({
          id: randomUUID(),
          deviceId: d.id,
          at,
          kind: 'online' as const,
          code: null,
          detail: null,
          ...over,
        });
        const registered = ev(T0, { kind: 'registered', detail: '首次接入' });
        const failed = ev(T0 + 1, { kind: 'auth_failed', code: '401_01', detail: 'bad sign' });
        const online = ev(T0 + 2);
        await store.events.insertMany([registered, online, failed, ev(T0 + 3, { deviceId: other.id })]);
        await store.events.insertMany([]);
        expect(await store.events.listForDevice(d.id)).toEqual([online, failed, registered]);
        expect(await store.events.listForDevice(d.id, 2)).toEqual([online, failed]);
      });
    });

    describe('attendance', () => {
      it('inserts a batch: every record new, each with its own id, in input order', async () => {
        const { d } = await seed();
        const batch = records(d, 3);
        const outcomes = await store.attendance.insertBatch(batch);
        expect(outcomes.map((o) => o.duplicate)).toEqual([false, false, false]);
        expect(new Set(outcomes.map((o) => o.id)).size).toBe(3);
        const rows = await store.attendance.list({ deviceId: d.id });
        expect(rows).toEqual(batch.map((r, i) => ({ ...r, id: outcomes[i]!.id })));
        expect(await store.attendance.insertBatch([])).toEqual([]);
      });

      it('reports a record sent again in a later batch as a duplicate with its first id', async () => {
        const { d } = await seed();
        const batch = records(d, 3);
        const first = await store.attendance.insertBatch(batch);
        const resent = batch.map((r) => ({ ...r, receivedAt: r.receivedAt + 60_000, temperature: 37.9 }));
        expect(await store.attendance.insertBatch(resent)).toEqual(
          first.map((o) => ({ ...o, duplicate: true })),
        );

        const fresh = record(d, { personId: 'new', recordTime: T0 + 99_000 });
        const mixed = await store.attendance.insertBatch([resent[1]!, fresh, resent[0]!]);
        expect(mixed[0]).toEqual({ id: first[1]!.id, duplicate: true });
        expect(mixed[1]!.duplicate).toBe(false);
        expect(mixed[2]).toEqual({ id: first[0]!.id, duplicate: true });
        // The stored records are the first ones, untouched by the resend.
        expect(await store.attendance.list({ deviceId: d.id })).toEqual([
          ...batch.map((r, i) => ({ ...r, id: first[i]!.id })),
          { ...fresh, id: mixed[1]!.id },
        ]);
      });

      it('keeps the first of a repeated record within one batch and reports the rest as duplicates', async () => {
        const { d } = await seed();
        const a = record(d, { personId: 'a', temperature: 36.5 });
        const b = record(d, { personId: 'b' });
        const aAgain = { ...a, temperature: 38.1 };
        const aOtherType = { ...a, type: 2 };
        const out = await store.attendance.insertBatch([a, b, aAgain, aOtherType, aAgain]);
        expect(out.map((o) => o.duplicate)).toEqual([false, false, true, false, true]);
        expect(out[2]!.id).toBe(out[0]!.id);
        expect(out[4]!.id).toBe(out[0]!.id);
        expect(new Set(out.map((o) => o.id)).size).toBe(3);
        const stored = await store.attendance.list({ deviceId: d.id });
        expect(stored.find((r) => r.id === out[0]!.id)).toEqual({ ...a, id: out[0]!.id });
        expect(await store.attendance.count({ deviceId: d.id })).toBe(3);
      });

      it('handles a batch larger than one statement, with repeats across statements and earlier batches', async () => {
        const { d } = await seed();
        const all = records(d, 700);
        const earlier = await store.attendance.insertBatch(all.slice(200, 260));
        const batch = [...all, ...all.slice(0, 100), ...all.slice(650, 700)];
        const out = await store.attendance.insertBatch(batch);
        expect(out).toHaveLength(850);
        for (let i = 0; i < 700; i++) {
          const inEarlier = i >= 200 && i < 260;
          expect(out[i]!.duplicate).toBe(inEarlier);
          if (inEarlier) expect(out[i]!.id).toBe(earlier[i - 200]!.id);
        }
        for (let i = 700; i < 850; i++) {
          const original = i < 800 ? i - 700 : i - 800 + 650;
          expect(out[i]).toEqual({ id: out[original]!.id, duplicate: true });
        }
        expect(await store.attendance.count({ deviceId: d.id })).toBe(700);
      });

      it('writes a batch all or nothing', async () => {
        const { d } = await seed();
        const ghost = device(d.vendorId);
        await expect(store.attendance.insertBatch([record(d), record(ghost)])).rejects.toThrow();
        expect(await store.attendance.count({ deviceId: d.id })).toBe(0);
      });

      it('round-trips every field exactly', async () => {
        const { d } = await seed({ siteId: 'site-杭州-01' });
        const full = record(d, {
          personId: '张三-330102199001011234',
          recordTime: 4_102_444_799_999,
          type: 3,
          bitType: 2,
          qrCodeInfo: '{"code":"二维码","n":1.5,"ok":true}',
          photoKey: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
          temperature: 36.6,
          irisInfo: '虹膜信息',
          longitude: 120.15507,
          latitude: -30.274085,
          realName: false,
          flags: ['photo_too_large', 'unknown_person', 'device_unassigned'],
          receivedAt: 4_102_444_799_000,
          latencyMs: -999,
          // the clock-in rules' columns (migration 0017)
          uploadClass: 'backlog',
          fenceDistanceM: 1234.56,
          // a phone's GPS accuracy (migration 0022), to the last bit of a double
          coordinateAccuracyM: 14.123456789012344,
        });
        const bare = record(d, {
          personId: '李四',
          recordTime: T0 + 1,
          siteId: null,
          realName: true,
          flags: [],
        });
        const out = await store.attendance.insertBatch([full, bare]);
        const rows = await store.attendance.list({ deviceId: d.id });
        expect(rows).toEqual([
          { ...bare, id: out[1]!.id },
          { ...full, id: out[0]!.id },
        ]);
        expect(typeof rows[1]!.recordTime).toBe('number');
        expect(typeof rows[1]!.latencyMs).toBe('number');
      });

      it('lists by sn, device and since, ordered by record time then id; counts the same filters', async () => {
        const { d } = await seed();
        const { d: other } = await seed();
        const mine = records(d, 5);
        const sameTime = record(d, { personId: 'twin', recordTime: T0 + 2000 });
        await store.attendance.insertBatch([...mine.slice().reverse(), sameTime, ...records(other, 2)]);

        const bySn = await store.attendance.list({ sn: d.sn });
        expect(bySn.map((r) => r.recordTime)).toEqual([
          T0,
          T0 + 1000,
          T0 + 2000,
          T0 + 2000,
          T0 + 3000,
          T0 + 4000,
        ]);
        const tied = bySn.filter((r) => r.recordTime === T0 + 2000).map((r) => r.id);
        expect(tied).toEqual(tied.slice().sort());
        expect(bySn.every((r) => r.sn === d.sn)).toBe(true);

        expect(await store.attendance.list({ deviceId: d.id })).toEqual(bySn);
        const since = await store.attendance.list({ sn: d.sn, since: T0 + 3000 });
        expect(since.map((r) => r.recordTime)).toEqual([T0 + 3000, T0 + 4000]);
        expect(await store.attendance.list({ sn: d.sn, limit: 2 })).toEqual(bySn.slice(0, 2));
        expect(await store.attendance.list({ sn: d.sn, since: T0 + 1000, limit: 1 })).toEqual([bySn[1]]);

        expect(await store.attendance.count({ sn: d.sn })).toBe(6);
        expect(await store.attendance.count({ deviceId: other.id })).toBe(2);
        expect(await store.attendance.count({ sn: d.sn, since: T0 + 2000 })).toBe(4);
        expect(await store.attendance.count({ sn: d.sn, limit: 1 })).toBe(6);
        expect(await store.attendance.count({ sn: 'SN-none' })).toBe(0);
        expect(await store.attendance.count()).toBeGreaterThanOrEqual(8);
      });

      it(`lists 100 by default and at most ${MAX_LIMIT}`, async () => {
        const { d } = await seed();
        const n = MAX_LIMIT + 1;
        for (let from = 0; from < n; from += 1000) {
          await store.attendance.insertBatch(records(d, Math.min(1000, n - from), T0 + from * 1000));
        }
        expect(await store.attendance.list({ deviceId: d.id })).toHaveLength(100);
        expect(await store.attendance.list({ deviceId: d.id, limit: n + 100 })).toHaveLength(MAX_LIMIT);
        expect(await store.attendance.count({ deviceId: d.id })).toBe(n);
      });
    });
  });
}

/**
 * A small attendance world for the API tests: two sites, devices of two vendors (one
 * serial number shared across them), named persons, accounts of every scope, and
 * records inserted straight through the store's ingest path (insertBatch), which is
 * what the gateway calls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Platform } from '../../src/index.js';
import type { AttendanceInput, DeviceRow } from '../../src/store/index.js';
import type { ApiClient, ApiPlatform } from './api.js';
import { holding } from './at-rest.js';
import { attendanceInput, insertDevice, personRow } from './store-rows.js';

/** 2026-03-02 00:00 China time. */
export const T0 = Date.parse('2026-03-02T00:00:00+08:00');

export interface AttendanceWorld {
  siteA: string;
  siteB: string;
  /** Vendor 1: two devices on site A, one on site B (sn SHARED); vendor 2: one on site B (sn SHARED too). */
  devA1: DeviceRow;
  devA2: DeviceRow;
  devB1: DeviceRow;
  devB2: DeviceRow;
  vendor2: string;
  persons: { id: string; name: string }[];
  /** A record on a device; the rest defaults to a plain face clock-in. */
  record(device: DeviceRow, over?: Partial<AttendanceInput>): AttendanceInput;
  insert(records: AttendanceInput[]): Promise<string[]>;
  /** Clients of a site A manager, vendor 1, vendor 2 and an auditor. */
  as: { manager: ApiClient; vendor1: ApiClient; vendor2: ApiClient; auditor: ApiClient };
}

async function account(p: ApiPlatform, body: Record<string, unknown>): Promise<ApiClient> {
  const r = await p.api.call('POST', '/api/v1/accounts', { body });
  if (r.status !== 201) throw new Error(`account: ${r.status} ${r.text}`);
  return p.api.as(await p.api.login(body.username as string, r.body.password as string));
}

export async function attendanceWorld(p: ApiPlatform, prefix = 'W'): Promise<AttendanceWorld> {
  const store = p.platform.data.store;
  const now = p.clock.now;
  const siteA = randomUUID();
  const siteB = randomUUID();
  await store.sites.create({ id: siteA, name: '西湖区一号工地', createdAt: now });
  await store.sites.create({ id: siteB, name: '滨江区二号工地', createdAt: now });
  const vendor1 = p.creds.vendorId;
  const vendor2 = (await p.platform.data.vendors.create('第二厂商')).vendorId;
  const device = (vendorId: string, sn: string, siteId: string): Promise<DeviceRow> =>
    insertDevice(store, vendorId, siteId, { sn, createdAt: now });
  const devA1 = await device(vendor1, `${prefix}-A1`, siteA);
  const devA2 = await device(vendor1, `${prefix}-A2`, siteA);
  const devB1 = await device(vendor1, `${prefix}-SHARED`, siteB);
  const devB2 = await device(vendor2, `${prefix}-SHARED`, siteB);
  // 19-digit person ids, as devices report them, distinct per world
  const base = 4_508_004_291_000_000_000n + BigInt(randomBytes(4).readUInt32BE()) * 100n;
  const persons = ['张三', '李四', '王五', 'Ann Lee'].map((name, i) => ({
    id: String(base + BigInt(i)),
    name,
  }));
  for (const { id, name } of persons) await store.persons.insert(personRow(id, name, { createdAt: now }));
  const record = (d: DeviceRow, over: Partial<AttendanceInput> = {}): AttendanceInput => {
    const recordTime = over.recordTime ?? T0;
    return attendanceInput(d, {
      personId: persons[0]!.id,
      ...over,
      recordTime,
      receivedAt: over.receivedAt ?? recordTime + 800,
    });
  };
  const insert = async (records: AttendanceInput[]): Promise<string[]> => {
    const out = await store.attendance.insertBatch(records);
    return out.map((o) => o.id);
  };
  const as = {
    manager: await account(p, { username: `${prefix}-mgr`, role: 'site_manager', siteIds: [siteA] }),
    vendor1: await account(p, { username: `${prefix}-v1`, role: 'vendor', vendorId: vendor1 }),
    vendor2: await account(p, { username: `${prefix}-v2`, role: 'vendor', vendorId: vendor2 }),
    auditor: await account(p, { username: `${prefix}-aud`, role: 'auditor' }),
  };
  return { siteA, siteB, devA1, devA2, devB1, devB2, vendor2, persons, record, insert, as };
}

/** Every item of a list, page by page; fails on a page that repeats an id. */
export async function allPages(client: ApiClient, path: string, limit: number): Promise<{ id: string }[]> {
  const out: { id: string }[] = [];
  let cursor: string | null = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const r = await client.call('GET', url);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text}`);
    out.push(...(r.body.items as { id: string }[]));
    cursor = r.body.nextCursor as string | null;
    if (cursor === null) return out;
  }
}

/** Bytes a clock-in photo check takes for a JPEG (the magic), random inside: found on disk only where stored. */
export function fakeJpeg(size = 4000): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size), Buffer.from([0xff, 0xd9])]);
}

/** Whether any file under dir (read whole, every one) still holds a recognisable piece of the bytes. */
/** Whether these photo bytes are anywhere at rest (files under dataDir, or blob rows): helpers/at-rest.ts. */
export async function onDisk(platform: Platform, bytes: Buffer): Promise<boolean> {
  const needle = bytes.subarray(100, 164); // 64 random bytes: found only where these bytes are
  return (await holding(platform, needle)).length > 0;
}

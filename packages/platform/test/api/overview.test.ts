/**
 * GET /api/v1/overview over HTTP, on every backend: two sites and an unassigned device;
 * one device online over TCP with two of today's clock-ins (one 3 s late, one 20 s late)
 * and one of yesterday; a failed and a refused distribution row and an open difference
 * written to the store. Checks each figure against what was sent, and the scopes: a site
 * manager sees its site only, a vendor its devices only (nameless sites, no unassigned
 * devices of another vendor), the auditor everything.
 */
import { randomUUID } from 'node:crypto';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDay, dayBounds } from '../../src/store/cst-day.js';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { insertDevice } from '../helpers/store-rows.js';

describe.each(BACKENDS)('GET /overview ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  let otherVendor: string;
  let device: TestDevice | undefined;
  let sinceMidnight: number;

  async function account(username: string, body: object): Promise<ApiClient> {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, ...body } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }
  async function overview(client: ApiClient): Promise<Json> {
    const r = await client.call('GET', '/api/v1/overview');
    expect(r.status, r.text).toBe(200);
    return r.body;
  }

  beforeAll(async () => {
    p = await startApiPlatform({ 'presence-sweep-ms': '3600000' }, { pg });
    // Noon China time, so that "today" has room on both sides.
    const { start } = dayBounds(cstDay(p.clock.now));
    p.clock.advance(start + 12 * 3_600_000 - p.clock.now);
    sinceMidnight = p.clock.now - start;
    const store = p.platform.data.store;
    siteA = (await p.api.call('POST', '/api/v1/sites', { body: { name: '甲工地' } })).body.id;
    siteB = (await p.api.call('POST', '/api/v1/sites', { body: { name: '乙工地' } })).body.id;
    otherVendor = (await p.platform.data.vendors.create('乙厂商')).vendorId;
    const now = p.clock.now;
    const a1 = await insertDevice(store, p.creds.vendorId, siteA, { sn: 'OV-A1', createdAt: now });
    // Failures on one of the site's two devices, none on the other: both are summed at once.
    const a2 = await insertDevice(store, p.creds.vendorId, siteA, { sn: 'OV-A2', createdAt: now });
    const b1 = await insertDevice(store, otherVendor, siteB, { sn: 'OV-B1', createdAt: now });
    await insertDevice(store, otherVendor, null, { sn: 'OV-FREE', createdAt: now });
    const row = (personId: string, deviceId: string, state: 'failed' | 'refused' | 'on_device') => ({
      personId,
      deviceId,
      state,
      reason: state === 'on_device' ? null : 'photo refused',
      taskId: null,
      updatedAt: now,
    });
    await store.distribution.upsert([
      row('P-1', a2.id, 'failed'),
      row('P-2', a2.id, 'refused'),
      row('P-3', a1.id, 'on_device'),
      row('P-1', b1.id, 'on_device'),
    ]);
    await store.roster.addDiffs([
      {
        id: randomUUID(),
        deviceId: b1.id,
        taskId: 'T-1',
        personId: 'P-9',
        kind: 'extra',
        foundAt: now,
        repairedBy: null,
      },
    ]);
    device = await TestDevice.tcp(p.platform.tcpPort, 'OV-A1', p.creds, () => p.clock.now);
    expect((await device.auth()).success).toBe(true);
    for (const [personId, recordTime] of [
      ['P-1', now - 3_000],
      ['P-2', now - 20_000],
      ['P-3', now - sinceMidnight - 60_000], // yesterday, China time
    ] as const) {
      const a = await device.signIn({ personId, type: 1, recordTime });
      expect(a.success, JSON.stringify(a)).toBe(true);
    }
  });
  afterAll(async () => {
    device?.close();
    await p?.stop();
  });

  it('gives each site its devices, today’s clock-ins and p95, failures and differences, with totals', async () => {
    const o = await overview(p.api);
    expect(o.day).toBe(cstDay(p.clock.now));
    expect(o.uploadLimitMs).toBe(10_000);
    expect(o.sites).toEqual([
      {
        siteId: siteA,
        name: '甲工地',
        devicesOnline: 1,
        devicesOffline: 1,
        clockInsToday: 2,
        uploadDelayP95Ms: 20_000,
        distributionFailures: 2,
        devicesWithDifferences: 0,
      },
      {
        siteId: siteB,
        name: '乙工地',
        devicesOnline: 0,
        devicesOffline: 1,
        clockInsToday: 0,
        uploadDelayP95Ms: null,
        distributionFailures: 0,
        devicesWithDifferences: 1,
      },
    ]);
    expect(o.unassigned).toEqual({
      devicesOnline: 0,
      devicesOffline: 1,
      distributionFailures: 0,
      devicesWithDifferences: 0,
    });
    expect(o.totals).toEqual({
      devicesOnline: 1,
      devicesOffline: 3,
      clockInsToday: 2,
      uploadDelayP95Ms: 20_000,
      distributionFailures: 2,
      devicesWithDifferences: 1,
      sites: 2,
    });
    expect(await overview(await account('ov-auditor', { role: 'auditor' }))).toEqual(o);
  });

  it('confines a site manager to its sites and a vendor to its devices', async () => {
    const mgr = await overview(await account('ov-manager', { role: 'site_manager', siteIds: [siteB] }));
    expect(mgr.sites.map((s: Json) => s.siteId)).toEqual([siteB]);
    expect(mgr.totals).toMatchObject({ devicesOnline: 0, devicesOffline: 1, clockInsToday: 0, sites: 1 });
    expect(mgr.unassigned.devicesOffline).toBe(0);

    const ven = await overview(await account('ov-vendor', { role: 'vendor', vendorId: p.creds.vendorId }));
    expect(ven.sites).toEqual([
      expect.objectContaining({
        siteId: siteA,
        name: null,
        devicesOnline: 1,
        devicesOffline: 1,
        clockInsToday: 2,
      }),
    ]);
    expect(ven.unassigned.devicesOffline).toBe(0);

    const other = await overview(await account('ov-vendor-b', { role: 'vendor', vendorId: otherVendor }));
    expect(other.sites).toEqual([expect.objectContaining({ siteId: siteB, devicesWithDifferences: 1 })]);
    expect(other.unassigned.devicesOffline).toBe(1);
  });

  it('needs a login', async () => {
    expect((await p.api.call('GET', '/api/v1/overview', { token: null })).status).toBe(401);
  });
});

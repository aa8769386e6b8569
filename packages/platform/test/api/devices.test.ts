/**
 * /api/v1/devices over real HTTP on every backend: registration, scope (a vendor sees
 * its devices, a site manager its sites'; 404 outside), sns shared by vendors, kind,
 * direction, capacity, disable (the device's next C_AUTH is refused, over TCP), live
 * status from the gateway (while the store's snapshot still says offline), the event
 * log and keyset pages.
 */

import { TestDevice } from '@kaoqin/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

describe.each(BACKENDS)('devices API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let vendorB: string;
  let siteA: string;
  let siteB: string;
  let asVendor: ApiClient;
  let asManager: ApiClient;
  let asAuditor: ApiClient;
  const sockets: TestDevice[] = [];

  async function account(username: string, body: object): Promise<ApiClient> {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, ...body } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }

  async function register(body: object): Promise<Json> {
    const r = await p.api.call('POST', '/api/v1/devices', { body });
    expect(r.status, r.text).toBe(201);
    return r.body;
  }

  async function all(client: ApiClient, query: string): Promise<Json[]> {
    const out: Json[] = [];
    let cursor: string | null = null;
    do {
      const sep = query.includes('?') ? '&' : '?';
      const r: Json = await client.call('GET', `${query}${cursor ? `${sep}cursor=${cursor}` : ''}`);
      expect(r.status, r.text).toBe(200);
      out.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    return out;
  }

  beforeAll(async () => {
    // The sweep that writes presence to the store never runs during the test: live status
    // must come from the gateway.
    p = await startApiPlatform({ 'presence-sweep-ms': '3600000' }, { pg });
    vendorB = (await p.platform.data.vendors.create('乙厂商')).vendorId;
    siteA = (await p.platform.data.persons.createSite('甲工地')).id;
    siteB = (await p.platform.data.persons.createSite('乙工地')).id;
    asVendor = await account('dev-vendor', { role: 'vendor', vendorId: p.creds.vendorId });
    asManager = await account('dev-manager', { role: 'site_manager', siteIds: [siteA] });
    asAuditor = await account('dev-auditor', { role: 'auditor' });
    await register({ vendorId: p.creds.vendorId, sn: 'A-1', siteId: siteA, kind: 'gate', direction: 'in' });
    await register({ vendorId: p.creds.vendorId, sn: 'A-2' });
    await register({ vendorId: vendorB, sn: 'B-1', siteId: siteB, kind: 'iris' });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => p.stop());

  it('pre-registers a device with kind, direction, capacity and site; refuses a duplicate and unknown vendors', async () => {
    const r = await p.api.call('POST', '/api/v1/devices', {
      body: { vendorId: p.creds.vendorId, sn: 'REG-1', kind: 'capture', direction: 'out', faceCapacity: 500 },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/devices/REG-1?vendorId=${p.creds.vendorId}`);
    expect(r.body).toMatchObject({
      sn: 'REG-1',
      vendorId: p.creds.vendorId,
      kind: 'capture',
      direction: 'out',
      faceCapacity: 500,
      faceCapacityIsDefault: false,
      siteId: null,
      registeredBy: 'operator',
      online: false,
      disabled: false,
    });
    expect(r.body.createdAt).toMatch(/\+08:00$/);
    const got = await p.api.call('GET', '/api/v1/devices/REG-1');
    expect(got.body).toEqual(r.body);
    const plain = await register({ vendorId: p.creds.vendorId, sn: 'REG-2' });
    expect(plain).toMatchObject({
      kind: 'face',
      direction: 'both',
      faceCapacity: 10_000,
      faceCapacityIsDefault: true,
    });

    const dup = await p.api.call('POST', '/api/v1/devices', {
      body: { vendorId: p.creds.vendorId, sn: 'REG-1' },
    });
    expect(dup.status).toBe(409);
    const noVendor = await p.api.call('POST', '/api/v1/devices', { body: { vendorId: 'nope', sn: 'X' } });
    expect(noVendor.status).toBe(400);
    expect(noVendor.body.errors).toEqual([{ path: 'body.vendorId', message: 'no such vendor' }]);
    const badKind = await p.api.call('POST', '/api/v1/devices', {
      body: { vendorId: p.creds.vendorId, sn: 'X', kind: 'toaster' },
    });
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors[0].path).toBe('body.kind');
    expect(
      (await asManager.call('POST', '/api/v1/devices', { body: { vendorId: vendorB, sn: 'M' } })).status,
    ).toBe(403);

    const audit = await p.api.call('GET', '/api/v1/audit?action=device.create&limit=50');
    expect(audit.body.items.map((a: Json) => a.detail.sn)).toContain('REG-1');
  });

  it('lists within the caller’s scope: a vendor its devices, a site manager its sites’', async () => {
    const sns = async (c: ApiClient, q = '/api/v1/devices?limit=500') =>
      (await all(c, q)).map((d) => d.sn).sort();
    const everyone = await sns(p.api);
    expect(everyone).toEqual(expect.arrayContaining(['A-1', 'A-2', 'B-1']));
    expect(await sns(asAuditor)).toEqual(everyone);
    const vendor = await sns(asVendor);
    expect(vendor).toEqual(expect.arrayContaining(['A-1', 'A-2']));
    expect(vendor).not.toContain('B-1');
    expect(await sns(asManager)).toEqual(['A-1']);
    // A vendor's filter cannot widen its scope.
    expect(await sns(asVendor, `/api/v1/devices?vendorId=${vendorB}`)).toEqual([]);
  });

  it('filters by site, unassigned, vendor, kind, disabled and sn prefix', async () => {
    const sns = async (q: string) => (await all(p.api, `/api/v1/devices?${q}`)).map((d) => d.sn).sort();
    expect(await sns(`siteId=${siteA}`)).toEqual(['A-1']);
    expect(await sns('unassigned=true&sn=A-')).toEqual(['A-2']);
    expect(await sns(`vendorId=${vendorB}`)).toEqual(['B-1']);
    expect(await sns('kind=iris')).toEqual(['B-1']);
    expect(await sns('sn=A-')).toEqual(['A-1', 'A-2']);
    expect(await sns('sn=a-')).toEqual([]);
    expect(await sns('disabled=true')).toEqual([]);
    const both = await p.api.call('GET', `/api/v1/devices?siteId=${siteA}&unassigned=true`);
    expect(both.status).toBe(400);
  });

  it('pages in id order with a stable cursor, one device a page', async () => {
    const whole = (await p.api.call('GET', '/api/v1/devices?limit=500')).body.items.map(
      (d: Json) => d.deviceId,
    );
    const paged = (await all(p.api, '/api/v1/devices?limit=1')).map((d) => d.deviceId);
    expect(paged).toEqual(whole);
    expect([...whole].sort()).toEqual(whole);
  });

  it('answers 404 for a device outside the caller’s scope, 403 for a role that may never write', async () => {
    expect((await asManager.call('GET', '/api/v1/devices/B-1')).status).toBe(404);
    expect((await asManager.call('GET', '/api/v1/devices/A-2')).status).toBe(404);
    expect((await asVendor.call('GET', '/api/v1/devices/B-1')).status).toBe(404);
    expect((await asManager.call('PATCH', '/api/v1/devices/B-1', { body: { kind: 'qr' } })).status).toBe(404);
    expect((await asManager.call('GET', '/api/v1/devices/A-1')).body.kind).toBe('gate');
    expect((await asVendor.call('PATCH', '/api/v1/devices/A-1', { body: { kind: 'qr' } })).status).toBe(403);
    expect((await asAuditor.call('POST', '/api/v1/devices/A-1/resync')).status).toBe(403);
    expect((await p.api.call('GET', '/api/v1/devices/NO-SUCH')).status).toBe(404);
  });

  it('asks for vendorId when two vendors’ devices share an sn', async () => {
    await register({ vendorId: p.creds.vendorId, sn: 'SHARED-1' });
    await register({ vendorId: vendorB, sn: 'SHARED-1', kind: 'qr' });
    const ambiguous = await p.api.call('GET', '/api/v1/devices/SHARED-1');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.detail).toContain('vendorId');
    const b = await p.api.call('GET', `/api/v1/devices/SHARED-1?vendorId=${vendorB}`);
    expect(b.body).toMatchObject({ vendorId: vendorB, kind: 'qr' });
    // Within a vendor's scope the sn names one device.
    expect((await asVendor.call('GET', '/api/v1/devices/SHARED-1')).body.vendorId).toBe(p.creds.vendorId);
  });

  it('patches kind, direction and face capacity (the store the engine reads), and back to the default', async () => {
    const r = await asManager.call('PATCH', '/api/v1/devices/A-1', {
      body: { kind: 'face', direction: 'out', faceCapacity: 2 },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      kind: 'face',
      direction: 'out',
      faceCapacity: 2,
      faceCapacityIsDefault: false,
    });
    const id = r.body.deviceId as string;
    expect((await p.platform.data.store.deviceTasks.taskFields(id))?.faceCapacity).toBe(2);
    const back = await p.api.call('PATCH', '/api/v1/devices/A-1', { body: { faceCapacity: null } });
    expect(back.body).toMatchObject({ faceCapacity: 10_000, faceCapacityIsDefault: true });
    expect((await p.platform.data.store.deviceTasks.taskFields(id))?.faceCapacity).toBeNull();
    const bad = await p.api.call('PATCH', '/api/v1/devices/A-1', { body: { faceCapacity: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('body.faceCapacity');
  });

  it('shows live status from the gateway after C_AUTH and a heartbeat, before the store knows', async () => {
    const dev = await TestDevice.tcp(p.platform.tcpPort, 'LIVE-1', p.creds, () => p.clock.now);
    sockets.push(dev);
    expect((await dev.auth()).success).toBe(true);
    expect((await dev.heartbeat()).success).toBe(true);
    const r = await p.api.call('GET', '/api/v1/devices/LIVE-1');
    expect(r.body).toMatchObject({ online: true, connected: true, registeredBy: 'auto', kind: 'face' });
    expect(r.body.lastSeenAt).toBe(new Date(p.clock.now + 8 * 3600_000).toISOString().replace('Z', '+08:00'));
    // The store's snapshot lags: the presence sweep has not written it.
    expect((await p.platform.data.store.devices.byId(r.body.deviceId))?.online).toBe(false);
    const online = (await all(p.api, '/api/v1/devices?online=true&limit=1')).map((d) => d.sn);
    expect(online).toEqual(['LIVE-1']);
    const offline = (await all(p.api, '/api/v1/devices?online=false')).map((d) => d.sn);
    expect(offline).not.toContain('LIVE-1');
    expect(offline).toContain('A-1');
    dev.close();
    await dev.closed;
    // Closing the socket ends the connection at once; presence lasts 60 s after the last request (2.2).
    await expect
      .poll(async () => (await p.api.call('GET', '/api/v1/devices/LIVE-1')).body.connected)
      .toBe(false);
    p.clock.advance(61_000);
    p.platform.presence.sweep(p.clock.now);
    expect((await p.api.call('GET', '/api/v1/devices/LIVE-1')).body.online).toBe(false);
  });

  it('disables a device: its next C_AUTH is refused (490_04) until it is enabled again; the log says so', async () => {
    // Each step a second apart: the log is ordered by time.
    const step = () => p.clock.advance(1000);
    const first = await TestDevice.tcp(p.platform.tcpPort, 'A-2', p.creds, () => p.clock.now);
    sockets.push(first);
    expect((await first.auth()).success).toBe(true);
    step();
    const off = await p.api.call('PATCH', '/api/v1/devices/A-2', { body: { disabled: true } });
    expect(off.status, off.text).toBe(200);
    expect(off.body.disabled).toBe(true);
    step();
    // The open connection's next request is refused too (its token's device is disabled).
    const hb = await first.heartbeat();
    expect(hb.success).toBe(false);
    step();
    const again = await TestDevice.tcp(p.platform.tcpPort, 'A-2', p.creds, () => p.clock.now);
    sockets.push(again);
    const refused = await again.auth();
    expect(refused.success).toBe(false);
    expect(refused.error?.errorcode).toBe('490_04');
    expect((await all(p.api, '/api/v1/devices?disabled=true')).map((d) => d.sn)).toEqual(['A-2']);

    step();
    expect(
      (await p.api.call('PATCH', '/api/v1/devices/A-2', { body: { disabled: false } })).body.disabled,
    ).toBe(false);
    step();
    const back = await TestDevice.tcp(p.platform.tcpPort, 'A-2', p.creds, () => p.clock.now);
    sockets.push(back);
    expect((await back.auth()).success).toBe(true);

    const events = await all(p.api, '/api/v1/devices/A-2/events?limit=1');
    const kinds = events.map((e) => e.kind);
    expect(kinds.slice(0, 3)).toEqual(['enabled', 'auth_failed', 'disabled']);
    expect(kinds).toContain('registered');
    expect(kinds).toContain('auth_failed');
    expect(events.find((e) => e.kind === 'auth_failed').code).toBe('490_04');
    const times = events.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await asVendor.call('GET', '/api/v1/devices/A-2/events')).status).toBe(200);
    expect((await asManager.call('GET', '/api/v1/devices/A-2/events')).status).toBe(404);
  });
});

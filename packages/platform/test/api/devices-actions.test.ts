/**
 * Actions on one device and its distribution, over real HTTP on every backend: bind
 * (tasks queued and pushed to the connected device over TCP), unbind (cleared, out of
 * the site manager's scope), resync, clear, reconcile, repair, and the distribution view
 * (counts, reported counts, failures with reasons, keyset pages by state).
 */

import { face, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { validIdNumber } from '../helpers/roster.js';

describe.each(BACKENDS)('device actions API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  let asManager: ApiClient;
  let asVendor: ApiClient;
  let tcp: TestDevice;

  async function account(username: string, body: object): Promise<ApiClient> {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, ...body } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }

  const tasksOf = async (sn: string): Promise<Json[]> =>
    (await p.api.call('GET', `/api/v1/tasks?deviceSn=${sn}&limit=500`)).body.items;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = (await p.platform.data.persons.createSite('甲工地')).id;
    siteB = (await p.platform.data.persons.createSite('乙工地')).id;
    asManager = await account('act-manager', { role: 'site_manager', siteIds: [siteA] });
    asVendor = await account('act-vendor', { role: 'vendor', vendorId: p.creds.vendorId });
    tcp = await TestDevice.tcp(p.platform.tcpPort, 'ACT-1', p.creds, () => p.clock.now);
    expect((await tcp.auth()).success).toBe(true);
  });
  afterAll(async () => {
    tcp.close();
    await p.stop();
  });

  it('binds a device to a site: clear, then the roster, pushed to the connected device', async () => {
    // An unassigned device is outside a site manager's scope: operators bind it first.
    expect(
      (await asManager.call('POST', '/api/v1/devices/ACT-1/bind', { body: { siteId: siteA } })).status,
    ).toBe(404);
    const r = await p.api.call('POST', '/api/v1/devices/ACT-1/bind', { body: { siteId: siteA } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.device).toMatchObject({ sn: 'ACT-1', siteId: siteA, online: true, connected: true });
    expect(r.body).toMatchObject({ taskId: expect.stringMatching(/^\d{19}$/), queued: 0, refused: 0 });
    const tasks = await tasksOf('ACT-1');
    expect(tasks.map((t) => t.apicode)).toEqual(['T_SEND_PERSON', 'T_CLEAR_DEVICE_PERSON']);
    expect(tasks[0]).toMatchObject({ taskId: r.body.taskId, siteId: siteA, sn: 'ACT-1' });
    // D3: the connected device is offered the new tasks at once (in one push or, under load, two).
    const pushed = new Set<string>();
    while (pushed.size < 2) {
      const push = await tcp.next(3000);
      expect(push.apicode).toBe('C_HEARTBEAT');
      for (const id of (push.response as { taskids: string[] }).taskids) pushed.add(id);
    }
    expect([...pushed].sort()).toEqual(tasks.map((t) => t.taskId).sort());
    // The gateway's cache follows: the device's site is the new one without waiting for a refresh.
    expect(p.platform.data.devices.cachedById(r.body.device.deviceId)?.siteId).toBe(siteA);
    const audit = await p.api.call('GET', '/api/v1/audit?action=device.bind&limit=1');
    expect(audit.body.items[0]).toMatchObject({ siteId: siteA, resourceId: r.body.device.deviceId });
  });

  it('lets a site manager act on its sites’ devices, and bind only to its own sites', async () => {
    expect(
      (await asManager.call('POST', '/api/v1/devices/ACT-1/bind', { body: { siteId: siteB } })).status,
    ).toBe(404);
    expect(
      (await asManager.call('POST', '/api/v1/devices/ACT-1/bind', { body: { siteId: 'nope' } })).status,
    ).toBe(404);
    expect(
      (await p.api.call('POST', '/api/v1/devices/ACT-1/bind', { body: { siteId: 'nope' } })).status,
    ).toBe(404);
    const resync = await asManager.call('POST', '/api/v1/devices/ACT-1/resync');
    expect(resync.status, resync.text).toBe(200);
    const tasks = await tasksOf('ACT-1');
    // The resync's clear and send; the earlier send is superseded (its delta is moot).
    expect(tasks.slice(0, 2).map((t) => t.apicode)).toEqual(['T_SEND_PERSON', 'T_CLEAR_DEVICE_PERSON']);
    expect(tasks[0].taskId).toBe(resync.body.taskId);
    expect(tasks.slice(2).find((t) => t.apicode === 'T_SEND_PERSON').state).toBe('superseded');
    expect((await asVendor.call('POST', '/api/v1/devices/ACT-1/resync')).status).toBe(403);
  });

  it('clears, asks for the roster (reconcile) and repairs what reconciliation found', async () => {
    const clear = await p.api.call('POST', '/api/v1/devices/ACT-1/clear');
    expect(clear.status, clear.text).toBe(200);
    expect((await p.api.call('GET', `/api/v1/tasks/${clear.body.taskId}`)).body.apicode).toBe(
      'T_CLEAR_DEVICE_PERSON',
    );

    const rec = await p.api.call('POST', '/api/v1/devices/ACT-1/reconcile', {
      body: { excludeFields: 'img,phone' },
    });
    expect(rec.status, rec.text).toBe(200);
    const task = (await p.api.call('GET', `/api/v1/tasks/${rec.body.taskId}`)).body;
    expect(task).toMatchObject({ apicode: 'T_POST_DEVICE_PERSON', param: { excludeFields: 'img,phone' } });
    const byDefault = await p.api.call('POST', '/api/v1/devices/ACT-1/reconcile');
    expect(byDefault.body.excludeFields).toBe('img');

    const device = (await p.api.call('GET', '/api/v1/devices/ACT-1')).body;
    await p.platform.data.store.roster.addDiffs([
      {
        id: '1',
        deviceId: device.deviceId,
        taskId: rec.body.taskId,
        personId: 'stranger-1',
        kind: 'extra',
        foundAt: p.clock.now,
        repairedBy: null,
      },
    ]);
    const dist = await p.api.call('GET', '/api/v1/devices/ACT-1/distribution');
    expect(dist.body.openDifferences).toEqual({ missing: 0, extra: 1 });
    const repair = await asManager.call('POST', '/api/v1/devices/ACT-1/repair');
    expect(repair.body).toEqual({ missing: 0, extra: 1 });
    expect((await tasksOf('ACT-1'))[0].apicode).toBe('T_DEL_DEVICE_PERSON');
    expect((await p.api.call('GET', '/api/v1/devices/ACT-1/distribution')).body.openDifferences).toEqual({
      missing: 0,
      extra: 0,
    });
  });

  it('shows the distribution: counts by state, reported counts, failures with reasons, pages by state', async () => {
    const device = (await p.api.call('GET', '/api/v1/devices/ACT-1')).body;
    const now = p.clock.now;
    const row = (
      personId: string,
      state: 'on_device' | 'failed' | 'pending',
      reason: string | null = null,
    ) => ({
      personId,
      deviceId: device.deviceId,
      state,
      reason,
      taskId: null,
      updatedAt: now,
    });
    await p.platform.data.store.distribution.upsert([
      row('p3', 'failed', '2002 photo quality too low'),
      row('p1', 'failed', '2001 no face in photo'),
      row('p2', 'on_device'),
      row('p4', 'pending'),
      row('p5', 'on_device'),
    ]);
    await p.platform.data.store.deviceTasks.setReported(device.deviceId, 2, 3, now);
    const r = await p.api.call('GET', '/api/v1/devices/ACT-1/distribution?state=failed');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      sn: 'ACT-1',
      siteId: siteA,
      faceCapacity: 10_000,
      expectedPersons: 3,
      reportedPersonCount: 2,
      reportedFaceCount: 3,
      states: { failed: 2, on_device: 2, pending: 1 },
      nextCursor: null,
    });
    expect(r.body.reportedAt).toMatch(/\+08:00$/);
    expect(r.body.items.map((i: Json) => [i.personId, i.reason])).toEqual([
      ['p1', '2001 no face in photo'],
      ['p3', '2002 photo quality too low'],
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await p.api.call(
        'GET',
        `/api/v1/devices/ACT-1/distribution?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((i: Json) => `${i.state}:${i.personId}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    // stranger-1 is being removed by the repair above.
    expect(seen).toEqual([
      'failed:p1',
      'failed:p3',
      'on_device:p2',
      'on_device:p5',
      'pending:p4',
      'removing:stranger-1',
    ]);
    expect((await asVendor.call('GET', '/api/v1/devices/ACT-1/distribution')).status).toBe(200);
    const bad = await p.api.call('GET', '/api/v1/devices/ACT-1/distribution?state=lost');
    expect(bad.body.errors[0].path).toBe('query.state');
  });

  it('sends the persons assigned to the site, within the face capacity; a raised capacity and a resync send the rest', async () => {
    const site = (await p.platform.data.persons.createSite('丙工地')).id;
    for (let i = 0; i < 3; i++)
      await p.platform.data.persons.add({
        siteId: site,
        name: `工人${i}`,
        idNumber: validIdNumber(),
        photos: [await face()],
      });
    const reg = await p.api.call('POST', '/api/v1/devices', {
      body: { vendorId: p.creds.vendorId, sn: 'CAP-1', faceCapacity: 2 },
    });
    expect(reg.status, reg.text).toBe(201);
    const bound = await p.api.call('POST', '/api/v1/devices/CAP-1/bind', { body: { siteId: site } });
    expect(bound.body).toMatchObject({ queued: 2, refused: 1 });
    const refused = await p.api.call('GET', '/api/v1/devices/CAP-1/distribution?state=refused');
    expect(refused.body.items).toEqual([
      expect.objectContaining({ state: 'refused', reason: 'capacity: the device holds at most 2 faces' }),
    ]);
    expect(refused.body).toMatchObject({
      faceCapacity: 2,
      expectedPersons: 2,
      states: { pending: 2, refused: 1 },
    });
    expect((await p.api.call('PATCH', '/api/v1/devices/CAP-1', { body: { faceCapacity: 5 } })).status).toBe(
      200,
    );
    const resync = await p.api.call('POST', '/api/v1/devices/CAP-1/resync');
    expect(resync.body).toMatchObject({ queued: 3, refused: 0 });
    const task = (await p.api.call('GET', `/api/v1/tasks/${resync.body.taskId}`)).body;
    expect(task).toMatchObject({ apicode: 'T_SEND_PERSON', total: 3, param: { total: 3 } });
  });

  it('unbinds a device: it is cleared and leaves the site manager’s scope', async () => {
    const r = await asManager.call('POST', '/api/v1/devices/ACT-1/unbind');
    expect(r.status, r.text).toBe(200);
    expect(r.body.device.siteId).toBeNull();
    expect((await p.api.call('GET', `/api/v1/tasks/${r.body.taskId}`)).body).toMatchObject({
      apicode: 'T_CLEAR_DEVICE_PERSON',
      state: expect.stringMatching(/^(queued|offered)$/),
    });
    // The persons it held are being removed.
    const dist = await p.api.call('GET', '/api/v1/devices/ACT-1/distribution?state=removing');
    expect(dist.body.items.map((i: Json) => i.personId).sort()).toEqual([
      'p1',
      'p2',
      'p3',
      'p4',
      'p5',
      'stranger-1',
    ]);
    expect(p.platform.data.devices.cachedById(r.body.device.deviceId)?.siteId).toBeNull();
    expect((await asManager.call('GET', '/api/v1/devices/ACT-1')).status).toBe(404);
    expect((await p.api.call('POST', '/api/v1/devices/ACT-1/unbind')).status).toBe(409);
    expect((await p.api.call('POST', '/api/v1/devices/ACT-1/resync')).status).toBe(409);
  });
});

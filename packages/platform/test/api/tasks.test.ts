/**
 * /api/v1/tasks over real HTTP on every backend: filters, newest-first keyset pages,
 * scope (a vendor its devices' tasks, a site manager its sites'), and cancel: the task
 * becomes `cancelled`, the device is answered 490_07 for it over HTTP and no longer
 * offered it, and the persons it carried are failed with the reason.
 */

import { HttpDevice, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

describe.each(BACKENDS)('tasks API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  let asManagerB: ApiClient;
  let asOtherVendor: ApiClient;
  let asVendor: ApiClient;
  let tcp: TestDevice;
  let http: HttpDevice;
  let deviceId: string;
  let bindAt: number;

  async function account(username: string, body: object): Promise<ApiClient> {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, ...body } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }

  const list = async (client: ApiClient, query: string): Promise<Json[]> => {
    const r = await client.call('GET', `/api/v1/tasks?${query}`);
    expect(r.status, r.text).toBe(200);
    return r.body.items;
  };

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = (await p.platform.data.persons.createSite('甲工地')).id;
    siteB = (await p.platform.data.persons.createSite('乙工地')).id;
    const other = await p.platform.data.vendors.create('乙厂商');
    asManagerB = await account('task-manager-b', { role: 'site_manager', siteIds: [siteB] });
    asOtherVendor = await account('task-vendor-b', { role: 'vendor', vendorId: other.vendorId });
    asVendor = await account('task-vendor', { role: 'vendor', vendorId: p.creds.vendorId });
    tcp = await TestDevice.tcp(p.platform.tcpPort, 'TASK-1', p.creds, () => p.clock.now);
    expect((await tcp.auth()).success).toBe(true);
    http = new HttpDevice(`http://127.0.0.1:${p.platform.httpPort}`, 'TASK-1', p.creds, tcp.token);
    bindAt = p.clock.now;
    const bound = await p.api.call('POST', '/api/v1/devices/TASK-1/bind', { body: { siteId: siteA } });
    expect(bound.status, bound.text).toBe(200);
    deviceId = bound.body.device.deviceId;
    await pushes(2);
    p.clock.advance(60_000);
    expect((await p.api.call('POST', '/api/v1/devices/TASK-1/reconcile')).status).toBe(200);
    await pushes(1);
  });

  /** Waits for D3 pushes of `n` task ids: the tasks are then `offered`, whatever the timing. */
  async function pushes(n: number): Promise<void> {
    const ids = new Set<string>();
    while (ids.size < n) {
      const a = await tcp.next(3000);
      for (const id of (a.response as { taskids: string[] }).taskids) ids.add(id);
    }
  }
  afterAll(async () => {
    tcp.close();
    await p.stop();
  });

  it('lists tasks newest first with the device, filtered by device, site, apicode, state and time', async () => {
    const all = await list(p.api, 'limit=500');
    expect(all.map((t) => t.apicode)).toEqual([
      'T_POST_DEVICE_PERSON',
      'T_SEND_PERSON',
      'T_CLEAR_DEVICE_PERSON',
    ]);
    expect(all[0]).toMatchObject({
      deviceId,
      sn: 'TASK-1',
      vendorId: p.creds.vendorId,
      siteId: siteA,
      state: 'offered',
      param: { excludeFields: 'img' },
      total: 0,
      reason: null,
      fetchedAt: null,
    });
    expect(all[0].taskId).toMatch(/^\d{19}$/);
    expect(all[0].createdAt).toMatch(/\+08:00$/);
    expect((await list(p.api, 'deviceSn=TASK-1')).length).toBe(3);
    expect((await list(p.api, `deviceId=${deviceId}`)).length).toBe(3);
    expect((await list(p.api, 'deviceSn=NOPE')).length).toBe(0);
    expect((await list(p.api, `siteId=${siteA}`)).length).toBe(3);
    expect((await list(p.api, `siteId=${siteB}`)).length).toBe(0);
    expect((await list(p.api, 'apicode=T_SEND_PERSON')).map((t) => t.apicode)).toEqual(['T_SEND_PERSON']);
    expect((await list(p.api, 'state=offered')).length).toBe(3);
    expect((await list(p.api, 'state=queued')).length).toBe(0);
    expect((await list(p.api, 'state=done')).length).toBe(0);
    const since = encodeURIComponent(new Date(bindAt + 30_000).toISOString());
    expect((await list(p.api, `since=${since}`)).map((t) => t.apicode)).toEqual(['T_POST_DEVICE_PERSON']);
    expect((await list(p.api, `until=${since}`)).length).toBe(2);
    expect((await p.api.call('GET', '/api/v1/tasks?apicode=C_AUTH')).status).toBe(400);
    expect((await p.api.call('GET', '/api/v1/tasks?state=lost')).status).toBe(400);
  });

  it('pages newest first with a cursor', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Json = await p.api.call('GET', `/api/v1/tasks?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...r.body.items.map((t: Json) => t.taskId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual((await list(p.api, 'limit=500')).map((t) => t.taskId));
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  it('confines tasks to the caller’s devices: 404 for one outside', async () => {
    const [newest] = await list(p.api, 'limit=1');
    expect((await list(asVendor, 'limit=500')).length).toBe(3);
    expect(await list(asOtherVendor, 'limit=500')).toEqual([]);
    expect(await list(asManagerB, 'limit=500')).toEqual([]);
    expect(await list(asManagerB, `siteId=${siteA}`)).toEqual([]);
    expect((await asManagerB.call('GET', `/api/v1/tasks/${newest.taskId}`)).status).toBe(404);
    expect((await asOtherVendor.call('GET', `/api/v1/tasks/${newest.taskId}`)).status).toBe(404);
    expect((await asVendor.call('GET', `/api/v1/tasks/${newest.taskId}`)).body.taskId).toBe(newest.taskId);
    expect((await asManagerB.call('POST', `/api/v1/tasks/${newest.taskId}/cancel`)).status).toBe(404);
    expect((await asVendor.call('POST', `/api/v1/tasks/${newest.taskId}/cancel`)).status).toBe(403);
    expect((await p.api.call('GET', '/api/v1/tasks/0000000000000000000')).status).toBe(404);
  });

  it('cancels an open task: the device gets 490_07 for it, and its persons fail with the reason', async () => {
    const [send] = await list(p.api, 'apicode=T_SEND_PERSON');
    // A person the send carried, as the engine would have recorded it.
    await p.platform.data.store.distribution.upsert([
      {
        personId: 'w-1',
        deviceId,
        state: 'pending',
        reason: null,
        taskId: send.taskId,
        updatedAt: p.clock.now,
      },
    ]);
    const r = await p.api.call('POST', `/api/v1/tasks/${send.taskId}/cancel`, {
      body: { reason: 'wrong site' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      taskId: send.taskId,
      state: 'cancelled',
      reason: 'cancelled by admin: wrong site',
    });
    expect(r.body.finishedAt).toMatch(/\+08:00$/);

    const page = await http.call('T_SEND_PERSON', {
      taskid: send.taskId,
      param: { currentPage: 1, size: 10 },
    });
    expect(page.success).toBe(false);
    expect(page.error?.errorcode).toBe('490_07');
    const offered = await http.call('T_GET_TASKS', { param: { taskids: [send.taskId] }, paramForm: 'text' });
    expect((offered.response as { tasks: unknown[] }).tasks).toEqual([]);

    const dist = await p.api.call('GET', '/api/v1/devices/TASK-1/distribution?state=failed');
    expect(dist.body.items).toEqual([
      expect.objectContaining({ personId: 'w-1', state: 'failed', reason: 'cancelled by admin: wrong site' }),
    ]);
    const again = await p.api.call('POST', `/api/v1/tasks/${send.taskId}/cancel`);
    expect(again.status).toBe(409);
    expect((await list(p.api, 'state=cancelled')).map((t) => t.taskId)).toEqual([send.taskId]);
    const audit = await p.api.call('GET', '/api/v1/audit?action=task.cancel&limit=1');
    expect(audit.body.items[0]).toMatchObject({ resourceId: send.taskId, siteId: siteA });
  });

  it('lets a site manager of the device’s site cancel without a body', async () => {
    const asManagerA = await account('task-manager-a', { role: 'site_manager', siteIds: [siteA] });
    const [rec] = await list(p.api, 'apicode=T_POST_DEVICE_PERSON');
    const r = await asManagerA.call('POST', `/api/v1/tasks/${rec.taskId}/cancel`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ state: 'cancelled', reason: 'cancelled by task-manager-a' });
  });
});

/**
 * §1.1(7) 一次采集，多台设备使用 over real HTTP and real device connections, on every
 * backend: a person captured once and assigned to two sites reaches the devices of both
 * (pushed over TCP, paged and photo downloaded over HTTP, the same photo bytes); ending
 * one assignment deletes them from that site's devices only; a second enrolment of the
 * same ID number is refused and the existing person assigned instead; a leave date in
 * the future is ended by the periodic job on that day; a new photo reaches every site.
 */
import { createHash } from 'node:crypto';
import { face, HttpDevice, idNumber, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRow } from '../../src/store/index.js';
import { ADMIN_PASSWORD, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const DAY = 24 * 60 * 60_000;

interface Rig {
  tcp: TestDevice;
  http: HttpDevice;
  device: DeviceRow;
}

type Task = { taskid: string; apicode: string; param: string };

describe.each(BACKENDS)('persons on several sites ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  let a: Rig;
  let b: Rig;

  /** The task ids of the next push (D3), within 3 s. */
  async function pushed(d: Rig): Promise<string[]> {
    const answer = await d.tcp.next(3000);
    expect(answer.apicode).toBe('C_HEARTBEAT');
    return (answer.response as { taskids: string[] }).taskids;
  }

  async function tasks(d: Rig, ids: string[]): Promise<Task[]> {
    const r = await d.http.call('T_GET_TASKS', { param: { taskids: ids }, paramForm: 'object' });
    expect(r.success, r.raw).toBe(true);
    return (r.response as { tasks: Task[] }).tasks;
  }

  async function report(d: Rig, taskid: string) {
    const r = await d.http.call('T_UPDATE_TASKS_STATUS', {
      param: { task: [{ taskid, status: 1 }] },
      paramForm: 'object',
    });
    expect(r.success, r.raw).toBe(true);
  }

  /** A device connected, authenticated, bound to the site, its first roster taken and reported. */
  async function rig(sn: string, siteId: string): Promise<Rig> {
    const tcp = await TestDevice.tcp(p.platform.tcpPort, sn, p.creds, () => p.clock.now);
    expect((await tcp.auth()).success).toBe(true);
    const device = (await p.platform.data.devices.find(p.creds.vendorId, sn))!;
    const http = new HttpDevice(`http://127.0.0.1:${p.platform.httpPort}`, sn, p.creds, tcp.token);
    const d = { tcp, http, device };
    await p.platform.data.persons.bindDevice(device.id, siteId);
    const ids = new Set<string>();
    while (ids.size < 2) for (const id of await pushed(d)) ids.add(id);
    for (const id of ids) await report(d, id);
    await drain(d);
    return d;
  }

  /** Reads away pushes still on their way (a push repeats every pending id; under load one change may come in two). */
  async function drain(d: Rig) {
    for (;;) {
      try {
        await d.tcp.next(300);
      } catch {
        return;
      }
    }
  }

  /** A new connection and login: what a device does after a long silence (the old one is idle-closed). */
  async function reconnect(d: Rig) {
    d.tcp.close();
    d.tcp = await TestDevice.tcp(p.platform.tcpPort, d.device.sn, p.creds, () => p.clock.now);
    expect((await d.tcp.auth()).success).toBe(true);
    d.http = new HttpDevice(`http://127.0.0.1:${p.platform.httpPort}`, d.device.sn, p.creds, d.tcp.token);
  }

  /** The one person task the device was pushed: its apicode and first page. */
  async function nextPersonTask(d: Rig) {
    let t: Task | undefined;
    // Ids of tasks already reported may come again in a later push: the open one is wanted.
    while (!t) [t] = await tasks(d, await pushed(d));
    if (t!.apicode === 'T_DEL_DEVICE_PERSON') {
      const del = await d.http.call('T_DEL_DEVICE_PERSON', { taskid: t!.taskid });
      return { task: t!, personIds: (del.response as { personIds: string[] }).personIds, data: [] as Json[] };
    }
    const page = await d.http.call(t!.apicode, { taskid: t!.taskid, param: { currentPage: 1, size: 50 } });
    expect(page.success, page.raw).toBe(true);
    const data = (page.response as { data: Json[] }).data;
    return { task: t!, personIds: data.map((x) => x.personId as string), data };
  }

  const states = async (personId: string) =>
    Object.fromEntries(
      (await p.platform.data.store.distribution.forPerson(personId)).map((d) => [d.deviceId, d.state]),
    );

  beforeAll(async () => {
    p = await startApiPlatform({ 'task-reoffer-after-ms': '60000' }, { pg });
    siteA = (await p.platform.data.persons.createSite('西湖工地')).id;
    siteB = (await p.platform.data.persons.createSite('滨江工地')).id;
    a = await rig('SITE-A-1', siteA);
    b = await rig('SITE-B-1', siteB);
  });
  afterAll(async () => {
    a?.tcp.close();
    b?.tcp.close();
    await p.stop();
  });

  it('captures once and reaches the devices of both sites: the same person id and photo bytes', async () => {
    const photo = await face();
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '两地工人',
        idNumber: idNumber(),
        photos: [b64(photo)],
        assignments: [{ siteId: siteA }, { siteId: siteB, team: '木工班' }],
      },
    });
    expect(r.status, r.text).toBe(201);
    const personId = r.body.personId as string;
    for (const d of [a, b]) {
      const got = await nextPersonTask(d);
      expect(got.task.apicode).toBe('T_UPDATE_DEVICE_PERSON');
      expect(got.data).toEqual([{ personId, name: '两地工人', imgUrls: [expect.any(String)] }]);
      const img = Buffer.from(await (await fetch(got.data[0].imgUrls[0])).arrayBuffer());
      expect(sha256(img)).toBe(sha256(photo));
      await report(d, got.task.taskid);
    }
    expect(await states(personId)).toEqual({ [a.device.id]: 'on_device', [b.device.id]: 'on_device' });
    for (const site of [siteA, siteB]) {
      const roster = await p.api.call('GET', `/api/v1/sites/${site}/persons`);
      expect(roster.body.items.map((x: Json) => x.personId)).toContain(personId);
    }
    const dist = await p.api.call('GET', `/api/v1/persons/${personId}/distribution`);
    expect(dist.body.items).toHaveLength(2);
    expect(dist.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deviceId: a.device.id, siteId: siteA, expected: true, state: 'on_device' }),
        expect.objectContaining({ deviceId: b.device.id, siteId: siteB, expected: true, state: 'on_device' }),
      ]),
    );

    // Ending the assignment at A deletes the person from A's device only.
    const assignmentA = r.body.assignments.find((x: Json) => x.siteId === siteA).assignmentId;
    const end = await p.api.call('POST', `/api/v1/persons/${personId}/assignments/${assignmentA}/end`);
    expect(end.status, end.text).toBe(200);
    expect(end.body).toMatchObject({ status: 'ended', leftOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    const del = await nextPersonTask(a);
    expect(del.task.apicode).toBe('T_DEL_DEVICE_PERSON');
    expect(del.personIds).toEqual([personId]);
    await report(a, del.task.taskid);
    expect(await states(personId)).toEqual({ [a.device.id]: 'removed', [b.device.id]: 'on_device' });
    const openB = await p.platform.data.store.tasks.pendingIds(b.device.id, 0);
    expect(openB).toEqual([]);
    const rosterA = await p.api.call('GET', `/api/v1/sites/${siteA}/persons?limit=500`);
    expect(rosterA.body.items.map((x: Json) => x.personId)).not.toContain(personId);
    // Ending it again changes nothing and sends nothing.
    expect(
      (await p.api.call('POST', `/api/v1/persons/${personId}/assignments/${assignmentA}/end`)).status,
    ).toBe(200);
    expect(await p.platform.data.store.tasks.pendingIds(a.device.id, 0)).toEqual([]);
  });

  it('refuses a second capture of the same worker and assigns the identity instead (no new photo)', async () => {
    const id = idNumber();
    const first = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '转场工人', idNumber: id, photos: [b64(await face())], assignments: [{ siteId: siteA }] },
    });
    expect(first.status).toBe(201);
    await report(a, (await nextPersonTask(a)).task.taskid);
    const again = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '转场工人', idNumber: id, photos: [b64(await face())], assignments: [{ siteId: siteB }] },
    });
    expect(again.status).toBe(409);
    const personId = first.body.personId;
    expect(again.headers.get('location')).toBe(`/api/v1/persons/${personId}`);
    const assigned = await p.api.call('POST', `/api/v1/persons/${personId}/assignments`, {
      body: { siteId: siteB, company: '某分包', trade: '木工', joinedOn: '2026-01-05' },
    });
    expect(assigned.status, assigned.text).toBe(201);
    expect(assigned.headers.get('location')).toBe(
      `/api/v1/persons/${personId}/assignments/${assigned.body.assignmentId}`,
    );
    expect(assigned.body).toMatchObject({
      siteId: siteB,
      status: 'active',
      joinedOn: '2026-01-05',
      trade: '木工',
    });
    expect(assigned.body.devices).toEqual([
      { deviceId: b.device.id, taskId: expect.any(String), refused: false },
    ]);
    const got = await nextPersonTask(b);
    expect(got.personIds).toEqual([personId]);
    expect(got.data[0].imgUrls[0]).toContain(first.body.photos[0].url.match(/photo\/([0-9a-f]{64})/)[1]);
    await report(b, got.task.taskid);
    // One active assignment per site.
    const twice = await p.api.call('POST', `/api/v1/persons/${personId}/assignments`, {
      body: { siteId: siteB },
    });
    expect(twice.status).toBe(409);
    const list = await p.api.call('GET', `/api/v1/persons/${personId}/assignments`);
    expect(list.body.items.map((x: Json) => x.siteId)).toEqual([siteA, siteB]);
    expect(list.body.nextCursor).toBeNull();

    // A new photo goes to the devices of every site the person is on.
    const photo = await face();
    const put = await p.api.call('PUT', `/api/v1/persons/${personId}/photos`, {
      body: { photos: [b64(photo)] },
    });
    expect(put.status, put.text).toBe(200);
    for (const d of [a, b]) {
      const sent = await nextPersonTask(d);
      expect(sent.personIds).toEqual([personId]);
      expect(sent.data[0].imgUrls[0]).toContain(sha256(photo));
      await report(d, sent.task.taskid);
    }
  });

  it('ends an assignment whose leave date comes later on that day, by the periodic job', async () => {
    const made = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '短期工',
        idNumber: idNumber(),
        photos: [b64(await face())],
        assignments: [{ siteId: siteB }],
      },
    });
    const personId = made.body.personId;
    await report(b, (await nextPersonTask(b)).task.taskid);
    const assignmentId = made.body.assignments[0].assignmentId;
    const tomorrow = new Date(p.clock.now + 8 * 60 * 60_000 + DAY).toISOString().slice(0, 10);
    const patch = await p.api.call('PATCH', `/api/v1/persons/${personId}/assignments/${assignmentId}`, {
      body: { leftOn: tomorrow, team: '杂工班' },
    });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.body).toMatchObject({ status: 'active', leftOn: tomorrow, team: '杂工班' });
    const jobs = p.platform.data.persons.assignments;
    expect(await jobs.endDue()).toBe(0);
    p.clock.advance(DAY);
    // A day later the devices' connections, tokens (D7) and the API session have lapsed.
    for (const d of [a, b]) await reconnect(d);
    p.api = p.api.as(await p.api.login('admin', ADMIN_PASSWORD));
    expect(await jobs.endDue()).toBe(1);
    const del = await nextPersonTask(b);
    expect(del.personIds).toEqual([personId]);
    await report(b, del.task.taskid);
    const got = await p.api.call('GET', `/api/v1/persons/${personId}/assignments`);
    expect(got.body.items[0]).toMatchObject({ status: 'ended', leftOn: tomorrow });
    // A leave date before the join date, or an end in the future, is a clear 400.
    const bad = await p.api.call('PATCH', `/api/v1/persons/${personId}/assignments/${assignmentId}`, {
      body: { leftOn: '2000-01-01' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('body.leftOn');
  });

  it('pages a site’s roster by person id, and keeps a site manager to the assignments on the account’s sites', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await p.api.call('POST', '/api/v1/persons', {
        body: {
          name: `花名册${i}`,
          idNumber: idNumber(),
          photos: [b64(await face())],
          assignments: [{ siteId: siteA }, { siteId: siteB }],
        },
      });
      ids.push(r.body.personId);
    }
    for (const d of [a, b]) await report(d, (await nextPersonTask(d)).task.taskid);
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Json = await p.api.call(
        'GET',
        `/api/v1/sites/${siteA}/persons?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      for (const x of page.body.items) {
        expect(x.assignment).toMatchObject({ siteId: siteA, status: 'active' });
        expect(x.idNumber).toMatch(/^\d{6}\*{8}[0-9X]{4}$/);
        seen.push(x.personId);
      }
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual([...seen].sort());
    for (const id of ids) expect(seen).toContain(id);
    expect(seen).toHaveLength(await p.platform.data.store.persons.countActive(siteA));

    const created = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'mgr-roster', role: 'site_manager', siteIds: [siteB] },
    });
    const mgr = p.api.as(await p.api.login('mgr-roster', created.body.password));
    const person = await mgr.call('GET', `/api/v1/persons/${ids[0]}`);
    expect(person.status).toBe(200);
    expect(person.body.assignments.map((x: Json) => x.siteId)).toEqual([siteB]);
    const dist = await mgr.call('GET', `/api/v1/persons/${ids[0]}/distribution`);
    expect(dist.body.items.map((x: Json) => x.deviceId)).toEqual([b.device.id]);
    const all = (await p.api.call('GET', `/api/v1/persons/${ids[0]}`)).body;
    const onA = all.assignments.find((x: Json) => x.siteId === siteA).assignmentId;
    expect((await mgr.call('POST', `/api/v1/persons/${ids[0]}/assignments/${onA}/end`)).status).toBe(404);
  });
});

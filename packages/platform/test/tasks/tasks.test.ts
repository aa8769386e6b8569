/**
 * Chapter 3 end to end on a real platform: TCP device (C_AUTH, heartbeats, pushes) plus
 * real HTTP T_* requests, SQLite in a temp dir, a clock the test moves.
 */
import { createHash } from 'node:crypto';
import { face, HttpDevice, idNumber, TestDevice, tamperedSignature } from '@kaoqin/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersonRow } from '../../src/store/index.js';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform | undefined;
let dropSchema: (() => Promise<void>) | undefined;
const devices: TestDevice[] = [];
afterEach(async () => {
  for (const d of devices.splice(0)) d.close();
  await tp?.stop();
  tp = undefined;
  await dropSchema?.();
  dropSchema = undefined;
});

if (!PG_URL) {
  if (SERVICES_REQUIRED)
    it('requires PostgreSQL', () => expect.fail(`the tasks suite on PostgreSQL is required here: ${PG_HOW}`));
  else console.warn(`tasks suite on PostgreSQL skipped: ${PG_HOW}`);
}
const backends = PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

let backend: (typeof backends)[number] = 'sqlite';

async function setup(settings: Record<string, string> = {}) {
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    const fresh = await freshSchema(PG_URL!);
    dropSchema = fresh.drop;
    databaseUrl = inSchema(PG_URL!, fresh.schema);
  }
  tp = await startTestPlatform(
    { 'task-reoffer-after-ms': '60000', 'task-expire-after-ms': '3600000', ...settings },
    databaseUrl ? { databaseUrl } : {},
  );
  const { platform } = tp;
  const site = await platform.data.persons.createSite('西湖工地');
  const tcp = await TestDevice.tcp(platform.tcpPort, 'SN-1', tp.creds, () => tp!.clock.now);
  devices.push(tcp);
  expect((await tcp.auth()).success).toBe(true);
  const device = (await platform.data.devices.find(tp.creds.vendorId, 'SN-1'))!;
  const http = new HttpDevice(`http://127.0.0.1:${platform.httpPort}`, 'SN-1', tp.creds, tcp.token);
  return { platform, site, tcp, device, http };
}

async function enrol(siteId: string, n: number, name = '工人'): Promise<PersonRow[]> {
  const out: PersonRow[] = [];
  for (let i = 0; i < n; i++) {
    const { person } = await tp!.platform.data.persons.add({
      siteId,
      name: `${name}${i}`,
      idNumber: idNumber(),
      photos: [await face()],
    });
    out.push(person);
  }
  return out;
}

/** Waits for an unsolicited push (D3) and returns its task ids. */
async function pushed(tcp: TestDevice, atLeast = 1): Promise<string[]> {
  // A push carries every pending id; under load the tasks of one change may come in two.
  const ids = new Set<string>();
  while (ids.size < atLeast) {
    const a = await tcp.next(3000);
    expect(a.apicode).toBe('C_HEARTBEAT');
    for (const id of (a.response as { taskids: string[] }).taskids) ids.add(id);
  }
  return [...ids].sort();
}

type Task = { taskid: string; apicode: string; param: string };
async function getTasks(http: HttpDevice, ids: string[], form: 'text' | 'object' = 'text'): Promise<Task[]> {
  const a = await http.call('T_GET_TASKS', { param: { taskids: ids }, paramForm: form });
  expect(a.success, a.raw).toBe(true);
  expect(a.signOk).toBe(true);
  return (a.response as { tasks: Task[] }).tasks;
}

type Page = {
  data: { personId: string; name: string; imgUrls: string[] }[];
  currentPage: number;
  totalPage: number;
};
async function page(
  http: HttpDevice,
  apicode: string,
  taskid: string,
  currentPage: number,
  size = 10,
): Promise<Page> {
  const a = await http.call(apicode, { taskid, param: { currentPage, size } });
  expect(a.success, a.raw).toBe(true);
  expect(a.signOk).toBe(true);
  expect(a.taskid).toBe(taskid);
  return a.response as Page;
}

async function report(
  http: HttpDevice,
  task: object,
  counts: { personCount?: number; faceCount?: number } = {},
) {
  const a = await http.call('T_UPDATE_TASKS_STATUS', {
    param: { task: [task], ...counts },
    paramForm: 'object',
  });
  expect(a.success, a.raw).toBe(true);
  expect(a.signOk).toBe(true);
}

describe.each(backends)('tasks (chapter 3) end to end on %s', (name) => {
  beforeEach(() => {
    backend = name;
  });

  it('binds a device, sends the roster (clear, then send), downloads the photos, and records the report', async () => {
    const { platform, site, tcp, device, http } = await setup();
    const persons = await enrol(site.id, 3);
    await platform.data.persons.bindDevice(device.id, site.id);
    const ids = await pushed(tcp, 2);
    expect(ids).toHaveLength(2);
    const tasks = await getTasks(http, ids);
    expect(tasks.map((t) => t.apicode)).toEqual(['T_CLEAR_DEVICE_PERSON', 'T_SEND_PERSON']);
    expect(JSON.parse(tasks[1]!.param)).toEqual({ totalPage: 1, size: 10, total: 3 });

    const clear = await http.call('T_CLEAR_DEVICE_PERSON', { taskid: tasks[0]!.taskid });
    expect(clear.success && clear.signOk).toBe(true);
    await report(http, { taskid: tasks[0]!.taskid, status: 1 }, { personCount: 0, faceCount: 0 });

    const p = await page(http, 'T_SEND_PERSON', tasks[1]!.taskid, 1);
    expect(p.totalPage).toBe(1);
    expect(p.data.map((d) => d.personId)).toEqual(persons.map((x) => x.id));
    const photo = await fetch(p.data[0]!.imgUrls[0]!);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await photo.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(persons[0]!.photoKeys[0]);
    // Tampered URL: refused.
    expect((await fetch(tamperedSignature(p.data[0]!.imgUrls[0]!))).status).toBe(403);

    await report(
      http,
      { taskid: tasks[1]!.taskid, status: 1, failedFaces: [{ personId: persons[2]!.id, errCode: 'D12' }] },
      { personCount: 3, faceCount: 2 },
    );
    const dist = await platform.data.store.distribution.forDevice(device.id);
    expect(dist.map((d) => [d.personId, d.state])).toEqual([
      [persons[0]!.id, 'on_device'],
      [persons[1]!.id, 'on_device'],
      [persons[2]!.id, 'failed'],
    ]);
    expect(dist[2]!.reason).toMatch(/^D12/);
    const fields = await platform.data.store.deviceTasks.taskFields(device.id);
    expect(fields).toMatchObject({ reportedPersonCount: 3, reportedFaceCount: 2 });
    // Reporting again (a lost answer) is accepted and changes nothing.
    await report(http, { taskid: tasks[1]!.taskid, status: 1 }, { personCount: 3, faceCount: 2 });
    expect((await platform.data.store.distribution.forDevice(device.id))[2]!.state).toBe('failed');
    // A finished task's pages are closed.
    const closed = await http.call('T_SEND_PERSON', { taskid: tasks[1]!.taskid, param: { currentPage: 1 } });
    expect(closed.error?.errorcode).toBe('490_07');
  });

  it('pushes to a device that reconnected with its token and did not authenticate again', async () => {
    const { platform, site, tcp, device } = await setup();
    tcp.close();
    // A reconnect (a dropped network, or a move to another node) goes on with the token.
    const again = await TestDevice.tcp(platform.tcpPort, 'SN-1', tp!.creds, () => tp!.clock.now);
    devices.push(again);
    again.token = tcp.token;
    expect((await again.heartbeat()).success).toBe(true);
    await platform.data.persons.bindDevice(device.id, site.id);
    expect(await pushed(again, 2)).toHaveLength(2);
  });

  it('pushes a newly enrolled person to the online device at once, as a delta; a removal as a delete', async () => {
    const { platform, site, tcp, device, http } = await setup();
    await platform.data.persons.bindDevice(device.id, site.id);
    const first = await getTasks(http, await pushed(tcp, 2));
    for (const t of first)
      await report(http, { taskid: t.taskid, status: 1 }, { personCount: 0, faceCount: 0 });

    const started = Date.now();
    const [worker] = await enrol(site.id, 1, '新工人');
    const ids = await pushed(tcp);
    expect(Date.now() - started).toBeLessThan(3000);
    const [t] = await getTasks(http, ids, 'object');
    expect(t!.apicode).toBe('T_UPDATE_DEVICE_PERSON');
    const p = await page(http, 'T_UPDATE_DEVICE_PERSON', t!.taskid, 1);
    expect(p.data[0]).toMatchObject({ personId: worker!.id, name: '新工人0' });

    await platform.data.persons.remove(worker!.id);
    const [del] = await getTasks(http, await pushed(tcp));
    expect(del!.apicode).toBe('T_DEL_DEVICE_PERSON');
    const d = await http.call('T_DEL_DEVICE_PERSON', { taskid: del!.taskid });
    expect(d.signOk).toBe(true);
    expect(d.response).toEqual({ personIds: [worker!.id] });
    await report(http, { taskid: t!.taskid, status: 1 });
    await report(http, { taskid: del!.taskid, status: 1 });
    expect((await platform.data.store.distribution.forPerson(worker!.id))[0]!.state).toBe('removed');
  });

  it('pages a frozen roster: persons added or removed mid-sync are neither skipped nor doubled', async () => {
    const { platform, site, tcp, device, http } = await setup();
    const persons = await enrol(site.id, 25);
    await platform.data.persons.bindDevice(device.id, site.id);
    const [, send] = await getTasks(http, await pushed(tcp, 2));
    const seen: string[] = [];
    const p1 = await page(http, 'T_SEND_PERSON', send!.taskid, 1);
    expect(p1.totalPage).toBe(3);
    seen.push(...p1.data.map((d) => d.personId));
    // The roster changes between pages.
    await platform.data.persons.remove(persons[3]!.id);
    await platform.data.persons.remove(persons[20]!.id);
    const late = await enrol(site.id, 4, '后来');
    for (const n of [2, 3])
      seen.push(...(await page(http, 'T_SEND_PERSON', send!.taskid, n)).data.map((d) => d.personId));
    expect(seen).toEqual(persons.map((p) => p.id));
    // The changes travel as their own tasks (one per change here: each was pushed at once).
    const next = await getTasks(http, await platform.data.engine.pendingTaskIds(device.id));
    const added: string[] = [];
    const deleted: unknown[] = [];
    for (const t of next) {
      if (t.apicode === 'T_UPDATE_DEVICE_PERSON') {
        added.push(...(await page(http, t.apicode, t.taskid, 1)).data.map((d) => d.personId));
      } else {
        expect(t.apicode).toBe('T_DEL_DEVICE_PERSON');
        deleted.push(
          ...((await http.call(t.apicode, { taskid: t.taskid })).response as { personIds: string[] })
            .personIds,
        );
      }
    }
    expect(added).toEqual(late.map((p) => p.id));
    expect(deleted).toEqual([persons[3]!.id, persons[20]!.id]);
  });

  it('offers a fetched but unreported task again, then expires it', async () => {
    const { platform, site, tcp, device, http } = await setup({
      'task-reoffer-after-ms': '60000',
      'task-expire-after-ms': '600000',
    });
    await enrol(site.id, 2);
    await platform.data.persons.bindDevice(device.id, site.id);
    const ids = await pushed(tcp, 2);
    await getTasks(http, ids);
    // Fetched: not offered again until the re-offer time passes.
    expect((await tcp.heartbeat()).response).toEqual({ taskids: [] });
    tp!.clock.advance(61_000);
    expect((await tcp.heartbeat()).response).toEqual({ taskids: ids });
    // Never reported: expired.
    tp!.clock.advance(600_000);
    const expired = await platform.data.engine.expireDue();
    expect(expired.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect((await tcp.heartbeat()).response).toEqual({ taskids: [] });
    const late = await http.call('T_SEND_PERSON', { taskid: ids[1]!, param: { currentPage: 1 } });
    expect(late.error?.errorcode).toBe('490_07');
    const dist = await platform.data.store.distribution.forDevice(device.id);
    expect(dist.every((d) => d.state === 'failed' && /expired/.test(d.reason ?? ''))).toBe(true);
  });

  it('a clear followed by a full send makes earlier deltas moot', async () => {
    const { platform, site, tcp, device, http } = await setup();
    await platform.data.persons.bindDevice(device.id, site.id);
    await pushed(tcp, 2);
    const early = await enrol(site.id, 2);
    const earlyIds = await platform.data.engine.pendingTaskIds(device.id);
    // Operator resyncs: earlier open tasks are superseded.
    await platform.data.persons.bindDevice(device.id, site.id);
    const now = await platform.data.engine.pendingTaskIds(device.id);
    const tasks = await getTasks(http, now);
    expect(tasks.map((t) => t.apicode)).toEqual(['T_CLEAR_DEVICE_PERSON', 'T_SEND_PERSON']);
    for (const id of earlyIds) expect(now).not.toContain(id);
    expect(await getTasks(http, earlyIds)).toEqual([]);
    const p = await page(http, 'T_SEND_PERSON', tasks[1]!.taskid, 1);
    expect(p.data.map((d) => d.personId)).toEqual(early.map((x) => x.id));
  });

  it('keeps a clock-in by a person the site does not know, flagged unknown_person; an enrolled one is not flagged', async () => {
    const { platform, site, tcp, device } = await setup();
    await platform.data.persons.bindDevice(device.id, site.id);
    await pushed(tcp, 2);
    const [worker] = await enrol(site.id, 1);
    await pushed(tcp);
    // The device's cache of its site (5 s refresh) must see the binding before sign-ins.
    await expect
      .poll(async () => {
        await platform.data.devices.refresh();
        return platform.data.devices.cachedById(device.id)?.siteId;
      })
      .toBe(site.id);
    const t = tp!.clock.now;
    expect((await tcp.signIn({ personId: worker!.id, recordTime: t - 1000, type: 1 })).success).toBe(true);
    expect(
      (await tcp.signIn({ personId: '1234567890123456789', recordTime: t - 900, type: 1 })).success,
    ).toBe(true);
    const rows = await platform.data.store.attendance.list({ sn: 'SN-1' });
    expect(rows.map((r) => [r.personId, r.flags])).toEqual([
      [worker!.id, []],
      ['1234567890123456789', ['unknown_person']],
    ]);
  });

  it('refuses a distribution over the device capacity, with the reason', async () => {
    const { platform, site, tcp, device } = await setup({ 'device-face-capacity': '2' });
    await platform.data.persons.bindDevice(device.id, site.id);
    await pushed(tcp, 2);
    const persons = await enrol(site.id, 3);
    const dist = await platform.data.store.distribution.forPerson(persons[2]!.id);
    expect(dist[0]).toMatchObject({ deviceId: device.id, state: 'refused' });
    expect(dist[0]!.reason).toMatch(/capacity/);
  });

  it('reconciles: the device uploads its roster; a missing and an extra person are found and repaired', async () => {
    const { platform, site, tcp, device, http } = await setup();
    const persons = await enrol(site.id, 3);
    await platform.data.persons.bindDevice(device.id, site.id);
    const tasks = await getTasks(http, await pushed(tcp, 2));
    for (const t of tasks)
      await report(http, { taskid: t.taskid, status: 1 }, { personCount: 3, faceCount: 3 });

    const taskid = await platform.data.reconciler.request(device.id);
    const [post] = await getTasks(http, await pushed(tcp));
    expect(post).toMatchObject({ taskid, apicode: 'T_POST_DEVICE_PERSON' });
    expect(JSON.parse(post!.param)).toEqual({ excludeFields: 'img' });
    // Holds persons 0 and 1 (2 is missing) and a stranger (extra), over two pages.
    const pages = [
      [{ personId: persons[0]!.id, name: '工人0', img: 'aGVsbG8=', hasImg: 1 }],
      [
        { personId: persons[1]!.id, name: '工人1' },
        { personId: '9999999999999999999', name: '陌生人' },
      ],
    ];
    for (const [i, data] of pages.entries()) {
      const a = await http.call('T_POST_DEVICE_PERSON', {
        taskid,
        param: { currentPage: i + 1, totalPage: 2, data },
      });
      expect(a.success, a.raw).toBe(true);
      expect(a.signOk).toBe(true);
    }
    await report(http, { taskid, status: 1 }, { personCount: 3, faceCount: 3 });
    const diffs = await platform.data.store.roster.openDiffs(device.id);
    expect(diffs.map((d) => [d.kind, d.personId]).sort()).toEqual([
      ['extra', '9999999999999999999'],
      ['missing', persons[2]!.id],
    ]);
    expect(await platform.data.reconciler.repair(device.id)).toEqual({ missing: 1, extra: 1 });
    const repair = await getTasks(http, await platform.data.engine.pendingTaskIds(device.id));
    expect(repair.map((t) => t.apicode).sort()).toEqual(['T_DEL_DEVICE_PERSON', 'T_UPDATE_DEVICE_PERSON']);
    expect(await platform.data.store.roster.openDiffs(device.id)).toEqual([]);
  });

  it('rejects wrong signatures in both param forms, and tasks of other devices', async () => {
    const { platform, site, tcp, device, http } = await setup();
    await platform.data.persons.bindDevice(device.id, site.id);
    const ids = await pushed(tcp, 2);
    for (const form of ['text', 'object'] as const) {
      const bad = await http.call('T_GET_TASKS', {
        param: { taskids: ids },
        paramForm: form,
        secret: 'f'.repeat(32),
      });
      expect(bad.error?.errorcode).toBe('400_04');
    }
    const other = await TestDevice.tcp(platform.tcpPort, 'SN-2', tp!.creds, () => tp!.clock.now);
    devices.push(other);
    await other.auth();
    const otherHttp = new HttpDevice(http.baseUrl, 'SN-2', tp!.creds, other.token);
    expect(await getTasks(otherHttp, ids)).toEqual([]);
    const a = await otherHttp.call('T_CLEAR_DEVICE_PERSON', { taskid: ids[0]! });
    expect(a.error?.errorcode).toBe('490_06');
  });

  it('rolls out firmware: descriptor with size and sha256, signed URL with range support', async () => {
    const { platform, tcp, device, http } = await setup();
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'kaoqin-fw-'));
    const image = Buffer.alloc(300_000, 7);
    image.write('KAOQIN-FW', 1000);
    await writeFile(join(dir, 'fw.bin'), image);
    const fw = await platform.data.firmware.add(join(dir, 'fw.bin'), 'v2.0.0');
    await platform.data.firmware.rollout('v2.0.0', [device.id]);
    const [task] = await getTasks(http, await pushed(tcp));
    const desc = JSON.parse(task!.param) as {
      version: string;
      size: number;
      sha256: string;
      downloadUrl: string;
    };
    expect(desc).toMatchObject({ version: 'v2.0.0', size: 300_000, sha256: fw.sha256 });
    expect(desc.sha256).toBe(createHash('sha256').update(image).digest('hex'));
    const a = await http.call('T_UPDATE_DEVICE_VERSION', { taskid: task!.taskid });
    expect(a.success && a.signOk).toBe(true);
    expect(a.response).toMatchObject({ version: 'v2.0.0', size: 300_000 });
    const part = await fetch(desc.downloadUrl, { headers: { range: 'bytes=1000-1008' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('KAOQIN-FW');
    const whole = Buffer.from(await (await fetch(desc.downloadUrl)).arrayBuffer());
    expect(createHash('sha256').update(whole).digest('hex')).toBe(fw.sha256);
    await report(http, { taskid: task!.taskid, status: 1 });
  });

  it('a newer firmware rollout supersedes the older open one: it can no longer be fetched', async () => {
    const { platform, tcp, device, http } = await setup();
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'kaoqin-fw-'));
    for (const v of ['v2.0.0', 'v3.0.0']) {
      await writeFile(join(dir, `${v}.bin`), Buffer.alloc(1000, v.length));
      await platform.data.firmware.add(join(dir, `${v}.bin`), v);
    }
    const [older] = await platform.data.firmware.rollout('v2.0.0', [device.id]);
    const [newer] = await platform.data.firmware.rollout('v3.0.0', [device.id]);
    await pushed(tcp);
    expect(await getTasks(http, [older!])).toEqual([]);
    const stale = await http.call('T_UPDATE_DEVICE_VERSION', { taskid: older! });
    expect(stale.error?.errorcode).toBe('490_07');
    const [task] = await getTasks(http, [newer!]);
    expect(JSON.parse(task!.param)).toMatchObject({ version: 'v3.0.0' });
  });
});

/**
 * The task runner against a REAL platform (SQLite in a temp dir, real TCP for C_AUTH,
 * real HTTP for every T_* request and download): what the device of
 * packages/platform/test/tasks/tasks.test.ts does by hand, done by the SDK.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceIdentity, FaceEngine, TaskRunnerHost } from '@kaoqin/device';
import {
  createDefaultFaceEngine,
  createTaskRunner,
  DeviceFailureError,
  type TaskDoneEvent,
  type TaskRunner,
  type TaskRunnerOptions,
} from '@kaoqin/device';
import { face, idNumber, TestDevice } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';

let tp: TestPlatform | undefined;
const devices: TestDevice[] = [];
const runners: TaskRunner[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.close();
  for (const d of devices.splice(0)) d.close();
  await tp?.stop();
  tp = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The host a DeviceClient would be: its token comes from C_AUTH over TCP. */
class PlatformHost implements TaskRunnerHost {
  readonly identity: DeviceIdentity;
  readonly httpBaseUrl: string;
  readonly rejected: string[] = [];
  current: string | undefined;

  constructor(
    readonly tp: TestPlatform,
    readonly sn: string,
    token: string,
  ) {
    this.identity = { sn, ...tp.creds, deviceVersion: 'v1.0.0', deviceIp: '192.168.1.11' };
    this.httpBaseUrl = `http://127.0.0.1:${tp.platform.httpPort}`;
    this.current = token;
  }

  async token(): Promise<string> {
    if (this.current === undefined) {
      // A fresh connection, so that pushes queued on another one cannot pass for the answer.
      const d = await TestDevice.tcp(
        this.tp.platform.tcpPort,
        this.sn,
        this.tp.creds,
        () => this.tp.clock.now,
      );
      devices.push(d);
      const a = await d.auth();
      if (!a.success) throw new Error(`C_AUTH failed: ${a.error?.errorcode}`);
      this.current = d.token;
    }
    return this.current;
  }

  tokenRejected(token: string): void {
    this.rejected.push(token);
    if (this.current === token) this.current = undefined;
  }

  now(): number {
    return this.tp.clock.now;
  }
}

interface Call {
  url: string;
  apicode?: string;
  taskid?: string;
  param?: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function setup(opts: Partial<TaskRunnerOptions> = {}) {
  tp = await startTestPlatform({ 'task-reoffer-after-ms': '60000', 'task-expire-after-ms': '3600000' });
  const { platform } = tp;
  const site = await platform.data.persons.createSite('西湖工地');
  const tcp = await TestDevice.tcp(platform.tcpPort, 'SN-1', tp.creds, () => tp!.clock.now);
  devices.push(tcp);
  expect((await tcp.auth()).success).toBe(true);
  const device = (await platform.data.devices.find(tp.creds.vendorId, 'SN-1'))!;
  const host = new PlatformHost(tp, 'SN-1', tcp.token);
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-device-'));
  dirs.push(dir);

  const calls: Call[] = [];
  const done: TaskDoneEvent[] = [];
  const errors: { taskid: string | undefined; error: Error }[] = [];
  const hooks: {
    /** Refuses to send T_UPDATE_TASKS_STATUS, as a link that drops the report. */
    dropReports: boolean;
    /** Replaces a download's answer. */
    tamper?: (url: string, res: Response) => Promise<Response>;
    /** Answers a T_* request instead of the platform, when it returns an answer. */
    answer?: (call: Call) => Response | undefined;
  } = { dropReports: false };
  const spy = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const call: Call = { url };
    if (typeof init?.body === 'string') {
      const b = JSON.parse(init.body) as { apicode: string; taskid?: string; param?: string };
      call.apicode = b.apicode;
      if (b.taskid !== undefined) call.taskid = b.taskid;
      if (b.param !== undefined) call.param = b.param;
    }
    calls.push(call);
    if (hooks.dropReports && call.apicode === 'T_UPDATE_TASKS_STATUS') throw new TypeError('fetch failed');
    const instead = call.apicode ? hooks.answer?.(call) : undefined;
    if (instead) return instead;
    const res = await fetch(input, init);
    return hooks.tamper && !call.apicode ? hooks.tamper(url, res) : res;
  }) as typeof fetch;

  let n = 0;
  const makeRunner = (more: Partial<TaskRunnerOptions> = {}): TaskRunner => {
    const r = createTaskRunner(host, {
      personStorePath: join(dir, `persons-${++n}.db`),
      downloadDir: join(dir, 'downloads'),
      fetch: spy,
      http: { backoffMs: 1, maxBackoffMs: 5 },
      download: { backoffMs: 1, maxBackoffMs: 5 },
      onTaskDone: (e) => done.push(e),
      onError: (error, taskid) => errors.push({ taskid, error }),
      ...opts,
      ...more,
    });
    runners.push(r);
    return r;
  };
  const runner = makeRunner();
  /** What a heartbeat would offer, run to the end. */
  const sync = async (r: TaskRunner = runner) => r.run(await platform.data.engine.pendingTaskIds(device.id));
  const enrol = async (count: number, name = '工人') => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const { person } = await platform.data.persons.add({
        siteId: site.id,
        name: `${name}${i}`,
        idNumber: idNumber(),
        photos: [await face()],
      });
      out.push(person);
    }
    return out;
  };
  const states = async () =>
    (await platform.data.store.distribution.forDevice(device.id)).map((d) => [d.personId, d.state, d.reason]);
  const taskState = async (id: string) => (await platform.data.store.tasks.get(id))?.state;
  return {
    tp: tp!,
    platform,
    site,
    tcp,
    device,
    host,
    dir,
    runner,
    makeRunner,
    sync,
    enrol,
    states,
    taskState,
    calls,
    done,
    errors,
    hooks,
  };
}

describe('task runner against a real platform', () => {
  it('bind: clears, then pages through the roster; the store holds it, faces verified; the platform says on_device', async () => {
    const t = await setup({ pageSize: 2 });
    const persons = await t.enrol(5);
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();
    expect(t.errors).toEqual([]);
    expect(t.done.map((d) => [d.apicode, d.status])).toEqual([
      ['T_CLEAR_DEVICE_PERSON', 1],
      ['T_SEND_PERSON', 1],
    ]);
    // Three pages of two, in order; one download per photo.
    expect(t.calls.filter((c) => c.apicode === 'T_SEND_PERSON').map((c) => JSON.parse(c.param!))).toEqual([
      { currentPage: 1, size: 2 },
      { currentPage: 2, size: 2 },
      { currentPage: 3, size: 2 },
    ]);
    expect(t.calls.filter((c) => c.url.includes('/dl/photo/'))).toHaveLength(5);
    expect(t.runner.persons.summaries().map((s) => [s.personId, s.name, s.faceCount])).toEqual(
      persons.map((p, i) => [p.id, `工人${i}`, 1]),
    );
    for (const p of persons) expect(t.runner.persons.faceHashes(p.id)).toEqual(p.photoKeys);
    expect(await t.states()).toEqual(persons.map((p) => [p.id, 'on_device', null]));
    expect(await t.platform.data.store.deviceTasks.taskFields(t.device.id)).toMatchObject({
      reportedPersonCount: 5,
      reportedFaceCount: 5,
    });

    // A resync clears first: a person only the device knew is gone, the roster is back whole.
    t.runner.persons.put({ personId: '9999999999999999999', name: '陌生人', faces: [] });
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();
    expect(t.runner.persons.summaries().map((s) => s.personId)).toEqual(persons.map((p) => p.id));
    expect(t.runner.counts()).toEqual({ personCount: 5, faceCount: 5 });
  });

  it('a face the engine rejects is reported in failedFaces with its code; the person is held without it', async () => {
    let bad = '';
    const base = createDefaultFaceEngine();
    const engine: FaceEngine = {
      enrol: async (personId, photo) => {
        if (personId === bad) throw new DeviceFailureError('D12');
        await base.enrol(personId, photo);
      },
      remove: base.remove,
      clear: base.clear,
    };
    const t = await setup({ faceEngine: engine });
    const persons = await t.enrol(3);
    bad = persons[1]!.id;
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();
    const send = t.calls.filter((c) => c.apicode === 'T_UPDATE_TASKS_STATUS').at(-1)!;
    expect(JSON.parse(send.param!)).toMatchObject({
      task: [{ status: 1, failedPersons: [], failedFaces: [{ personId: bad, errCode: 'D12' }] }],
      personCount: 3,
      faceCount: 2,
    });
    const states = await t.states();
    expect(states.map(([id, state]) => [id, state])).toEqual([
      [persons[0]!.id, 'on_device'],
      [bad, 'failed'],
      [persons[2]!.id, 'on_device'],
    ]);
    expect(states[1]![2]).toMatch(/^D12/);
    expect(t.runner.persons.get(bad)).toMatchObject({ name: '工人1', faces: [] });
  });

  it('a device at its capacity reports D02 for the persons it cannot take', async () => {
    const t = await setup({ capacity: 2 });
    const persons = await t.enrol(3);
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();
    const states = await t.states();
    expect(states.map(([, state]) => state)).toEqual(['on_device', 'on_device', 'failed']);
    expect(states[2]![2]).toMatch(/^D02/);
    expect(t.runner.persons.has(persons[2]!.id)).toBe(false);
  });

  it('deltas: an added person, new photos, an unchanged re-send that downloads nothing, a removal', async () => {
    const t = await setup();
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();
    expect(t.runner.counts()).toEqual({ personCount: 0, faceCount: 0 });

    const [worker] = await t.enrol(1, '新工人');
    await t.sync();
    expect(t.done.at(-1)).toMatchObject({ apicode: 'T_UPDATE_DEVICE_PERSON', status: 1 });
    expect(t.runner.persons.get(worker!.id)?.name).toBe('新工人0');

    const newPhoto = await face();
    await t.platform.data.persons.setPhotos(worker!.id, [newPhoto]);
    await t.sync();
    expect(t.runner.persons.faceHashes(worker!.id)).toEqual([sha256(newPhoto)]);

    // The same person sent again (as a reconciliation repair would): the photo's hash is
    // in its URL and already held, so nothing is downloaded.
    const row = (await t.platform.data.store.persons.get(worker!.id))!;
    await t.platform.data.engine.enqueuePersons(t.device.id, 'T_UPDATE_DEVICE_PERSON', [row]);
    const before = t.calls.length;
    await t.sync();
    expect(t.calls.slice(before).map((c) => c.apicode ?? 'download')).toEqual([
      'T_GET_TASKS',
      'T_UPDATE_DEVICE_PERSON',
      'T_UPDATE_TASKS_STATUS',
    ]);
    expect(await t.states()).toEqual([[worker!.id, 'on_device', null]]);

    await t.platform.data.persons.remove(worker!.id);
    await t.sync();
    expect(t.done.at(-1)).toMatchObject({ apicode: 'T_DEL_DEVICE_PERSON', status: 1 });
    expect(t.runner.persons.has(worker!.id)).toBe(false);
    expect(await t.states()).toEqual([[worker!.id, 'removed', null]]);
    expect(t.errors).toEqual([]);
  });

  it('firmware: downloads, checks size and sha256 from the signed descriptor, installs through the hook', async () => {
    const installed: { version: string; size: number; sha256: string; actual: string; path: string }[] = [];
    const t = await setup({
      firmwareInstaller: async (image) => {
        installed.push({ ...image, actual: sha256(await readFile(image.path)) });
      },
    });
    const image = Buffer.alloc(300_000, 7);
    image.write('KAOQIN-FW', 1000);
    await writeFile(join(t.dir, 'fw.bin'), image);
    const fw = await t.platform.data.firmware.add(join(t.dir, 'fw.bin'), 'v2.0.0');
    const [taskid] = await t.platform.data.firmware.rollout('v2.0.0', [t.device.id]);
    await t.sync();
    expect(installed).toEqual([
      { version: 'v2.0.0', size: 300_000, sha256: fw.sha256, actual: fw.sha256, path: expect.any(String) },
    ]);
    expect(t.done).toMatchObject([{ taskid, apicode: 'T_UPDATE_DEVICE_VERSION', status: 1 }]);
    expect(await t.taskState(taskid!)).toBe('done');
    // The report of a firmware task carries no counts (K10).
    expect(JSON.parse(t.calls.at(-1)!.param!)).toEqual({ task: [{ taskid, status: 1 }] });
    // The downloaded file is gone once the hook returned.
    expect(await readdir(join(t.dir, 'downloads'))).toEqual([]);
  });

  it('firmware: a corrupted download is never installed (status 2); without an installer the task is unsupported (3)', async () => {
    let installs = 0;
    const t = await setup({
      firmwareInstaller: async () => {
        installs++;
      },
    });
    // Every firmware download arrives with one byte changed, the length intact.
    t.hooks.tamper = async (url, res) => {
      if (!url.includes('/dl/firmware/')) return res;
      const bytes = Buffer.from(await res.arrayBuffer());
      bytes[5000] = (bytes[5000]! + 1) % 256;
      return new Response(bytes, { status: res.status, headers: res.headers });
    };
    await writeFile(join(t.dir, 'fw.bin'), Buffer.alloc(100_000, 1));
    await t.platform.data.firmware.add(join(t.dir, 'fw.bin'), 'v2.0.0');
    const [bad] = await t.platform.data.firmware.rollout('v2.0.0', [t.device.id]);
    await t.sync();
    expect(installs).toBe(0);
    expect(t.done).toMatchObject([{ taskid: bad, status: 2 }]);
    expect(await t.taskState(bad!)).toBe('failed');
    // Fetched twice: once more from nothing after the first check failed.
    expect(t.calls.filter((c) => c.url.includes('/dl/firmware/'))).toHaveLength(2);
    expect(await readdir(join(t.dir, 'downloads'))).toEqual([]);

    const [unsupported] = await t.platform.data.firmware.rollout('v2.0.0', [t.device.id]);
    const plain = t.makeRunner({ firmwareInstaller: undefined });
    await t.sync(plain);
    expect(t.done.at(-1)).toMatchObject({ taskid: unsupported, status: 3 });
    expect(await t.taskState(unsupported!)).toBe('unsupported');
  });

  it('reconciles: the roster goes up page by page and the platform finds no difference; a lost person is found missing', async () => {
    const t = await setup();
    const persons = await t.enrol(3);
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();

    const taskid = await t.platform.data.reconciler.request(t.device.id);
    await t.sync();
    expect(t.done.at(-1)).toMatchObject({ taskid, apicode: 'T_POST_DEVICE_PERSON', status: 1 });
    const [upload] = t.calls.filter((c) => c.apicode === 'T_POST_DEVICE_PERSON');
    // excludeFields "img": no photos, hasImg says there is one.
    expect(JSON.parse(upload!.param!)).toEqual({
      currentPage: 1,
      totalPage: 1,
      data: persons.map((p, i) => ({ personId: p.id, name: `工人${i}`, hasImg: 1 })),
    });
    expect(await t.platform.data.store.roster.openDiffs(t.device.id)).toEqual([]);

    // Photos asked for: the first face of each, base64.
    const withImg = await t.platform.data.reconciler.request(t.device.id, '');
    await t.sync();
    expect(await t.taskState(withImg)).toBe('done');
    const last = t.calls.filter((c) => c.apicode === 'T_POST_DEVICE_PERSON').at(-1)!;
    const data = (JSON.parse(last.param!) as { data: { img: string }[] }).data;
    expect(data.map((d) => sha256(Buffer.from(d.img, 'base64')))).toEqual(persons.map((p) => p.photoKeys[0]));

    // A person the device lost shows up as missing.
    t.runner.persons.delete([persons[1]!.id]);
    await t.platform.data.reconciler.request(t.device.id);
    await t.sync();
    const diffs = await t.platform.data.store.roster.openDiffs(t.device.id);
    expect(diffs.map((d) => [d.kind, d.personId])).toEqual([['missing', persons[1]!.id]]);
    expect(t.errors).toEqual([]);
  });

  it('never runs a task twice at once; a re-offered task whose report was lost is only reported again', async () => {
    const t = await setup({ http: { attempts: 2, backoffMs: 1, maxBackoffMs: 2 } });
    await t.enrol(2);
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    const ids = await t.platform.data.engine.pendingTaskIds(t.device.id);
    t.hooks.dropReports = true;
    // Offered twice (a heartbeat and a push): one T_GET_TASKS, one pass over the pages.
    await Promise.all([t.runner.run(ids), t.runner.run([...ids].reverse())]);
    expect(t.calls.filter((c) => c.apicode === 'T_GET_TASKS')).toHaveLength(1);
    expect(t.calls.filter((c) => c.apicode === 'T_SEND_PERSON')).toHaveLength(1);
    expect(t.done.map((d) => d.status)).toEqual([1, 1]);
    expect(t.errors.map((e) => e.error.message)).toEqual(['network: fetch failed', 'network: fetch failed']);
    for (const id of ids) expect(await t.taskState(id)).toBe('fetched');

    // The platform offers the unreported tasks again; the device reports, and does nothing else.
    t.hooks.dropReports = false;
    t.tp.clock.advance(61_000);
    const again = await t.platform.data.engine.pendingTaskIds(t.device.id);
    expect(again).toEqual(ids);
    const before = t.calls.length;
    await t.runner.run(again);
    expect(t.calls.slice(before).map((c) => c.apicode)).toEqual([
      'T_UPDATE_TASKS_STATUS',
      'T_UPDATE_TASKS_STATUS',
    ]);
    for (const id of ids) expect(await t.taskState(id)).toBe('done');
    expect((await t.states()).every(([, state]) => state === 'on_device')).toBe(true);
    expect(t.done).toHaveLength(2);
  });

  it('a task abandoned on the network holds back the tasks after it: a delete never overtakes the send before it', async () => {
    const t = await setup();
    const [x] = await t.enrol(1);
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.platform.data.persons.remove(x!.id);
    // One heartbeat offers the clear, the send (with X) and the delete of X, in that order.
    const ids = await t.platform.data.engine.pendingTaskIds(t.device.id);
    expect(ids).toHaveLength(3);
    const [clear, send, del] = ids;
    // Every try of the send's page request gets 500_01: the send is abandoned, unreported.
    let refused = 0;
    t.hooks.answer = (call) => {
      if (call.apicode !== 'T_SEND_PERSON') return undefined;
      refused++;
      const error = { errorcode: '500_01', errormsg: '系统异常' };
      return new Response(JSON.stringify({ version: 'v1.0.0', success: false, error }));
    };
    await t.runner.run(ids);
    expect(refused).toBe(5);
    expect(t.done.map((d) => d.taskid)).toEqual([clear]);
    expect(t.calls.filter((c) => c.apicode === 'T_DEL_DEVICE_PERSON')).toEqual([]);
    expect(await t.taskState(del!)).not.toBe('done');
    expect(t.errors.map((e) => e.taskid)).toEqual([send]);

    // A new task (Y enrolled) is offered at once; the platform re-offers the fetched send
    // and delete only after its delay. The runner asks for them itself and runs them first:
    // X is added, then deleted, then Y added.
    t.hooks.answer = undefined;
    const [y] = await t.enrol(1, '新工人');
    const next = await t.platform.data.engine.pendingTaskIds(t.device.id);
    expect(next).toHaveLength(1);
    await t.runner.run(next);
    expect(t.done.map((d) => [d.taskid, d.apicode, d.status])).toEqual([
      [clear, 'T_CLEAR_DEVICE_PERSON', 1],
      [send, 'T_SEND_PERSON', 1],
      [del, 'T_DEL_DEVICE_PERSON', 1],
      [next[0], 'T_UPDATE_DEVICE_PERSON', 1],
    ]);
    expect(t.runner.persons.has(x!.id)).toBe(false);
    expect(t.runner.persons.has(y!.id)).toBe(true);
    expect(await t.states()).toEqual([
      [x!.id, 'removed', null],
      [y!.id, 'on_device', null],
    ]);
    // Nothing is left for a later offer to bring X back.
    t.tp.clock.advance(61_000);
    expect(await t.platform.data.engine.pendingTaskIds(t.device.id)).toEqual([]);
  });

  it('a token the platform no longer knows (401_01): the host authenticates again and the work goes on', async () => {
    const t = await setup();
    await t.enrol(1);
    // Another C_AUTH replaces the token the host holds (6.3).
    const other = await TestDevice.tcp(t.platform.tcpPort, 'SN-1', t.tp.creds, () => t.tp.clock.now);
    devices.push(other);
    expect((await other.auth()).success).toBe(true);
    const stale = t.host.current!;
    await t.platform.data.persons.bindDevice(t.device.id, t.site.id);
    await t.sync();
    expect(t.host.rejected).toEqual([stale]);
    expect(t.done.map((d) => d.status)).toEqual([1, 1]);
    expect(t.runner.counts()).toEqual({ personCount: 1, faceCount: 1 });
  });

  it('reports an apicode it does not know as unsupported (3); ids that are not its own are dropped', async () => {
    const t = await setup();
    const now = t.tp.clock.now;
    const id = '7000000000000000001';
    await t.platform.data.store.tasks.create(
      {
        id,
        deviceId: t.device.id,
        apicode: 'T_FROM_THE_FUTURE',
        param: '{}',
        createdAt: now,
        expiresAt: now + 3_600_000,
        items: [],
      },
      [],
    );
    await t.runner.run([id, '7000000000000000002']);
    expect(t.done).toMatchObject([{ taskid: id, apicode: 'T_FROM_THE_FUTURE', status: 3 }]);
    expect(await t.taskState(id)).toBe('unsupported');
    expect(t.errors).toEqual([]);
  });
});

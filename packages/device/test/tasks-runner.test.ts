/**
 * The task runner's ordering, closing and firmware files against a scripted platform
 * (answers built per apicode, signed as the platform signs them):
 *
 * - a person task abandoned on the network holds back the person tasks ordered after it,
 *   in its batch and in batches queued behind it; the next offer runs them, in order;
 *   other tasks (firmware, roster upload) neither hold back nor are held back;
 * - close() does not wait for a token the host cannot get;
 * - partial firmware downloads of other tasks are removed, the current one is resumed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Apicode, signAnswer } from '@kaoqin/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTaskRunner,
  firmwarePartPath,
  type TaskDoneEvent,
  TaskHttpClient,
  type TaskRunner,
  type TaskRunnerOptions,
} from '../src/tasks/index.js';
import type { TaskRunnerHost } from '../src/types.js';

const SECRET = '93f6218530984c32a3bf2b3d03dcb417';

const runners: TaskRunner[] = [];
const dirs: string[] = [];
let server: Server | undefined;
afterEach(async () => {
  for (const r of runners.splice(0)) await r.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function host(token: () => Promise<string> = async () => 'token1'): TaskRunnerHost {
  return {
    identity: {
      sn: '1388186',
      accessId: 'id',
      accessKey: 'key',
      accessSecret: SECRET,
      deviceVersion: 'v1.0.0',
      deviceIp: '10.0.0.2',
    },
    httpBaseUrl: 'http://platform.test',
    token,
    tokenRejected: () => {},
    now: () => Date.now(),
  };
}

function answer(apicode: Apicode, taskid: string | undefined, response: string | undefined): Response {
  const sign = signAnswer(apicode, { version: 'v1.0.0', success: true, taskid, response }, SECRET);
  let out = '{"version":"v1.0.0","success":true';
  if (taskid !== undefined) out += `,"taskid":${JSON.stringify(taskid)}`;
  if (response !== undefined) out += `,"response":${response}`;
  return new Response(`${out},"sign":${JSON.stringify(sign)}}`);
}

/** An unsigned failure (K9: acted on as far as it can be). */
function refusal(errorcode: string): Response {
  return new Response(
    JSON.stringify({ version: 'v1.0.0', success: false, error: { errorcode, errormsg: errorcode } }),
  );
}

interface Req {
  apicode: string;
  taskid?: string;
  param?: string;
}

interface FakeTask {
  taskid: string;
  apicode: string;
  param?: string;
  /** T_SEND_PERSON: the persons of its one page. T_DEL_DEVICE_PERSON: the ids. */
  persons?: string[];
}

/**
 * A platform that knows `tasks`; `before` may answer a request in its place (a refusal),
 * possibly later (a promise): the request is held until then.
 */
function platform(tasks: FakeTask[]) {
  const byId = new Map(tasks.map((t) => [t.taskid, t]));
  const requests: Req[] = [];
  const hooks: { before?: (req: Req) => Response | Promise<Response | undefined> | undefined } = {};
  const fake = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // Downloads (the runner's fetch serves them too) go to the real network.
    if (!String(url).endsWith('/api/device')) return fetch(url, init);
    const b = JSON.parse(String(init?.body)) as Req;
    const req: Req = { apicode: b.apicode };
    if (b.taskid !== undefined) req.taskid = b.taskid;
    if (b.param !== undefined) req.param = b.param;
    requests.push(req);
    const early = await hooks.before?.(req);
    if (early) return early;
    const apicode = req.apicode as Apicode;
    switch (apicode) {
      case 'T_GET_TASKS': {
        const ids = (JSON.parse(req.param!) as { taskids: string[] }).taskids;
        const found = ids.flatMap((id) => {
          const t = byId.get(id);
          return t ? [{ taskid: t.taskid, apicode: t.apicode, param: t.param ?? '{}' }] : [];
        });
        return answer(apicode, undefined, JSON.stringify({ tasks: found }));
      }
      case 'T_SEND_PERSON': {
        const t = byId.get(req.taskid!)!;
        const data = (t.persons ?? []).map((personId) => ({
          personId,
          name: `工人${personId}`,
          imgUrls: [],
        }));
        return answer(apicode, req.taskid, JSON.stringify({ data, currentPage: 1, totalPage: 1 }));
      }
      case 'T_DEL_DEVICE_PERSON':
        return answer(apicode, req.taskid, JSON.stringify({ personIds: byId.get(req.taskid!)!.persons }));
      case 'T_UPDATE_DEVICE_VERSION':
        return answer(apicode, req.taskid, byId.get(req.taskid!)!.param);
      case 'T_POST_DEVICE_PERSON':
        return answer(apicode, req.taskid, undefined);
      case 'T_UPDATE_TASKS_STATUS':
        return answer(apicode, undefined, undefined);
      default:
        return refusal('400_01');
    }
  };
  /** Task ids whose work request (not T_GET_TASKS, not the report) was sent, in order. */
  const worked = () =>
    requests
      .filter((r) => r.taskid !== undefined && r.apicode !== 'T_UPDATE_TASKS_STATUS')
      .map((r) => r.taskid);
  const reported = () =>
    requests
      .filter((r) => r.apicode === 'T_UPDATE_TASKS_STATUS')
      .map((r) => (JSON.parse(r.param!) as { task: { taskid: string }[] }).task[0]!.taskid);
  /** The open tasks: delete one to close it (T_GET_TASKS no longer returns it). */
  return { fetch: fake as typeof fetch, open: byId, requests, hooks, worked, reported };
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kaoqin-runner-'));
  dirs.push(d);
  return d;
}

function makeRunner(p: { fetch: typeof fetch }, more: Partial<TaskRunnerOptions> = {}, h = host()) {
  const done: TaskDoneEvent[] = [];
  const errors: { taskid: string | undefined; message: string }[] = [];
  const runner = createTaskRunner(h, {
    personStorePath: ':memory:',
    fetch: p.fetch,
    http: { attempts: 5, backoffMs: 1, maxBackoffMs: 2 },
    download: { attempts: 3, backoffMs: 1, maxBackoffMs: 2 },
    onTaskDone: (e) => done.push(e),
    onError: (e, taskid) => errors.push({ taskid, message: e.message }),
    ...more,
  });
  runners.push(runner);
  return { runner, done, errors };
}

const image = Buffer.alloc(200_000);
for (let i = 0; i < image.length; i++) image[i] = (i * 7) % 253;
const sha256 = createHash('sha256').update(image).digest('hex');

/** Serves `image` (from a Range start too) on 127.0.0.1. */
async function firmwareServer(): Promise<{ url: string; ranges: (string | undefined)[] }> {
  const ranges: (string | undefined)[] = [];
  server = createServer((req, res) => {
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, {
      'content-length': image.length - start,
      ...(m ? { 'content-range': `bytes ${start}-${image.length - 1}/${image.length}` } : {}),
    });
    res.end(image.subarray(start));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fw.bin`, ranges };
}

const T1 = '6541951958563696641';
const T2 = '6541951958563696642';
const T3 = '6541951958563696643';
const X = '100001';

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

describe('a task abandoned on the network holds back the tasks after it', () => {
  it('in its batch: the delete after an abandoned send waits for the next offer, then both run in order', async () => {
    const p = platform([
      { taskid: T1, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T2, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
    ]);
    let refusals = 5;
    p.hooks.before = (req) =>
      req.apicode === 'T_SEND_PERSON' && refusals-- > 0 ? refusal('500_01') : undefined;
    const { runner, done, errors } = makeRunner(p);
    // Offered in any order: run in id order.
    await runner.run([T2, T1]);
    expect(p.worked()).toEqual([T1, T1, T1, T1, T1]);
    expect(p.reported()).toEqual([]);
    expect(done).toEqual([]);
    expect(errors.map((e) => e.taskid)).toEqual([T1]);

    // The next heartbeat offers both again: the send, then the delete.
    await runner.run([T1, T2]);
    expect(p.worked().slice(5)).toEqual([T1, T2]);
    expect(p.reported()).toEqual([T1, T2]);
    expect(done.map((d) => [d.taskid, d.status])).toEqual([
      [T1, 1],
      [T2, 1],
    ]);
    expect(runner.persons.has(X)).toBe(false);
  });

  it('in batches queued behind it; an offer while it retries joins it (never twice at once), and the runner is not stuck', async () => {
    const p = platform([
      { taskid: T1, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T2, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
      { taskid: T3, apicode: 'T_SEND_PERSON', persons: ['100003'] },
    ]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let tries = 0;
    p.hooks.before = (req) => {
      if (req.apicode !== 'T_SEND_PERSON' || req.taskid !== T1 || tries >= 5) return undefined;
      // Every try is refused; the first one only once the pushes below are in.
      return ++tries === 1 ? held.then(() => refusal('500_01')) : refusal('500_01');
    };
    const { runner, done } = makeRunner(p);
    const heartbeat = runner.run([T1]);
    await tick();
    expect(p.worked()).toEqual([T1]);
    // Pushes while T1 is under way: T1 joins the work under way, T2 and T3 queue behind it.
    const push = runner.run([T1, T2]);
    const push2 = runner.run([T3, T2]);
    await tick();
    release();
    await Promise.all([heartbeat, push, push2]);
    // T1 ran once (its five tries), and nothing after it ran.
    expect(p.worked()).toEqual([T1, T1, T1, T1, T1]);
    expect(p.reported()).toEqual([]);
    expect(done).toEqual([]);

    // The next offer runs all three, in order, once each.
    await runner.run([T1, T2, T3]);
    expect(p.worked().slice(5)).toEqual([T1, T2, T3]);
    expect(done.map((d) => d.taskid)).toEqual([T1, T2, T3]);
    expect(runner.persons.has(X)).toBe(false);
    expect(runner.persons.has('100003')).toBe(true);
  });

  it('a task offered alone after that runs behind them: they are asked for again first; one no longer open is forgotten', async () => {
    const T4 = '6541951958563696644';
    const tasks: FakeTask[] = [
      { taskid: T1, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T2, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
      { taskid: T3, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T4, apicode: 'T_SEND_PERSON', persons: ['100004'] },
    ];
    const p = platform(tasks);
    let refusals = 5;
    p.hooks.before = (req) =>
      req.apicode === 'T_SEND_PERSON' && refusals-- > 0 ? refusal('500_01') : undefined;
    const { runner, done } = makeRunner(p);
    await runner.run([T1, T2]);
    expect(done).toEqual([]);
    // The platform re-offers T1 and T2 only after a delay; T3 (X sent again) comes at once.
    await runner.run([T3]);
    const fetched = () =>
      p.requests
        .filter((r) => r.apicode === 'T_GET_TASKS')
        .map((r) => (JSON.parse(r.param!) as { taskids: string[] }).taskids);
    expect(fetched()).toEqual([
      [T1, T2],
      [T1, T2, T3],
    ]);
    expect(done.map((d) => d.taskid)).toEqual([T1, T2, T3]);
    expect(runner.persons.has(X)).toBe(true);

    // T1 abandoned again, then closed by the platform (expired): the next offer asks for
    // it, does not get it back, runs what follows, and forgets it.
    const p2 = platform(tasks);
    let refusals2 = 5;
    p2.hooks.before = (req) =>
      req.apicode === 'T_SEND_PERSON' && refusals2-- > 0 ? refusal('500_01') : undefined;
    const second = makeRunner(p2);
    await second.runner.run([T1, T2]);
    p2.open.delete(T1);
    await second.runner.run([T4]);
    expect(second.done.map((d) => d.taskid)).toEqual([T2, T4]);
    await second.runner.run([T3]);
    expect(
      p2.requests
        .filter((r) => r.apicode === 'T_GET_TASKS')
        .map((r) => (JSON.parse(r.param!) as { taskids: string[] }).taskids),
    ).toEqual([[T1, T2], [T1, T2, T4], [T3]]);
  });

  it('a T_GET_TASKS that fails holds back the later ids too; more than 1,000 ids are fetched in id order', async () => {
    // 1,001 ids offered newest first: the first T_GET_TASKS must carry the 1,000 oldest.
    const ids = Array.from({ length: 1001 }, (_, i) => String(6541951958563697000n + BigInt(i)));
    const oldest = ids[0]!;
    const newest = ids[1000]!;
    const p = platform([
      { taskid: oldest, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: newest, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
    ]);
    let refusals = 5;
    p.hooks.before = (req) =>
      req.apicode === 'T_GET_TASKS' && refusals-- > 0 ? refusal('500_01') : undefined;
    const { runner, done } = makeRunner(p);
    await runner.run([...ids].reverse());
    const fetched = p.requests
      .filter((r) => r.apicode === 'T_GET_TASKS')
      .map((r) => (JSON.parse(r.param!) as { taskids: string[] }).taskids);
    expect(fetched).toHaveLength(5);
    expect(fetched[0]).toEqual(ids.slice(0, 1000));
    expect(p.worked()).toEqual([]);
    expect(done).toEqual([]);

    await runner.run(ids);
    expect(p.worked()).toEqual([oldest, newest]);
    expect(runner.persons.has(X)).toBe(false);
  });
});

describe('only person tasks keep their order: firmware and roster uploads neither hold back nor are held back', () => {
  const T4 = '6541951958563696644';
  const T5 = '6541951958563696645';
  const Y = '100005';
  /** The ids of each T_GET_TASKS, in order. */
  const fetched = (p: { requests: Req[] }) =>
    p.requests
      .filter((r) => r.apicode === 'T_GET_TASKS')
      .map((r) => (JSON.parse(r.param!) as { taskids: string[] }).taskids);
  const installer = (installed: string[]): Partial<TaskRunnerOptions> => ({
    firmwareInstaller: async ({ version }) => {
      installed.push(version);
    },
  });

  it('an abandoned firmware task does not hold back a later T_SEND_PERSON, which runs and is reported; the firmware runs when offered again', async () => {
    const fw = await firmwareServer();
    const param = JSON.stringify({ version: 'v2.0.0', size: image.length, downloadUrl: fw.url, sha256 });
    const p = platform([
      { taskid: T1, apicode: 'T_UPDATE_DEVICE_VERSION', param },
      { taskid: T2, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T3, apicode: 'T_SEND_PERSON', persons: [Y] },
    ]);
    // Every try of the firmware task's 3.7 request gets 500_01.
    p.hooks.before = (req) => (req.apicode === 'T_UPDATE_DEVICE_VERSION' ? refusal('500_01') : undefined);
    const installed: string[] = [];
    const { runner, done, errors } = makeRunner(p, { downloadDir: await tempDir(), ...installer(installed) });
    await runner.run([T2, T1]);
    expect(p.worked()).toEqual([T1, T1, T1, T1, T1, T2]);
    expect(p.reported()).toEqual([T2]);
    expect(done.map((d) => [d.taskid, d.apicode, d.status])).toEqual([[T2, 'T_SEND_PERSON', 1]]);
    expect(runner.persons.has(X)).toBe(true);
    expect(errors.map((e) => e.taskid)).toEqual([T1]);

    // A send offered next runs alone: the firmware task is not asked for again (nor retried) ...
    await runner.run([T3]);
    expect(fetched(p)).toEqual([[T1, T2], [T3]]);
    expect(p.worked().slice(6)).toEqual([T3]);
    // ... until the platform offers it again: then it runs (the firmware host is back).
    p.hooks.before = undefined;
    await runner.run([T1]);
    expect(installed).toEqual(['v2.0.0']);
    expect(done.map((d) => [d.taskid, d.status])).toEqual([
      [T2, 1],
      [T3, 1],
      [T1, 1],
    ]);
  });

  it('an abandoned T_SEND_PERSON holds back a later T_DEL_DEVICE_PERSON but not a later roster upload or firmware task', async () => {
    const fw = await firmwareServer();
    const param = JSON.stringify({ version: 'v2.0.0', size: image.length, downloadUrl: fw.url, sha256 });
    const p = platform([
      { taskid: T1, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T2, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
      { taskid: T3, apicode: 'T_POST_DEVICE_PERSON' },
      { taskid: T4, apicode: 'T_UPDATE_DEVICE_VERSION', param },
      { taskid: T5, apicode: 'T_SEND_PERSON', persons: [Y] },
    ]);
    let refusals = 5;
    p.hooks.before = (req) =>
      req.apicode === 'T_SEND_PERSON' && refusals-- > 0 ? refusal('500_01') : undefined;
    const installed: string[] = [];
    const { runner, done, errors } = makeRunner(p, { downloadDir: await tempDir(), ...installer(installed) });
    await runner.run([T4, T3, T2, T1]);
    // The send's five tries; the delete held back; the upload and the firmware run.
    expect(p.worked()).toEqual([T1, T1, T1, T1, T1, T3, T4]);
    expect(p.reported()).toEqual([T3, T4]);
    expect(done.map((d) => [d.taskid, d.apicode, d.status])).toEqual([
      [T3, 'T_POST_DEVICE_PERSON', 1],
      [T4, 'T_UPDATE_DEVICE_VERSION', 1],
    ]);
    expect(installed).toEqual(['v2.0.0']);
    expect(errors.map((e) => e.taskid)).toEqual([T1]);
    // The upload sent the store as it is: without X, whose send is held back.
    const upload = p.requests.find((r) => r.apicode === 'T_POST_DEVICE_PERSON')!;
    expect((JSON.parse(upload.param!) as { data: unknown[] }).data).toEqual([]);

    // A new send is offered at once: the held send and delete are asked for again (not the
    // upload or the firmware, finished) and run first.
    await runner.run([T5]);
    expect(fetched(p)).toEqual([
      [T1, T2, T3, T4],
      [T1, T2, T5],
    ]);
    expect(p.worked().slice(7)).toEqual([T1, T2, T5]);
    expect(done.map((d) => d.taskid)).toEqual([T3, T4, T1, T2, T5]);
    expect(runner.persons.has(X)).toBe(false);
    expect(runner.persons.has(Y)).toBe(true);
  });

  /**
   * Every try of `taskid`'s work request is refused; the first is answered only once
   * release() is called (so that pushes can queue behind it).
   */
  function refuseAll(p: ReturnType<typeof platform>, taskid: string): () => void {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first = true;
    p.hooks.before = (req) => {
      if (req.taskid !== taskid || req.apicode === 'T_UPDATE_TASKS_STATUS') return undefined;
      if (!first) return refusal('500_01');
      first = false;
      return held.then(() => refusal('500_01'));
    };
    return release;
  }

  it('across batches: one queued behind an abandoned send runs its upload and holds back its delete', async () => {
    const p = platform([
      { taskid: T1, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T2, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
      { taskid: T3, apicode: 'T_POST_DEVICE_PERSON' },
    ]);
    const release = refuseAll(p, T1);
    const { runner, done } = makeRunner(p);
    const heartbeat = runner.run([T1]);
    await tick();
    const push = runner.run([T2, T3]);
    await tick();
    release();
    await Promise.all([heartbeat, push]);
    expect(fetched(p)).toEqual([[T1], [T2, T3]]);
    expect(p.worked()).toEqual([T1, T1, T1, T1, T1, T3]);
    expect(done.map((d) => d.taskid)).toEqual([T3]);

    p.hooks.before = undefined;
    await runner.run([T1, T2]);
    expect(p.worked().slice(6)).toEqual([T1, T2]);
    expect(done.map((d) => d.taskid)).toEqual([T3, T1, T2]);
    expect(runner.persons.has(X)).toBe(false);
  });

  it('across batches: one queued behind an abandoned firmware task runs its send, and does not ask for the firmware again', async () => {
    const param = JSON.stringify({ version: 'v2.0.0', size: 10, downloadUrl: 'http://x.test/fw' });
    const p = platform([
      { taskid: T1, apicode: 'T_UPDATE_DEVICE_VERSION', param },
      { taskid: T2, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T3, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
    ]);
    const release = refuseAll(p, T1);
    const { runner, done } = makeRunner(p, { downloadDir: await tempDir(), ...installer([]) });
    const heartbeat = runner.run([T1]);
    await tick();
    const push = runner.run([T2]);
    await tick();
    release();
    await Promise.all([heartbeat, push]);
    await runner.run([T3]);
    expect(fetched(p)).toEqual([[T1], [T2], [T3]]);
    expect(p.worked()).toEqual([T1, T1, T1, T1, T1, T2, T3]);
    expect(done.map((d) => [d.taskid, d.status])).toEqual([
      [T2, 1],
      [T3, 1],
    ]);
    expect(runner.persons.has(X)).toBe(false);
  });

  it('a T_GET_TASKS that fails still holds back every task after it, firmware too, in batches queued behind it', async () => {
    const p = platform([
      { taskid: T1, apicode: 'T_SEND_PERSON', persons: [X] },
      { taskid: T2, apicode: 'T_UPDATE_DEVICE_VERSION', param: '{}' },
      { taskid: T3, apicode: 'T_DEL_DEVICE_PERSON', persons: [X] },
    ]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let tries = 0;
    p.hooks.before = (req) => {
      if (req.apicode !== 'T_GET_TASKS' || tries >= 5) return undefined;
      return ++tries === 1 ? held.then(() => refusal('500_01')) : refusal('500_01');
    };
    // No installer: a firmware task that runs is reported unsupported (3) at once.
    const { runner, done } = makeRunner(p);
    const heartbeat = runner.run([T1]);
    await tick();
    const push = runner.run([T2]);
    await tick();
    release();
    await Promise.all([heartbeat, push]);
    // T1's apicode is unknown: T2 is not even fetched.
    expect(fetched(p)).toEqual([[T1], [T1], [T1], [T1], [T1]]);
    expect(done).toEqual([]);

    await runner.run([T3]);
    expect(fetched(p).slice(5)).toEqual([[T1, T2, T3]]);
    expect(done.map((d) => [d.taskid, d.status])).toEqual([
      [T1, 1],
      [T2, 3],
      [T3, 1],
    ]);
    expect(runner.persons.has(X)).toBe(false);
  });
});

describe('close()', () => {
  it('does not wait for a token the host cannot get (the link is down)', async () => {
    const p = platform([]);
    let asked = 0;
    const { runner, errors } = makeRunner(
      p,
      {},
      host(() => {
        asked++;
        return new Promise<string>(() => {});
      }),
    );
    const running = runner.run([T1]);
    await tick(20);
    expect(asked).toBe(1);
    const outcome = await Promise.race([
      runner.close().then(() => 'closed'),
      tick(1000).then(() => 'still waiting'),
    ]);
    expect(outcome).toBe('closed');
    await running;
    expect(p.requests).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('TaskHttpClient: an abort ends a wait for the token with "closed"; a token refused later is not an unhandled rejection', async () => {
    const abort = new AbortController();
    let refuse!: (e: Error) => void;
    const client = new TaskHttpClient(
      host(() => new Promise<string>((_resolve, reject) => (refuse = reject))),
      { attempts: 1, signal: abort.signal, fetch: platform([]).fetch },
    );
    const call = client.call('T_GET_TASKS', { param: '{"taskids":["1"]}' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await tick();
    abort.abort(new Error('closing'));
    expect(await Promise.race([call, tick(1000).then(() => 'still waiting')])).toMatchObject({
      code: 'closed',
    });
    refuse(new Error('no link'));
    await tick();
  });
});

describe('partial firmware downloads', () => {
  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );

  it('on start, only the newest task’s partial file is kept; other files are left alone', async () => {
    const dir = await tempDir();
    for (const id of [T1, T3, T2]) await writeFile(firmwarePartPath(dir, id), 'partial');
    await writeFile(join(dir, 'notes.txt'), 'not ours');
    const { runner } = makeRunner(platform([]), { downloadDir: dir });
    await runner.close();
    expect((await readdir(dir)).sort()).toEqual([`kaoqin-fw-${T3}.part`, 'notes.txt']);
  });

  it('a firmware task resumes its own partial file with a Range request and removes the others', async () => {
    const dir = await tempDir();
    const fw = await firmwareServer();
    const param = JSON.stringify({ version: 'v2.0.0', size: image.length, downloadUrl: fw.url, sha256 });
    const p = platform([{ taskid: T3, apicode: 'T_UPDATE_DEVICE_VERSION', param }]);
    const installed: { version: string; size: number; sha256: string }[] = [];
    const { runner, done } = makeRunner(p, {
      downloadDir: dir,
      firmwareInstaller: async ({ version, size, sha256: sum, path }) => {
        expect(await exists(path)).toBe(true);
        installed.push({ version, size, sha256: sum });
      },
    });
    // After the start-up sweep (a batch runs after it): files left by earlier tasks.
    await runner.run(['1']);
    await writeFile(firmwarePartPath(dir, T1), 'an expired task’s partial');
    await writeFile(firmwarePartPath(dir, T3), image.subarray(0, 50_000));
    await runner.run([T3]);
    expect(fw.ranges).toEqual(['bytes=50000-']);
    expect(installed).toEqual([{ version: 'v2.0.0', size: image.length, sha256 }]);
    expect(done.map((d) => [d.taskid, d.status])).toEqual([[T3, 1]]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a firmware task the platform closed (490_07) leaves no partial file; one cut off by the network keeps it', async () => {
    const dir = await tempDir();
    const param = JSON.stringify({ version: 'v2.0.0', size: image.length, downloadUrl: 'http://x.test/fw' });
    const p = platform([
      { taskid: T1, apicode: 'T_UPDATE_DEVICE_VERSION', param },
      { taskid: T2, apicode: 'T_UPDATE_DEVICE_VERSION', param },
    ]);
    p.hooks.before = (req) => {
      if (req.apicode !== 'T_UPDATE_DEVICE_VERSION') return undefined;
      return req.taskid === T1 ? refusal('490_07') : refusal('500_01');
    };
    const { runner, done } = makeRunner(p, { downloadDir: dir, firmwareInstaller: async () => {} });
    await runner.run(['1']);
    await writeFile(firmwarePartPath(dir, T1), 'partial');
    await runner.run([T1]);
    expect(await exists(firmwarePartPath(dir, T1))).toBe(false);
    await writeFile(firmwarePartPath(dir, T2), 'partial');
    await runner.run([T2]);
    expect(await exists(firmwarePartPath(dir, T2))).toBe(true);
    expect(done).toEqual([]);
  });

  it('the shared system temp directory is not swept (other runners may be downloading there)', async () => {
    const theirs = firmwarePartPath(tmpdir(), `${Date.now()}${process.pid}`);
    await writeFile(theirs, 'another runner’s download');
    try {
      const { runner } = makeRunner(platform([]));
      await runner.run(['1']);
      await runner.close();
      expect(await exists(theirs)).toBe(true);
    } finally {
      await rm(theirs, { force: true });
    }
  });
});

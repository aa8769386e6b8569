/**
 * The task runner's parts without a platform: the HTTP client (canonical body, answer
 * signatures, retries, re-authentication, D12) against a scripted fetch, and the
 * downloads (photo hash check, firmware resume and verification) against a local server.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Apicode, sealResponse, signAnswer, signRequest } from '@kaoqin/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceFailureError } from '../src/persons/failure.js';
import type { PersonSummary } from '../src/persons/store.js';
import {
  compareTaskIds,
  createTaskRunner,
  DownloadError,
  downloadPhoto,
  downloadToFile,
  excludedFields,
  expectedPhotoHash,
  planUploadPages,
  TaskHttpClient,
  TaskHttpError,
  verifyFirmwareFile,
} from '../src/tasks/index.js';
import type { TaskRunnerHost } from '../src/types.js';

const SECRET = '93f6218530984c32a3bf2b3d03dcb417';
const FAST = { attempts: 3, backoffMs: 1, maxBackoffMs: 2 };

/** A host whose token changes each time the runner says it was rejected. */
function host(): TaskRunnerHost & { rejected: string[] } {
  let n = 1;
  const rejected: string[] = [];
  return {
    identity: {
      sn: '1388186',
      accessId: 'id',
      accessKey: 'key',
      accessSecret: SECRET,
      deviceVersion: 'v1.0.0',
      deviceIp: '10.0.0.2',
    },
    httpBaseUrl: 'http://platform.test/',
    rejected,
    token: async () => `token${n}`,
    tokenRejected(t) {
      rejected.push(t);
      n++;
    },
    now: () => Date.now(),
  };
}

interface AnswerInit {
  success?: boolean;
  taskid?: string;
  /** Exact response text, written into the body as is. */
  response?: string;
  error?: { errorcode: string; errormsg: string };
  /** null: no sign member; a string: that sign; absent: the right one. */
  sign?: string | null;
  /** The response text the sign is computed over, when not the one sent. */
  signedResponse?: string;
}

function answerText(apicode: Apicode, a: AnswerInit): string {
  const success = a.success ?? true;
  const sign =
    a.sign === null
      ? undefined
      : (a.sign ??
        signAnswer(
          apicode,
          { version: 'v1.0.0', success, taskid: a.taskid, response: a.signedResponse ?? a.response },
          SECRET,
        ));
  let out = `{"version":"v1.0.0","success":${success}`;
  if (a.taskid !== undefined) out += `,"taskid":${JSON.stringify(a.taskid)}`;
  if (a.response !== undefined) out += `,"response":${a.response}`;
  if (a.error !== undefined) out += `,"error":${JSON.stringify(a.error)}`;
  if (sign !== undefined) out += `,"sign":${JSON.stringify(sign)}`;
  return `${out}}`;
}

type Step = string | Error | 'hang';
/** A fetch that answers each call with the next scripted step, recording the request bodies. */
function scripted(steps: Step[]): { fetch: typeof fetch; bodies: Record<string, unknown>[] } {
  const bodies: Record<string, unknown>[] = [];
  const fake = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    const step = steps.shift() ?? new Error('script ran out');
    if (step === 'hang') {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    if (step instanceof Error) throw step;
    return new Response(step, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: fake as typeof fetch, bodies };
}

async function failure(p: Promise<unknown>): Promise<TaskHttpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TaskHttpError);
  return e as TaskHttpError;
}

const TASKS = '{"tasks":[{"taskid":"6541951958563696640","apicode":"T_SEND_PERSON","param":"{}"}]}';

describe('TaskHttpClient', () => {
  it('sends the canonical body (param as a JSON string, signed as that text) and checks the answer sign', async () => {
    const h = host();
    const s = scripted([answerText('T_GET_TASKS', { response: TASKS })]);
    const client = new TaskHttpClient(h, { ...FAST, fetch: s.fetch });
    const param = '{"taskids":["6541951958563696640"]}';
    const a = await client.call('T_GET_TASKS', { param });
    expect(a.response).toEqual(JSON.parse(TASKS));
    const body = s.bodies[0]!;
    expect(Object.keys(body)).toEqual(['version', 'sn', 'token', 'apicode', 'param', 'sign']);
    expect(body.param).toBe(param);
    expect(body.sign).toBe(
      signRequest(
        'T_GET_TASKS',
        { version: 'v1.0.0', sn: '1388186', token: 'token1', apicode: 'T_GET_TASKS', param },
        SECRET,
      ),
    );
  });

  it('verifies over the exact response bytes received, not a re-serialisation', async () => {
    const spaced = '{ "tasks" : [ ] }';
    const s = scripted([answerText('T_GET_TASKS', { response: spaced })]);
    const a = await new TaskHttpClient(host(), { ...FAST, fetch: s.fetch }).call('T_GET_TASKS', {
      param: '{}',
    });
    expect(a.response).toEqual({ tasks: [] });
  });

  it('refuses an answer whose sign does not match, as a transient failure retried with back-off', async () => {
    const forged = answerText('T_GET_TASKS', { response: TASKS, signedResponse: '{"tasks":[]}' });
    const s = scripted([forged, answerText('T_GET_TASKS', { response: TASKS, sign: null }), forged]);
    const e = await failure(
      new TaskHttpClient(host(), { ...FAST, fetch: s.fetch }).call('T_GET_TASKS', { param: '{}' }),
    );
    expect(e).toMatchObject({ code: 'bad_sign', transient: true });
    expect(s.bodies).toHaveLength(3);
    // The next good answer is taken.
    const ok = scripted([forged, answerText('T_GET_TASKS', { response: TASKS })]);
    const a = await new TaskHttpClient(host(), { ...FAST, fetch: ok.fetch }).call('T_GET_TASKS', {
      param: '{}',
    });
    expect(a.response).toEqual(JSON.parse(TASKS));
  });

  it('refuses a signed answer for another task (K7)', async () => {
    const s = scripted([answerText('T_CLEAR_DEVICE_PERSON', { taskid: '2' })]);
    const e = await failure(
      new TaskHttpClient(host(), { ...FAST, attempts: 1, fetch: s.fetch }).call('T_CLEAR_DEVICE_PERSON', {
        taskid: '1',
      }),
    );
    expect(e.code).toBe('bad_answer');
    // No param member for 3.6, and the taskid is signed.
    expect(s.bodies[0]).not.toHaveProperty('param');
    expect(s.bodies[0]?.taskid).toBe('1');
  });

  it('retries 500_01, 490_08, network errors and timeouts; not 400_02', async () => {
    const err = (errorcode: string) =>
      answerText('T_GET_TASKS', { success: false, error: { errorcode, errormsg: 'x' } });
    const s = scripted([
      err('500_01'),
      new TypeError('fetch failed'),
      err('490_08'),
      answerText('T_GET_TASKS', { response: TASKS }),
    ]);
    const client = new TaskHttpClient(host(), { ...FAST, attempts: 4, fetch: s.fetch });
    expect((await client.call('T_GET_TASKS', { param: '{}' })).response).toEqual(JSON.parse(TASKS));
    const bad = scripted([err('400_02')]);
    const e = await failure(
      new TaskHttpClient(host(), { ...FAST, fetch: bad.fetch }).call('T_GET_TASKS', { param: '{}' }),
    );
    expect(e).toMatchObject({ code: '400_02', transient: false });
    expect(bad.bodies).toHaveLength(1);
    const slow = scripted(['hang', 'hang']);
    const t = await failure(
      new TaskHttpClient(host(), { ...FAST, attempts: 2, timeoutMs: 20, fetch: slow.fetch }).call(
        'T_GET_TASKS',
        { param: '{}' },
      ),
    );
    expect(t).toMatchObject({ code: 'timeout', transient: true });
  });

  it('on 401_01 tells the host and retries once with the fresh token; a second refusal is thrown', async () => {
    const h = host();
    const refused = answerText('T_GET_TASKS', {
      success: false,
      error: { errorcode: '401_01', errormsg: 'token 不存在' },
      sign: null,
    });
    const s = scripted([refused, answerText('T_GET_TASKS', { response: TASKS })]);
    await new TaskHttpClient(h, { ...FAST, fetch: s.fetch }).call('T_GET_TASKS', { param: '{}' });
    expect(h.rejected).toEqual(['token1']);
    expect(s.bodies.map((b) => b.token)).toEqual(['token1', 'token2']);
    const twice = scripted([refused, refused]);
    const e = await failure(
      new TaskHttpClient(h, { ...FAST, fetch: twice.fetch }).call('T_GET_TASKS', { param: '{}' }),
    );
    expect(e.code).toBe('401_01');
    expect(h.rejected).toEqual(['token1', 'token2']);
  });

  it('acts on an unsigned failure (K9) but refuses a failure signed wrongly', async () => {
    const closed = { success: false, taskid: '1', error: { errorcode: '490_07', errormsg: '任务已结束' } };
    const unsigned = scripted([answerText('T_CLEAR_DEVICE_PERSON', { ...closed, sign: null })]);
    const e = await failure(
      new TaskHttpClient(host(), { ...FAST, fetch: unsigned.fetch }).call('T_CLEAR_DEVICE_PERSON', {
        taskid: '1',
      }),
    );
    expect(e).toMatchObject({ code: '490_07', transient: false });
    const signed = scripted([answerText('T_CLEAR_DEVICE_PERSON', closed)]);
    expect(
      (
        await failure(
          new TaskHttpClient(host(), { ...FAST, fetch: signed.fetch }).call('T_CLEAR_DEVICE_PERSON', {
            taskid: '1',
          }),
        )
      ).code,
    ).toBe('490_07');
    const wrong = scripted(
      Array(3).fill(answerText('T_CLEAR_DEVICE_PERSON', { ...closed, sign: 'f'.repeat(32) })),
    );
    const w = await failure(
      new TaskHttpClient(host(), { ...FAST, fetch: wrong.fetch }).call('T_CLEAR_DEVICE_PERSON', {
        taskid: '1',
      }),
    );
    expect(w.code).toBe('bad_sign');
  });

  it('opens a D12 envelope with the private key, after checking the sign over the envelope text', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const envelope = sealResponse(publicKey, TASKS);
    const s = scripted([answerText('T_GET_TASKS', { response: envelope })]);
    const a = await new TaskHttpClient(host(), {
      ...FAST,
      fetch: s.fetch,
      responsePrivateKey: privateKey,
    }).call('T_GET_TASKS', { param: '{}' });
    expect(a.response).toEqual(JSON.parse(TASKS));
    const none = scripted([answerText('T_GET_TASKS', { response: envelope })]);
    const e = await failure(
      new TaskHttpClient(host(), { ...FAST, fetch: none.fetch }).call('T_GET_TASKS', { param: '{}' }),
    );
    expect(e).toMatchObject({ code: 'encrypted', transient: false });
  });
});

// ---------------------------------------------------------------------------------------

let server: Server | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kaoqin-dl-'));
  dirs.push(d);
  return d;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('downloads', () => {
  it('a photo must hash to the key in its URL; a refused URL is not retried; a huge one is D12', async () => {
    const photo = Buffer.from('a face, as far as this test is concerned');
    const hits: string[] = [];
    const base = await serve((req, res) => {
      hits.push(req.url ?? '');
      if (req.url?.startsWith('/forbidden')) return res.writeHead(403).end();
      if (req.url?.startsWith('/big')) return res.writeHead(200).end(Buffer.alloc(5000));
      res.writeHead(200).end(photo);
    });
    const good = `${base}/dl/photo/${sha256(photo)}?e=1&s=x`;
    expect(expectedPhotoHash(good)).toBe(sha256(photo));
    expect(Buffer.from(await downloadPhoto(good, 1000, FAST))).toEqual(photo);
    // Another platform's URL promises nothing: accepted as served.
    expect(expectedPhotoHash(`${base}/p/photo.jpg`)).toBeUndefined();
    expect(Buffer.from(await downloadPhoto(`${base}/p/photo.jpg`, 1000, FAST))).toEqual(photo);
    hits.length = 0;
    const wrong = downloadPhoto(`${base}/dl/photo/${'a'.repeat(64)}`, 1000, FAST);
    await expect(wrong).rejects.toBeInstanceOf(DownloadError);
    expect(hits).toHaveLength(3); // a mismatch may be a bad transfer: retried
    hits.length = 0;
    await expect(downloadPhoto(`${base}/forbidden`, 1000, FAST)).rejects.toMatchObject({
      status: 403,
      transient: false,
    });
    expect(hits).toHaveLength(1);
    const big = await downloadPhoto(`${base}/big`, 1000, FAST).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(DeviceFailureError);
    expect((big as DeviceFailureError).code).toBe('D12');
  });

  it('firmware: resumes a cut download with a Range request, then checks size and sha256', async () => {
    const image = Buffer.alloc(300_000);
    for (let i = 0; i < image.length; i++) image[i] = (i * 31) % 251;
    const ranges: (string | undefined)[] = [];
    const base = await serve((req, res) => {
      ranges.push(req.headers.range);
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (m) {
        const start = Number(m[1]);
        res.writeHead(206, {
          'content-length': image.length - start,
          'content-range': `bytes ${start}-${image.length - 1}/${image.length}`,
        });
        return res.end(image.subarray(start));
      }
      // The first try: the link drops after 100,000 bytes.
      res.writeHead(200, { 'content-length': image.length });
      res.write(image.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
    });
    const dir = await tempDir();
    const path = join(dir, 'fw.part');
    await downloadToFile(`${base}/fw`, path, image.length, FAST);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeGreaterThan(0);
    expect((await readFile(path)).equals(image)).toBe(true);
    expect(await verifyFirmwareFile(path, { size: image.length, sha256: sha256(image) })).toEqual({
      ok: true,
    });
    expect(await verifyFirmwareFile(path, { size: image.length })).toEqual({ ok: true });
    expect(await verifyFirmwareFile(path, { size: image.length + 1, sha256: sha256(image) })).toMatchObject({
      ok: false,
      reason: 'size',
    });
    const corrupt = Buffer.from(image);
    corrupt[1234] = (corrupt[1234]! + 1) % 256;
    await writeFile(path, corrupt);
    expect(await verifyFirmwareFile(path, { size: image.length, sha256: sha256(image) })).toEqual({
      ok: false,
      reason: 'sha256',
      actual: sha256(corrupt),
    });
  });

  it('firmware: a file longer than described is refused, not kept', async () => {
    const base = await serve((_req, res) => res.writeHead(200).end(Buffer.alloc(2000)));
    const path = join(await tempDir(), 'fw.part');
    await expect(downloadToFile(`${base}/fw`, path, 1000, FAST)).rejects.toMatchObject({ transient: false });
  });
});

describe('roster upload planning and task order', () => {
  const person = (i: number, firstFaceBytes: number): PersonSummary => ({
    personId: String(i),
    name: `工人${i}`,
    faceCount: firstFaceBytes > 0 ? 1 : 0,
    firstFaceBytes,
  });

  it('pages hold at most pageSize persons, and with photos at most the body budget', () => {
    const roster = Array.from({ length: 250 }, (_, i) => person(i, 30_000));
    expect(planUploadPages(roster, 100, 4 << 20, false).map((p) => p.length)).toEqual([100, 100, 50]);
    const withImg = planUploadPages(roster, 100, 1_000_000, true);
    expect(withImg.every((p) => p.length <= 25)).toBe(true);
    expect(withImg.flat().map((p) => p.personId)).toEqual(roster.map((p) => p.personId));
    // A person never splits: one larger than the budget gets a page alone.
    expect(
      planUploadPages([person(1, 10), person(2, 2_000_000), person(3, 10)], 100, 1_000_000, true),
    ).toHaveLength(3);
    expect(planUploadPages([], 100, 1000, true)).toEqual([]);
  });

  it('reads excludeFields as text or a list, keeping only the fields 3.8 knows', () => {
    expect([...excludedFields('{"excludeFields":"img, phone"}')]).toEqual(['img', 'phone']);
    expect([...excludedFields('{"excludeFields":["name","personId"]}')]).toEqual(['name']);
    expect([...excludedFields('{}')]).toEqual([]);
    expect([...excludedFields('not json')]).toEqual([]);
  });

  it('orders 19-digit task ids numerically', () => {
    expect(['6541951958563696640', '999', '6541951958563696639'].sort(compareTaskIds)).toEqual([
      '999',
      '6541951958563696639',
      '6541951958563696640',
    ]);
  });
});

describe('the runner on a scripted platform', () => {
  it('reports a person without a name as D01 and goes on; the report carries both lists and the counts', async () => {
    const dir = await tempDir();
    const taskid = '6541951958563696640';
    const tasks = `{"tasks":[{"taskid":"${taskid}","apicode":"T_SEND_PERSON","param":"{}"}]}`;
    const page =
      '{"data":[{"personId":"1","name":"","imgUrls":[]},{"personId":"2","name":"李四","imgUrls":[]}],"currentPage":1,"totalPage":1}';
    const s = scripted([
      answerText('T_GET_TASKS', { response: tasks }),
      answerText('T_SEND_PERSON', { taskid, response: page }),
      answerText('T_UPDATE_TASKS_STATUS', {}),
    ]);
    const done: unknown[] = [];
    const runner = createTaskRunner(host(), {
      dataDir: dir,
      fetch: s.fetch,
      onTaskDone: (e) => done.push(e),
    });
    await runner.run([taskid]);
    expect(s.bodies.map((b) => b.apicode)).toEqual(['T_GET_TASKS', 'T_SEND_PERSON', 'T_UPDATE_TASKS_STATUS']);
    expect(JSON.parse(String(s.bodies[2]!.param))).toEqual({
      task: [{ taskid, status: 1, failedPersons: [{ personId: '1', errCode: 'D01' }], failedFaces: [] }],
      personCount: 1,
      faceCount: 0,
    });
    expect(done).toMatchObject([{ taskid, apicode: 'T_SEND_PERSON', status: 1 }]);
    await runner.close();
    // dataDir: the store is a file there, and survives the runner.
    const again = createTaskRunner(host(), { dataDir: dir });
    expect(again.persons.get('2')?.name).toBe('李四');
    await again.close();
  });

  it('close() stops a request in flight; run() still resolves, and nothing is reported as an error', async () => {
    const s = scripted(['hang']);
    const errors: Error[] = [];
    const runner = createTaskRunner(host(), {
      personStorePath: ':memory:',
      fetch: s.fetch,
      onError: (e) => errors.push(e),
    });
    const running = runner.run(['1']);
    await new Promise((r) => setTimeout(r, 20));
    await runner.close();
    await running;
    expect(errors).toEqual([]);
    // Closed: further offers are ignored.
    await runner.run(['2']);
    expect(s.bodies).toHaveLength(1);
  });
});

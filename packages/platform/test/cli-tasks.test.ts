/**
 * The chapter 3 operator commands as an operator runs them: real processes against a temp
 * data dir, --json parsed, exit codes 0 / 1 / 2. Each child process costs about a second,
 * so one flow walks the commands in order instead of a test per command.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDevice } from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaoqin, serve } from './helpers/process.js';

let dir: string;
let dataDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaoqin-cli-tasks-'));
  dataDir = join(dir, 'data');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const k = (...args: string[]) => kaoqin([...args, '--data-dir', dataDir]);
/** Runs a command that must succeed and parses its --json output. */
async function kj<T>(...args: string[]): Promise<T> {
  const r = await k(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A real JPEG the enrolment check accepts (≥ 128 × 128); `shade` makes each one distinct. */
async function jpegFile(name: string, shade: number): Promise<string> {
  const bytes = await sharp({
    create: { width: 160, height: 160, channels: 3, background: { r: shade, g: 120, b: 90 } },
  })
    .jpeg()
    .toBuffer();
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

type Vendor = { vendorId: string; accessId: string; accessKey: string; accessSecret: string };
type Task = { taskId: string; apicode: string; state: string; total: number };
let vendor: Vendor;
let siteId: string;

describe('kaoqin site / person / task / firmware', { timeout: 180_000 }, () => {
  it('enrols a person on a bound device and shows every task and its distribution', async () => {
    vendor = await kj<Vendor>('vendor', 'create', '--name', '任务测试');
    expect((await k('device', 'register', '--vendor', vendor.vendorId, '--sn', 'TASK-1')).code).toBe(0);
    siteId = (await kj<{ siteId: string }>('site', 'create', '--name', '西湖工地')).siteId;

    const bound = await kj<{ taskId: string; queued: number; refused: unknown[] }>(
      'site',
      'bind-device',
      '--site',
      siteId,
      '--sn',
      'TASK-1',
    );
    expect(bound).toMatchObject({ queued: 0, refused: [] });

    const [a, b, c] = await Promise.all([
      jpegFile('a.jpg', 10),
      jpegFile('b.jpg', 20),
      jpegFile('c.jpg', 30),
    ]);
    type Added = {
      personId: string;
      devices: { sn: string; taskId: string | null; refused: string | null }[];
    };
    const added = await kj<Added>(
      'person',
      'add',
      '--site',
      siteId,
      '--name',
      '张三',
      '--id-number',
      '330102199001011234',
      '--phone',
      '13800000000',
      '--photo',
      a,
      '--photo',
      b,
    );
    expect(added.devices).toEqual([
      { deviceId: expect.any(String), sn: 'TASK-1', taskId: expect.any(String), refused: null },
    ]);

    // Capacity 1 (a flag for this process): the second person is refused, with the reason.
    const refused = await kj<Added>(
      'person',
      'add',
      '--site',
      siteId,
      '--name',
      '李四',
      '--id-number',
      '33010319900101567X',
      '--photo',
      c,
      '--device-face-capacity',
      '1',
    );
    expect(refused.devices[0]).toMatchObject({
      sn: 'TASK-1',
      taskId: null,
      refused: expect.stringMatching(/capacity/),
    });

    // The text view masks ID numbers to their last four.
    const list = await k('person', 'list', '--site', siteId);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('**************1234');
    expect(list.stdout).toContain('**************567X');
    expect(list.stdout).not.toContain('330102199001011234');

    const shown = await kj<{
      photos: number;
      idNumber: string;
      devices: { sn: string; state: string; taskId: string }[];
    }>('person', 'show', added.personId);
    expect(shown).toMatchObject({ photos: 2, idNumber: '**************1234' });
    expect(shown.devices).toEqual([
      expect.objectContaining({ sn: 'TASK-1', state: 'pending', taskId: added.devices[0]!.taskId }),
    ]);
    expect(JSON.stringify(shown)).not.toContain('13800000000');

    const fwFile = join(dir, 'DK-800 v2.1.bin');
    await writeFile(fwFile, Buffer.alloc(4096, 7));
    const fw = await kj<{ id: string; size: number; sha256: string }>(
      'firmware',
      'add',
      fwFile,
      '--version',
      '2.1.0',
    );
    expect(fw).toMatchObject({
      size: 4096,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const rollout = await kj<{ devices: { sn: string; taskId: string }[] }>(
      'firmware',
      'rollout',
      '--version',
      '2.1.0',
      '--sn',
      'TASK-1',
    );
    expect(rollout.devices).toEqual([expect.objectContaining({ sn: 'TASK-1', taskId: expect.any(String) })]);

    const reconcile = await kj<{ taskId: string; excludeFields: string }>(
      'device',
      'reconcile',
      '--sn',
      'TASK-1',
      '--exclude-fields',
      'img,phone',
    );
    expect(reconcile.excludeFields).toBe('img,phone');

    const tasks = await kj<Task[]>('task', 'list', '--sn', 'TASK-1');
    // Newest first; nothing was offered, since no device connected.
    expect(tasks.map((t) => t.apicode)).toEqual([
      'T_POST_DEVICE_PERSON',
      'T_UPDATE_DEVICE_VERSION',
      'T_UPDATE_DEVICE_PERSON',
      'T_SEND_PERSON',
      'T_CLEAR_DEVICE_PERSON',
    ]);
    expect(tasks.every((t) => t.state === 'queued')).toBe(true);
    expect(tasks.find((t) => t.apicode === 'T_UPDATE_DEVICE_PERSON')).toMatchObject({
      taskId: added.devices[0]!.taskId,
      total: 1,
    });
    expect(tasks[0]!.taskId).toBe(reconcile.taskId);
    expect(tasks[1]!.taskId).toBe(rollout.devices[0]!.taskId);

    const dist = await kj<Record<string, unknown>>('device', 'distribution', '--sn', 'TASK-1');
    expect(dist).toMatchObject({
      sn: 'TASK-1',
      siteName: '西湖工地',
      faceCapacity: 10_000,
      expectedPersons: 1,
      reportedPersonCount: null,
      states: { pending: 1, refused: 1, on_device: 0 },
      openDifferences: { missing: 0, extra: 0 },
    });
  });

  it('exits 2 on missing flags and 1 on a bad photo or an unknown device, with a one-line reason', async () => {
    const notJpeg = join(dir, 'face.txt');
    await writeFile(notJpeg, 'this is not a photo\n');
    const [noName, noPhoto, badPhoto, noDevice] = await Promise.all([
      k('site', 'create'),
      k('person', 'add', '--site', siteId, '--name', '王五', '--id-number', '330105199001019999'),
      k(
        'person',
        'add',
        '--site',
        siteId,
        '--name',
        '王五',
        '--id-number',
        '330105199001019999',
        '--photo',
        notJpeg,
      ),
      k('task', 'list', '--sn', 'NO-SUCH-SN'),
    ]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name is required/);
    expect(noPhoto.code).toBe(2);
    expect(badPhoto.code).toBe(1);
    expect(badPhoto.stderr).toContain(`photo ${notJpeg}: not a JPG or PNG image`);
    expect(noDevice.code).toBe(1);
    expect(noDevice.stderr).toMatch(/no device NO-SUCH-SN/);
    for (const r of [noName, noPhoto, badPhoto, noDevice])
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('works beside a running platform: a binding made by the CLI is pushed to the online device', async () => {
    const served = await serve(['--data-dir', dataDir]);
    try {
      const d = await TestDevice.tcp(served.tcpPort, 'TASK-LIVE', vendor);
      expect((await d.auth()).success).toBe(true); // registers the device on the spot
      const bound = await kj<{ taskId: string; queued: number }>(
        'site',
        'bind-device',
        '--site',
        siteId,
        '--sn',
        'TASK-LIVE',
      );
      expect(bound.queued).toBe(2);
      // The server polls queued tasks every 250 ms and pushes them shaped as a heartbeat answer (D3).
      const push = await d.next(5000);
      expect(push.apicode).toBe('C_HEARTBEAT');
      const ids = (push.response as { taskids: string[] }).taskids;
      expect(ids).toHaveLength(2); // the clear, then the send
      expect(ids).toContain(bound.taskId);
      d.close();
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
    const tasks = await kj<Task[]>('task', 'list', '--sn', 'TASK-LIVE');
    expect(tasks.map((t) => [t.apicode, t.state])).toEqual([
      ['T_SEND_PERSON', 'offered'],
      ['T_CLEAR_DEVICE_PERSON', 'offered'],
    ]);
  });
});

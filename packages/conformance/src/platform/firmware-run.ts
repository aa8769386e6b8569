/**
 * One firmware rollout as a device lives it (clause 3.7), shared by the firmware checks:
 * the operator rolls an image out to the device (hook action `firmware`), the device
 * heartbeats until the T_UPDATE_DEVICE_VERSION task comes, fetches it, downloads the
 * image from its downloadUrl and reports the task done.
 */
import { createHash } from 'node:crypto';
import { CheckFailure, Evidence } from '../check.js';
import { rollOutFirmware } from './hook.js';
import { answerSigned, envelope, type HttpAnswer, httpUrl, post } from './http.js';
import type { PlatformTarget } from './target.js';
import { authenticate, deviceFrame, Wire } from './wire.js';

const WAIT_FOR_TASK_MS = 30_000;

export interface Descriptor {
  version?: unknown;
  size?: unknown;
  downloadUrl?: unknown;
  sha256?: unknown;
}

export interface FirmwareRun {
  evidence: Evidence;
  stopped?: string;
  rolledOut?: { version: string; size: number };
  task?: { taskid: string; descriptor: Descriptor | undefined; paramText: unknown };
  fetch?: { answer: HttpAnswer; signed: boolean };
  download?: { status: number; bytes: Uint8Array } | { error: string };
  status?: { answer: HttpAnswer; signed: boolean };
}

const runs = new WeakMap<PlatformTarget, Promise<FirmwareRun>>();

export function firmwareRun(target: PlatformTarget): Promise<FirmwareRun> {
  let run = runs.get(target);
  if (!run) {
    run = makeRun(target);
    runs.set(target, run);
  }
  return run;
}

async function makeRun(target: PlatformTarget): Promise<FirmwareRun> {
  httpUrl(target);
  const ev = new Evidence([target.accessKey, target.accessSecret]);
  const run: FirmwareRun = { evidence: ev };
  const wire = await Wire.open(target, ev);
  try {
    const token = await authenticate(wire, target);
    run.rolledOut = await rollOutFirmware(target, target.sn);
    ev.note(`operator hook rolled out firmware ${run.rolledOut.version} (${run.rolledOut.size} bytes)`);
    const task = await waitForTask(target, ev, wire, token, run.rolledOut.version);
    if (typeof task === 'string') {
      run.stopped = task;
      return run;
    }
    run.task = task;
    // 3.7.2: param is the descriptor; the device echoes the one it was given.
    const param = task.descriptor ?? {};
    const fetch = await post(
      target,
      ev,
      envelope(target, 'T_UPDATE_DEVICE_VERSION', token, param, { taskid: task.taskid }),
      'T_UPDATE_DEVICE_VERSION',
    );
    run.fetch = {
      answer: fetch,
      signed: answerSigned(target, 'T_UPDATE_DEVICE_VERSION', fetch, task.taskid),
    };
    run.download = await download(target, ev, task.descriptor?.downloadUrl);
    const status = envelope(target, 'T_UPDATE_TASKS_STATUS', token, {
      task: [{ taskid: task.taskid, status: 1 }],
      personCount: 0,
      faceCount: 0,
    });
    const answer = await post(target, ev, status, 'T_UPDATE_TASKS_STATUS for T_UPDATE_DEVICE_VERSION');
    run.status = { answer, signed: answerSigned(target, 'T_UPDATE_TASKS_STATUS', answer) };
  } catch (e) {
    if (!(e instanceof CheckFailure)) throw e;
    run.stopped = e.message;
  } finally {
    wire.close();
  }
  return run;
}

async function waitForTask(
  target: PlatformTarget,
  ev: Evidence,
  wire: Wire,
  token: string,
  version: string,
): Promise<NonNullable<FirmwareRun['task']> | string> {
  const seen = new Set<string>();
  const deadline = Date.now() + WAIT_FOR_TASK_MS;
  while (Date.now() < deadline) {
    wire.send(
      deviceFrame(target, 'C_HEARTBEAT', token, {
        deviceVersion: 'conformance-1.0.0',
        deviceIp: '192.168.1.11',
      }),
      'C_HEARTBEAT',
    );
    const hb = await wire.answer();
    const ids = (((hb.response as { taskids?: unknown } | undefined)?.taskids ?? []) as unknown[]).filter(
      (x): x is string => typeof x === 'string' && !seen.has(x),
    );
    if (ids.length > 0) {
      const a = await post(
        target,
        ev,
        envelope(target, 'T_GET_TASKS', token, { taskids: ids }),
        'T_GET_TASKS',
      );
      const tasks = ((a.response as { tasks?: unknown } | undefined)?.tasks ?? []) as {
        taskid?: unknown;
        apicode?: unknown;
        param?: unknown;
      }[];
      for (const t of tasks) {
        if (typeof t.taskid !== 'string') continue;
        seen.add(t.taskid);
        if (t.apicode === 'T_UPDATE_DEVICE_VERSION') {
          const descriptor = parseDescriptor(t.param);
          if (descriptor?.version === version) return { taskid: t.taskid, descriptor, paramText: t.param };
        }
        // Not this rollout's: "not supported" (3.2.2 status 3), so it does not stay open on our account.
        const body = envelope(target, 'T_UPDATE_TASKS_STATUS', token, {
          task: [{ taskid: t.taskid, status: 3 }],
          personCount: 0,
          faceCount: 0,
        });
        await post(target, ev, body, `T_UPDATE_TASKS_STATUS (3, not supported) for ${String(t.apicode)}`);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return `no T_UPDATE_DEVICE_VERSION task for version ${version} reached the device within ${WAIT_FOR_TASK_MS / 1000} s`;
}

/** The task's param: the descriptor as JSON text (3.1.3: param is a String) or, leniently, an object. */
function parseDescriptor(param: unknown): Descriptor | undefined {
  try {
    const v: unknown = typeof param === 'string' ? JSON.parse(param) : param;
    return v !== null && typeof v === 'object' ? (v as Descriptor) : undefined;
  } catch {
    return undefined;
  }
}

async function download(
  target: PlatformTarget,
  ev: Evidence,
  url: unknown,
): Promise<FirmwareRun['download']> {
  if (typeof url !== 'string' || url === '') return { error: 'the descriptor has no downloadUrl' };
  const absolute = new URL(url, httpUrl(target)).toString();
  ev.note(`GET ${absolute}`);
  try {
    const res = await fetch(absolute, { signal: AbortSignal.timeout(60_000) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    ev.note(
      `HTTP ${res.status}, ${bytes.byteLength} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`,
    );
    return { status: res.status, bytes };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

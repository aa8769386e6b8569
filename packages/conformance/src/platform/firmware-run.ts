/**
 * One firmware rollout as a device lives it (clause 3.7), shared by the firmware checks:
 * the operator rolls an image out to the device (hook action `firmware`), the device
 * heartbeats until the T_UPDATE_DEVICE_VERSION task comes, fetches it, downloads the
 * image from its downloadUrl and reports the task done.
 */
import { createHash } from 'node:crypto';
import { Evidence } from '../check.js';
import { awaitTask, reportTask, WAIT_FOR_TASK_MS } from './await-task.js';
import { asDevice, oncePerTarget } from './device-run.js';
import { rollOutFirmware } from './hook.js';
import { answerSigned, envelope, type HttpAnswer, httpUrl, post } from './http.js';
import type { PlatformTarget } from './target.js';

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

export const firmwareRun = oncePerTarget(makeRun);

async function makeRun(target: PlatformTarget): Promise<FirmwareRun> {
  httpUrl(target);
  const ev = new Evidence([target.accessKey, target.accessSecret]);
  const run: FirmwareRun = { evidence: ev };
  await asDevice(target, ev, run, async (wire, token) => {
    const rolledOut = await rollOutFirmware(target, target.sn);
    run.rolledOut = rolledOut;
    ev.note(`operator hook rolled out firmware ${rolledOut.version} (${rolledOut.size} bytes)`);
    const task = await awaitTask(target, ev, wire, token, async (tasks) => {
      for (const t of tasks) {
        if (t.apicode === 'T_UPDATE_DEVICE_VERSION') {
          const descriptor = parseDescriptor(t.param);
          if (descriptor?.version === rolledOut.version)
            return { taskid: t.taskid, descriptor, paramText: t.param };
        }
        // Not this rollout's: "not supported" (3.2.2 status 3), so it does not stay open on our account.
        const what = `T_UPDATE_TASKS_STATUS (3, not supported) for ${String(t.apicode)}`;
        await reportTask(target, ev, token, t.taskid, 3, what);
      }
      return undefined;
    });
    if (!task) {
      run.stopped = `no T_UPDATE_DEVICE_VERSION task for version ${rolledOut.version} reached the device within ${WAIT_FOR_TASK_MS / 1000} s`;
      return;
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
    const answer = await reportTask(
      target,
      ev,
      token,
      task.taskid,
      1,
      'T_UPDATE_TASKS_STATUS for T_UPDATE_DEVICE_VERSION',
    );
    run.status = { answer, signed: answerSigned(target, 'T_UPDATE_TASKS_STATUS', answer) };
  });
  return run;
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

/**
 * Clause 3.7 (T_UPDATE_DEVICE_VERSION): a firmware rollout from the operator's hook to
 * the downloaded image (firmware-run.ts makes the run once; each check asserts its part).
 * Not run without --http and --operator-hook.
 */
import { createHash } from 'node:crypto';
import { type Check, CheckFailure, type Evidence, must } from '../check.js';
import { type FirmwareRun, firmwareRun } from './firmware-run.js';
import type { PlatformTarget } from './target.js';

function onRun(assert: (run: FirmwareRun) => void, always = false): Check<PlatformTarget>['run'] {
  return async (target: PlatformTarget, ev: Evidence) => {
    const run = await firmwareRun(target);
    if (always) ev.exchanges.push(...run.evidence.exchanges);
    try {
      assert(run);
    } catch (e) {
      if (!always) ev.exchanges.push(...run.evidence.exchanges);
      throw e;
    }
  };
}

function reached<T>(value: T | undefined, run: FirmwareRun, what: string): T {
  if (value === undefined) throw new CheckFailure(`${what}: ${run.stopped ?? 'the run stopped before it'}`);
  return value;
}

export const firmwareChecks: Check<PlatformTarget>[] = [
  {
    id: 'firmware.offered',
    clause: '3.7',
    title:
      'a rollout reaches the device as a T_UPDATE_DEVICE_VERSION task whose param gives version, size and downloadUrl',
    run: onRun((run) => {
      const task = reached(run.task, run, 'no firmware task');
      const d = task.descriptor ?? {};
      must(
        typeof task.paramText === 'string',
        "the task's param is not JSON text (table 3.1.3: param String)",
      );
      must(
        d.version === run.rolledOut?.version,
        `descriptor version ${String(d.version)} is not the one rolled out`,
      );
      must(
        Number(d.size) === run.rolledOut?.size,
        `descriptor size ${String(d.size)} is not the image's ${run.rolledOut?.size} bytes`,
      );
      must(
        typeof d.downloadUrl === 'string' && d.downloadUrl !== '',
        'descriptor has no downloadUrl (table 3.7.2)',
      );
    }, true),
  },
  {
    id: 'firmware.fetch',
    clause: '3.7',
    title: 'T_UPDATE_DEVICE_VERSION answers success, signed MD5(version+success+taskid+accessSecret)',
    run: onRun((run) => {
      const f = reached(run.fetch, run, 'T_UPDATE_DEVICE_VERSION was not sent');
      must(f.answer.success === true, `refused (${String(f.answer.error?.errorcode)})`);
      must(f.signed, "the answer's sign does not match MD5(version+success+taskid+accessSecret)");
    }),
  },
  {
    id: 'firmware.download',
    clause: '3.7',
    title: 'downloadUrl gives exactly size bytes (and, when the descriptor has one, their sha256)',
    run: onRun((run) => {
      const d = reached(run.download, run, 'nothing was downloaded');
      must(!('error' in d), 'error' in d ? d.error : '');
      if ('error' in d) return;
      must(d.status === 200, `the download answered HTTP ${d.status}`);
      const want = Number(run.task?.descriptor?.size);
      must(d.bytes.byteLength === want, `downloaded ${d.bytes.byteLength} bytes where size says ${want}`);
      const sha = run.task?.descriptor?.sha256;
      if (typeof sha === 'string')
        must(
          createHash('sha256').update(d.bytes).digest('hex') === sha.toLowerCase(),
          "the bytes' sha256 is not the descriptor's",
        );
    }),
  },
];

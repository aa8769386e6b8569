/**
 * What the device's task steps share: a fresh task id, the wait for the device's next
 * request of a kind, and its status report of a task (3.2) with the counts it gives.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CheckFailure, must } from '../check.js';
import type { KitPhoto, Seen } from './kit-platform.js';
import type { DeviceSession } from './session.js';

const require = createRequire(import.meta.url);
/** One of the protocol package's photo vectors (vectors/photos), by file name. */
export const photoVector = (name: string): Buffer =>
  readFileSync(require.resolve(`@kaoqin/protocol/vectors/photos/${name}`));
/** A photo that meets §1.2: the vectors' 200 × 200 JPEG. */
export const goodPhoto = (): KitPhoto => ({ bytes: photoVector('good-200x200.jpg'), type: 'image/jpeg' });

export const taskIdOf = () =>
  String(1_796_200_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)));

export async function next(
  s: DeviceSession,
  what: string,
  match: (x: Seen) => boolean,
  from = 0,
  ms = s.waitMs,
): Promise<Seen> {
  const hit = await s.kit.waitFor(match, ms, from);
  if (!hit) throw new CheckFailure(`no ${what} within ${Math.round(ms / 1000)} s`);
  return hit;
}

/** The device's report of task `taskid`: its entry, and personCount/faceCount. */
export async function reportOf(s: DeviceSession, taskid: string, from: number) {
  const entryOf = (x: Seen) =>
    (
      (x.param as { task?: unknown } | undefined)?.task as
        | { taskid?: unknown; status?: unknown }[]
        | undefined
    )?.find?.((t) => t?.taskid === taskid);
  const x = await next(
    s,
    `T_UPDATE_TASKS_STATUS for ${taskid}`,
    (y) => y.req.apicode === 'T_UPDATE_TASKS_STATUS' && entryOf(y) !== undefined,
    from,
  );
  must(x.signOk, 'T_UPDATE_TASKS_STATUS sign is not MD5(version+sn+token+apicode+param+accessSecret)');
  const p = (x.param ?? {}) as { personCount?: unknown; faceCount?: unknown };
  must(
    Number(entryOf(x)?.status) === 1,
    `the task was reported with status ${String(entryOf(x)?.status)}, not 1 (完成)`,
  );
  must(
    Number.isInteger(p.personCount) && Number.isInteger(p.faceCount),
    'personCount or faceCount missing or not whole numbers',
  );
  return { personCount: Number(p.personCount), faceCount: Number(p.faceCount) };
}

/**
 * Waiting for a task as a device does: heartbeat (clause 2.2: the answer lists the ids of
 * the tasks waiting), fetch the new ones (3.1 T_GET_TASKS), and report each one handled
 * (3.2 T_UPDATE_TASKS_STATUS). The runs that wait for a task the operator's hook made
 * (person-task-run.ts, roster-run.ts, firmware-run.ts) each had this loop; it is here
 * once so they wait alike: the same heartbeat, one a second while no new task comes, the
 * same 30 s, and a task id fetched once.
 */
import type { Evidence } from '../check.js';
import { envelope, type HttpAnswer, post } from './http.js';
import type { PlatformTarget } from './target.js';
import { deviceFrame, HEARTBEAT_PARAM, type Wire } from './wire.js';

/** How long a run waits for the task it is after. */
export const WAIT_FOR_TASK_MS = 30_000;

/** A task as T_GET_TASKS lists it (3.1.3): its taskid a string, the rest as the platform sent it. */
export interface OfferedTask {
  taskid: string;
  apicode?: unknown;
  param?: unknown;
}

/**
 * Heartbeats until `take` returns something other than undefined, and returns that; or
 * undefined after WAIT_FOR_TASK_MS. The task ids a heartbeat offers that are not in
 * `seen` are fetched with T_GET_TASKS; the tasks listed are added to `seen` and handed to
 * `take`, which handles (and reports) them. A heartbeat that brings no new task is
 * followed by a second's pause; one that did, by the next heartbeat at once.
 */
export async function awaitTask<T>(
  target: PlatformTarget,
  ev: Evidence,
  wire: Wire,
  token: string,
  take: (tasks: OfferedTask[]) => Promise<T | undefined>,
  seen = new Set<string>(),
): Promise<T | undefined> {
  const deadline = Date.now() + WAIT_FOR_TASK_MS;
  while (Date.now() < deadline) {
    wire.send(deviceFrame(target, 'C_HEARTBEAT', token, HEARTBEAT_PARAM), 'C_HEARTBEAT');
    const hb = await wire.answer();
    const ids = (((hb.response as { taskids?: unknown } | undefined)?.taskids ?? []) as unknown[]).filter(
      (x): x is string => typeof x === 'string' && !seen.has(x),
    );
    const tasks = ids.length > 0 ? await getTasks(target, ev, token, ids) : [];
    if (tasks.length === 0) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    for (const t of tasks) seen.add(t.taskid);
    const got = await take(tasks);
    if (got !== undefined) return got;
  }
  return undefined;
}

/** T_GET_TASKS (3.1) for `ids`: the tasks listed that have a taskid. */
async function getTasks(
  target: PlatformTarget,
  ev: Evidence,
  token: string,
  ids: string[],
): Promise<OfferedTask[]> {
  const a = await post(target, ev, envelope(target, 'T_GET_TASKS', token, { taskids: ids }), 'T_GET_TASKS');
  const listed = ((a.response as { tasks?: unknown } | undefined)?.tasks ?? []) as { taskid?: unknown }[];
  return listed.filter((t): t is OfferedTask => typeof t.taskid === 'string');
}

/**
 * A task's status report (3.2): `status` 1 done, 3 not supported (3.2.2), with the
 * persons and faces the device now holds; `what` names it in the evidence.
 */
export function reportTask(
  target: PlatformTarget,
  ev: Evidence,
  token: string,
  taskid: string,
  status: number,
  what: string,
  counts = { personCount: 0, faceCount: 0 },
): Promise<HttpAnswer> {
  const body = envelope(target, 'T_UPDATE_TASKS_STATUS', token, { task: [{ taskid, status }], ...counts });
  return post(target, ev, body, what);
}

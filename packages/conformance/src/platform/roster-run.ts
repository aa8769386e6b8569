/**
 * The roster tasks after the persons are on the device (person-task-run.ts), as a device
 * lives them: one person removed (3.5 T_DEL_DEVICE_PERSON), the device's persons asked for
 * (3.8 T_POST_DEVICE_PERSON), the device emptied (3.6 T_CLEAR_DEVICE_PERSON), each made
 * by the operator's hook and each answered and reported. Shared by checks-roster.ts.
 */
import { Evidence } from '../check.js';
import { awaitTask, reportTask, WAIT_FOR_TASK_MS } from './await-task.js';
import { asDevice, oncePerTarget } from './device-run.js';
import { type RosterAction, rosterAction } from './hook.js';
import { answerSigned, envelope, type HttpAnswer, post } from './http.js';
import { personTaskRun } from './person-task-run.js';
import type { PlatformTarget } from './target.js';

/** A small JPEG's first bytes: the reconcile upload's img, which the signature leaves out. */
const IMG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]).toString('base64');

export interface Step {
  taskid?: string;
  answer?: HttpAnswer;
  signed?: boolean;
  status?: HttpAnswer;
  stopped?: string;
}

export interface RosterRun {
  evidence: Evidence;
  stopped?: string;
  removed?: string;
  remove: Step;
  reconcile: Step;
  clear: Step;
}

export const rosterRun = oncePerTarget(makeRun);

async function makeRun(target: PlatformTarget): Promise<RosterRun> {
  const persons = await personTaskRun(target);
  const ev = new Evidence([target.accessKey, target.accessSecret]);
  const run: RosterRun = { evidence: ev, remove: {}, reconcile: {}, clear: {} };
  const [removed, kept] = persons.enrolled;
  if (!removed || !kept || persons.missing.length > 0) {
    run.stopped = `needs the persons of the tasks checks on the device first (${persons.stopped ?? 'some never reached it'})`;
    return run;
  }
  run.removed = removed;
  await asDevice(target, ev, run, async (wire, token) => {
    const seen = new Set<string>();
    const report = (taskid: string, status: number) =>
      reportTask(target, ev, token, taskid, status, `T_UPDATE_TASKS_STATUS ${status}`);
    /** Heartbeats until a task of `apicode` is offered; others met on the way are reported (done, or 3 not supported). */
    const waitFor = (apicode: string) =>
      awaitTask(
        target,
        ev,
        wire,
        token,
        async (tasks) => {
          let found: string | undefined;
          for (const t of tasks) {
            if (t.apicode === apicode && found === undefined) found = t.taskid;
            else await report(t.taskid, t.apicode === 'T_UPDATE_DEVICE_VERSION' ? 3 : 1);
          }
          return found;
        },
        seen,
      );
    const step = async (action: RosterAction, apicode: string, param: object | undefined, into: Step) => {
      await rosterAction(target, action);
      ev.note(`operator hook: ${JSON.stringify(action)}`);
      const taskid = await waitFor(apicode);
      if (taskid === undefined) {
        into.stopped = `no ${apicode} task reached the device within ${WAIT_FOR_TASK_MS / 1000} s of the hook's ${action.action}`;
        return;
      }
      into.taskid = taskid;
      const a = apicode as 'T_DEL_DEVICE_PERSON';
      into.answer = await post(target, ev, envelope(target, a, token, param, { taskid }), apicode);
      into.signed = answerSigned(target, a, into.answer, taskid);
      into.status = await report(taskid, 1);
    };
    await step(
      { action: 'remove', sn: target.sn, personId: removed },
      'T_DEL_DEVICE_PERSON',
      undefined,
      run.remove,
    );
    const upload = {
      currentPage: 1,
      totalPage: 1,
      data: [{ personId: kept, name: '一致性测试', img: IMG, hasImg: 1 }],
    };
    await step({ action: 'reconcile', sn: target.sn }, 'T_POST_DEVICE_PERSON', upload, run.reconcile);
    await step({ action: 'clear', sn: target.sn }, 'T_CLEAR_DEVICE_PERSON', undefined, run.clear);
  });
  return run;
}

/**
 * Clauses 3.5, 3.8 and 3.6 through the operator hook: a person removed, the device's
 * persons asked for, the device emptied (roster-run.ts makes the run once, after the
 * person tasks; each check asserts its step). Not run without --http and --operator-hook.
 */
import { type Check, CheckFailure, type Evidence, must } from '../check.js';
import { type RosterRun, rosterRun, type Step } from './roster-run.js';
import type { PlatformTarget } from './target.js';

function onStep(
  pick: (run: RosterRun) => Step,
  assert: (step: Step, run: RosterRun) => void,
): Check<PlatformTarget>['run'] {
  return async (target: PlatformTarget, ev: Evidence) => {
    const run = await rosterRun(target);
    try {
      if (run.stopped) throw new CheckFailure(run.stopped);
      const step = pick(run);
      if (step.stopped) throw new CheckFailure(step.stopped);
      must(step.answer !== undefined, 'the request was not sent');
      assert(step, run);
      must(
        step.status?.success === true,
        `its T_UPDATE_TASKS_STATUS was refused (${String(step.status?.error?.errorcode)})`,
      );
    } catch (e) {
      ev.exchanges.push(...run.evidence.exchanges);
      throw e;
    }
  };
}

const succeeded = (step: Step, formula: string) => {
  must(step.answer!.success === true, `refused (${String(step.answer!.error?.errorcode)})`);
  must(step.signed, `the answer's sign does not match ${formula}`);
};

export const rosterChecks: Check<PlatformTarget>[] = [
  {
    id: 'tasks.delete',
    clause: '3.5',
    title:
      'a person removed from the device comes as T_DEL_DEVICE_PERSON, answered with their id in personIds, signed',
    run: onStep(
      (run) => run.remove,
      (step, run) => {
        succeeded(step, 'MD5(version+success+taskid+accessSecret)');
        const ids = (step.answer!.response as { personIds?: unknown } | undefined)?.personIds;
        must(
          Array.isArray(ids),
          `response.personIds is not a list (table 3.5.3): ${step.answer!.responseText ?? ''}`,
        );
        must(ids.includes(run.removed), `response.personIds does not hold the removed person ${run.removed}`);
      },
    ),
  },
  {
    id: 'tasks.reconcile',
    clause: '3.8',
    title:
      "T_POST_DEVICE_PERSON with the device's persons (img left out of the sign) is answered success, signed",
    run: onStep(
      (run) => run.reconcile,
      (step) => succeeded(step, 'MD5(version+success+taskid+response+accessSecret)'),
    ),
  },
  {
    id: 'tasks.clear',
    clause: '3.6',
    title:
      'a cleared device gets T_CLEAR_DEVICE_PERSON, answered success, signed MD5(version+success+taskid+accessSecret)',
    run: onStep(
      (run) => run.clear,
      (step) => succeeded(step, 'MD5(version+success+taskid+accessSecret)'),
    ),
  },
];

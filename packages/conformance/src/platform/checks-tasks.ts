/**
 * Chapter 3 with work in it: a person task from the operator's enrolment to the device's
 * status report (person-task-run.ts makes the run once; each check asserts its part and,
 * when it fails, carries the run's exchanges). Not run without --http and
 * --operator-hook.
 */
import { type Check, CheckFailure, type Evidence, must } from '../check.js';
import { type Page, type PersonTaskRun, personTaskRun } from './person-task-run.js';
import type { PlatformTarget } from './target.js';

/** Runs `assert` on the shared run; a failure carries the run's exchanges as evidence. */
function onRun(assert: (run: PersonTaskRun) => void, always = false): Check<PlatformTarget>['run'] {
  return async (target: PlatformTarget, ev: Evidence) => {
    const run = await personTaskRun(target);
    if (always) ev.exchanges.push(...run.evidence.exchanges);
    try {
      assert(run);
    } catch (e) {
      if (!always) ev.exchanges.push(...run.evidence.exchanges);
      throw e;
    }
  };
}

/** The run got at least this far, or the check fails with why it stopped. */
function reached<T>(value: T | undefined, run: PersonTaskRun, what: string): T {
  if (value === undefined) throw new CheckFailure(`${what}: ${run.stopped ?? 'the run stopped before it'}`);
  return value;
}

const sameIds = (a: Page, b: Page) => a.ids.join() === b.ids.join();

export const taskChecks: Check<PlatformTarget>[] = [
  {
    id: 'tasks.offered',
    clause: '2.2',
    title:
      'persons enrolled for the device reach it as a T_SEND_PERSON or T_UPDATE_DEVICE_PERSON task id in a heartbeat, then in T_GET_TASKS',
    // The run's exchanges go with this check, pass or fail: a report shows the run once.
    run: onRun((run) => {
      reached(run.task, run, 'no person task');
    }, true),
  },
  {
    id: 'tasks.person-pages',
    clause: '3.3',
    title:
      'every person enrolled reaches the device in person tasks whose pages answer success, signed over the taskid, with personId, name and imgUrls',
    run: onRun((run) => {
      reached(run.task, run, 'no person task');
      for (const p of run.allPages) {
        must(p.answer.success === true, `page ${p.page} refused (${String(p.answer.error?.errorcode)})`);
        must(
          p.signed,
          `page ${p.page}'s sign does not match MD5(version+success+taskid+response+accessSecret)`,
        );
        must(p.malformed.length === 0, `page ${p.page}: ${p.malformed.join('; ')}`);
        must(
          Number(p.currentPage) === p.page,
          `page ${p.page} answered currentPage ${String(p.currentPage)}`,
        );
        must(
          Number.isInteger(Number(p.totalPage)) && Number(p.totalPage) >= (p.ids.length > 0 ? p.page : 0),
          `page ${p.page} with ${p.ids.length} persons answered totalPage ${String(p.totalPage)}`,
        );
      }
      const missing = run.missing;
      must(
        missing.length === 0,
        `${missing.length} enrolled persons reached the device in no task: ${missing.slice(0, 5).join(', ')}`,
      );
    }),
  },
  {
    id: 'tasks.roster-frozen',
    clause: '3.3',
    title:
      "a person enrolled mid-paging changes none of the task's pages: page 1 again is the same, totalPage too",
    run: onRun((run) => {
      const again = reached(run.page1Again, run, 'page 1 was not fetched again');
      const first = run.pages[0]!;
      must(
        String(again.totalPage) === String(first.totalPage),
        `totalPage went from ${String(first.totalPage)} to ${String(again.totalPage)}`,
      );
      must(sameIds(again, first), `page 1 changed: ${first.ids.join(',')} then ${again.ids.join(',')}`);
      const inTask = run.pages.some((p) => p.ids.includes(run.late ?? ''));
      must(!inTask, `the person enrolled mid-paging (${run.late}) appeared in the task's pages`);
    }),
  },
  {
    id: 'tasks.photo-download',
    clause: '3.3',
    title: "a person's imgUrls entry downloads a JPEG or PNG",
    run: onRun((run) => {
      const photo = reached(run.photo, run, 'no photo was fetched');
      must(!('error' in photo), `GET ${photo.url}: ${'error' in photo ? photo.error : ''}`);
      if ('error' in photo) return;
      must(photo.status === 200, `GET ${photo.url} answered HTTP ${photo.status}`);
      const b = photo.bytes;
      const jpeg = b[0] === 0xff && b[1] === 0xd8;
      const png = b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
      must(
        jpeg || png,
        `the photo's bytes are neither JPEG nor PNG (${Buffer.from(b.subarray(0, 8)).toString('hex')})`,
      );
    }),
  },
  {
    id: 'tasks.status-report',
    clause: '3.2',
    title:
      'T_UPDATE_TASKS_STATUS with the task done and the counts answers success, signed MD5(version+success+response+accessSecret)',
    run: onRun((run) => {
      const s = reached(run.status, run, 'no status was reported');
      must(s.answer.success === true, `refused (${String(s.answer.error?.errorcode)})`);
      must(s.signed, "the answer's sign does not match MD5(version+success+response+accessSecret)");
    }),
  },
];

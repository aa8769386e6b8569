/**
 * One run of a person task, from the operator's enrolment to the device's status report,
 * shared by the checks of checks-tasks.ts (each asserts its part, so a platform with one
 * defect fails the one check about it). As a device does it: heartbeat until a task id
 * comes (clause 2.2), fetch the tasks (3.1), page through the person task (3.3), download
 * a face photo, and report the task done with the counts (3.2). Halfway through the
 * paging, a person more is enrolled: the task's pages must not change (the roster a task
 * sends is the one of its creation).
 */
import { Evidence } from '../check.js';
import { awaitTask, reportTask, WAIT_FOR_TASK_MS } from './await-task.js';
import { asDevice, oncePerTarget } from './device-run.js';
import { enrol } from './hook.js';
import { answerSigned, envelope, type HttpAnswer, httpUrl, post } from './http.js';
import type { PlatformTarget } from './target.js';
import type { Wire } from './wire.js';

export const PERSON_TASKS = new Set(['T_SEND_PERSON', 'T_UPDATE_DEVICE_PERSON']);
/** Enough persons for two pages at the standard example's page size of 10. */
export const ENROLLED = 12;

export interface Page {
  page: number;
  answer: HttpAnswer;
  signed: boolean;
  ids: string[];
  /** Each entry's name, where it is a string. */
  names: (string | undefined)[];
  /** Each entry's imgUrls, or undefined where it is not a list. */
  imgUrls: (string[] | undefined)[];
  malformed: string[];
  totalPage: unknown;
  currentPage: unknown;
}

export interface PersonTaskRun {
  evidence: Evidence;
  /** Why the run stopped early; the checks that needed what follows fail with it. */
  stopped?: string;
  enrolled: string[];
  /** Enrolled persons no person task delivered within the wait. */
  missing: string[];
  /** The first person task holding an enrolled person: its pages are the ones checked for the freeze. */
  task?: { taskid: string; apicode: string };
  /** That task's pages, in order. */
  pages: Page[];
  /** Every page of every person task fetched (the frozen task's included). */
  allPages: Page[];
  /** Page 1 of the task fetched again after a person more was enrolled. */
  page1Again?: Page;
  late?: string;
  photo?: { url: string; status: number; bytes: Uint8Array } | { url: string; error: string };
  /** The status report of that task. */
  status?: { answer: HttpAnswer; signed: boolean };
}

/** The run for this target, made once whichever check asks first. */
export const personTaskRun = oncePerTarget(makeRun);

async function makeRun(target: PlatformTarget): Promise<PersonTaskRun> {
  httpUrl(target); // "not run" without chapter 3's address, before the operator is asked for anything
  const ev = new Evidence([target.accessKey, target.accessSecret]);
  const run: PersonTaskRun = { evidence: ev, enrolled: [], missing: [], pages: [], allPages: [] };
  await asDevice(target, ev, run, async (wire, token) => {
    run.enrolled = (await enrol(target, target.sn, ENROLLED)).personIds;
    ev.note(`operator hook enrolled ${run.enrolled.length} persons`);
    await deliver(target, ev, wire, token, run);
    run.photo = await download(target, ev, run.pages.flatMap((p) => p.imgUrls.flatMap((u) => u ?? []))[0]);
  });
  return run;
}

/**
 * What a device does until every person enrolled has reached it: heartbeat, fetch the
 * tasks offered, page through each person task, and report each task done with the
 * counts it now holds. A platform may send the persons in one task or in several; the
 * first task holding one of them is the one whose pages are checked for the freeze (a
 * person more is enrolled after its page 1). Tasks that are not person tasks are
 * reported done (a clear) or not supported.
 */
async function deliver(
  target: PlatformTarget,
  ev: Evidence,
  wire: Wire,
  token: string,
  run: PersonTaskRun,
): Promise<void> {
  const pending = new Set(run.enrolled);
  const held = new Map<string, boolean>(); // personId → has a face
  await awaitTask(target, ev, wire, token, async (tasks) => {
    for (const t of tasks) {
      if (typeof t.apicode !== 'string') continue;
      const task = { taskid: t.taskid, apicode: t.apicode };
      let status = 3; // 3.2.2: 不支持, for what this run does not act on
      if (PERSON_TASKS.has(task.apicode)) {
        const pages = [await fetchPage(target, ev, token, task, 1)];
        const frozen = !run.task && pages[0]!.ids.some((id) => pending.has(id));
        if (frozen) {
          run.task = task;
          run.late = (await enrol(target, target.sn, 1)).personIds[0];
          ev.note(`operator hook enrolled one more person (${run.late}) in the middle of the paging`);
        }
        const total = Number(pages[0]!.totalPage);
        for (let p = 2; Number.isInteger(total) && p <= Math.min(total, 1000); p++)
          pages.push(await fetchPage(target, ev, token, task, p));
        if (frozen) {
          run.pages = pages;
          run.page1Again = await fetchPage(target, ev, token, task, 1);
        }
        run.allPages.push(...pages);
        for (const p of pages)
          p.ids.forEach((id, i) => {
            held.set(id, (p.imgUrls[i]?.length ?? 0) > 0);
            pending.delete(id);
          });
        status = 1;
      } else if (task.apicode === 'T_CLEAR_DEVICE_PERSON') {
        held.clear();
        status = 1;
      }
      const answer = await reportTask(
        target,
        ev,
        token,
        task.taskid,
        status,
        `T_UPDATE_TASKS_STATUS for ${task.apicode}`,
        { personCount: held.size, faceCount: [...held.values()].filter(Boolean).length },
      );
      if (task.taskid === run.task?.taskid)
        run.status = { answer, signed: answerSigned(target, 'T_UPDATE_TASKS_STATUS', answer) };
    }
    // Done when every person enrolled has come and the task to check for the freeze is known.
    return pending.size === 0 && run.task ? true : undefined;
  });
  run.missing = [...pending];
  if (!run.task)
    run.stopped = `no T_SEND_PERSON or T_UPDATE_DEVICE_PERSON task holding the persons enrolled reached the device within ${WAIT_FOR_TASK_MS / 1000} s`;
}

/** One page of a person task (3.3.2: currentPage, totalPage; 3.3.4's size), as the device asks for it. */
export async function fetchPage(
  target: PlatformTarget,
  ev: Evidence,
  token: string,
  task: { taskid: string; apicode: string },
  page: number,
): Promise<Page> {
  // Table 3.3.2's members (currentPage, totalPage); 3.3.4's example adds size.
  const param = { currentPage: page, totalPage: 0, size: 10 };
  const apicode = task.apicode as 'T_SEND_PERSON';
  const answer = await post(
    target,
    ev,
    envelope(target, apicode, token, param, { taskid: task.taskid }),
    `${apicode} page ${page}`,
  );
  const r = (answer.response ?? {}) as { data?: unknown; currentPage?: unknown; totalPage?: unknown };
  const data = Array.isArray(r.data) ? (r.data as Record<string, unknown>[]) : [];
  const malformed: string[] = [];
  if (!Array.isArray(r.data)) malformed.push('response.data is not a list');
  for (const d of data) {
    if (typeof d?.personId !== 'string' || d.personId === '')
      malformed.push('an entry without a personId string');
    if (typeof d?.name !== 'string') malformed.push(`person ${String(d?.personId)} has no name string`);
    if (!Array.isArray(d?.imgUrls)) malformed.push(`person ${String(d?.personId)}'s imgUrls is not a list`);
  }
  return {
    page,
    answer,
    signed: answerSigned(target, apicode, answer, task.taskid),
    ids: data.map((d) => String(d?.personId)),
    names: data.map((d) => (typeof d?.name === 'string' ? d.name : undefined)),
    imgUrls: data.map((d) => (Array.isArray(d?.imgUrls) ? (d.imgUrls as unknown[]).map(String) : undefined)),
    malformed,
    totalPage: r.totalPage,
    currentPage: r.currentPage,
  };
}

async function download(
  target: PlatformTarget,
  ev: Evidence,
  url: string | undefined,
): Promise<PersonTaskRun['photo']> {
  if (url === undefined) return { url: '', error: 'no person on the pages had a photo URL' };
  const absolute = new URL(url, httpUrl(target)).toString();
  ev.note(`GET ${absolute}`);
  try {
    const res = await fetch(absolute, { signal: AbortSignal.timeout(15_000) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    ev.received(bytes, `HTTP ${res.status}, ${res.headers.get('content-type') ?? 'no content-type'}`);
    return { url: absolute, status: res.status, bytes };
  } catch (e) {
    return { url: absolute, error: (e as Error).message };
  }
}

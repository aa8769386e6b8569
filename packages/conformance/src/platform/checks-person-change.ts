/**
 * A change to a person the device holds reaches it (clause 3.4): the operator renames one
 * of the persons the task run enrolled (hook action `rename`), and within the wait a
 * person task holding that person under the new name must come, its pages signed. The
 * standard's task for it is T_UPDATE_DEVICE_PERSON; a platform that sends the whole roster
 * again as T_SEND_PERSON also gets the change there, and passes. Not run without --http
 * and --operator-hook.
 */
import { randomInt } from 'node:crypto';
import { type Check, CheckFailure, must } from '../check.js';
import { awaitTask, reportTask, WAIT_FOR_TASK_MS } from './await-task.js';
import { renamePerson } from './hook.js';
import { httpUrl } from './http.js';
import { fetchPage, type Page, PERSON_TASKS, personTaskRun } from './person-task-run.js';
import type { PlatformTarget } from './target.js';
import { authenticate, Wire } from './wire.js';

export const personChangeChecks: Check<PlatformTarget>[] = [
  {
    id: 'tasks.person-changed',
    clause: '3.4',
    title:
      'a person renamed by the operator reaches the device under the new name in a person task (T_UPDATE_DEVICE_PERSON), its pages signed',
    async run(target, ev) {
      httpUrl(target);
      const run = await personTaskRun(target);
      const personId = run.enrolled.find((id) => id !== run.late);
      if (personId === undefined)
        throw new CheckFailure(
          `no enrolled person to rename: ${run.stopped ?? 'the task run enrolled none'}`,
        );
      const name = `一致性改名${randomInt(1000, 10_000)}`;
      const wire = await Wire.open(target, ev);
      try {
        const token = await authenticate(wire, target);
        await renamePerson(target, personId, name);
        ev.note(`operator hook renamed ${personId} to ${name}`);
        const pages: Page[] = [];
        const came = await awaitTask(target, ev, wire, token, async (tasks) => {
          let hit: string | undefined;
          for (const t of tasks) {
            const apicode = typeof t.apicode === 'string' ? t.apicode : '';
            if (PERSON_TASKS.has(apicode)) {
              const task = { taskid: t.taskid, apicode };
              const first = await fetchPage(target, ev, token, task, 1);
              const all = [first];
              const total = Number(first.totalPage);
              for (let p = 2; Number.isInteger(total) && p <= Math.min(total, 1000); p++)
                all.push(await fetchPage(target, ev, token, task, p));
              pages.push(...all);
              const entry = all.flatMap((p) => p.names.map((n, i) => [p.ids[i], n] as const));
              if (entry.some(([id, n]) => id === personId && n === name)) hit = apicode;
            }
            await reportTask(
              target,
              ev,
              token,
              t.taskid,
              PERSON_TASKS.has(apicode) ? 1 : 3,
              `T_UPDATE_TASKS_STATUS for ${apicode}`,
            );
          }
          return hit;
        });
        must(
          came !== undefined,
          `no person task gave ${personId} the name ${name} within ${WAIT_FOR_TASK_MS / 1000} s of the rename`,
        );
        ev.note(`the change came as ${came}`);
        for (const p of pages) {
          must(p.answer.success === true, `page ${p.page} refused (${String(p.answer.error?.errorcode)})`);
          must(
            p.signed,
            `page ${p.page}'s sign does not match MD5(version+success+taskid+response+accessSecret)`,
          );
        }
      } finally {
        wire.close();
      }
    },
  },
];

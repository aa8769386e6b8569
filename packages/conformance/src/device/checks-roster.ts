/**
 * The device's roster tasks (clauses 3.5, 3.8, 3.6), after it holds the persons of
 * device.person-pages: one person removed (T_DEL_DEVICE_PERSON), its persons asked for
 * (T_POST_DEVICE_PERSON: the upload must hold them all, the removed one not), and the
 * device emptied (T_CLEAR_DEVICE_PERSON: reported with personCount 0).
 */
import { type Check, CheckFailure, must } from '../check.js';
import type { Seen } from './kit-platform.js';
import type { DeviceSession } from './session.js';
import { next, reportOf, taskIdOf } from './steps.js';

function needPersons(s: DeviceSession): void {
  if (s.personIds.length === 0)
    throw new CheckFailure('the device holds no persons of the kit (device.person-pages did not pass)');
}

export const rosterChecks: Check<DeviceSession>[] = [
  {
    id: 'device.delete',
    clause: '3.5',
    title: 'an offered T_DEL_DEVICE_PERSON is fetched, signed, and reported done with one person fewer',
    async run(s) {
      needPersons(s);
      const removed = s.personIds[0]!;
      const taskid = taskIdOf();
      const from = s.kit.seen.length;
      s.kit.offer({ taskid, apicode: 'T_DEL_DEVICE_PERSON', personIds: [removed] });
      const del = await next(
        s,
        'T_DEL_DEVICE_PERSON',
        (x) => x.req.apicode === 'T_DEL_DEVICE_PERSON' && x.req.taskid === taskid,
        from,
      );
      must(
        del.signOk,
        'T_DEL_DEVICE_PERSON sign is not MD5(version+sn+token+taskid+apicode+param+accessSecret)',
      );
      const counts = await reportOf(s, taskid, from);
      if (s.personCount !== undefined)
        must(
          counts.personCount === s.personCount - 1,
          `personCount ${counts.personCount} after removing one of ${s.personCount}`,
        );
      s.personCount = counts.personCount;
      s.removed = removed;
    },
  },
  {
    id: 'device.reconcile',
    clause: '3.8',
    title:
      'an offered T_POST_DEVICE_PERSON is answered with every person the device holds, page by page, signed with img left out',
    async run(s) {
      needPersons(s);
      const taskid = taskIdOf();
      const from = s.kit.seen.length;
      s.kit.offer({ taskid, apicode: 'T_POST_DEVICE_PERSON' });
      const first = await next(
        s,
        'T_POST_DEVICE_PERSON',
        (x) => x.req.apicode === 'T_POST_DEVICE_PERSON' && x.req.taskid === taskid,
        from,
      );
      const pages = new Map<number, Seen>();
      let at = first;
      for (;;) {
        must(
          at.signOk,
          `T_POST_DEVICE_PERSON page ${String((at.param as { currentPage?: unknown })?.currentPage)}: sign is not MD5(version+sn+token+taskid+apicode+param+accessSecret) with img left out`,
        );
        const p = (at.param ?? {}) as { currentPage?: unknown; totalPage?: unknown; data?: unknown };
        must(
          Number.isInteger(p.currentPage) && Number.isInteger(p.totalPage),
          'currentPage or totalPage missing (table 3.8.2)',
        );
        must(Array.isArray(p.data), 'param.data is not a list (table 3.8.2)');
        pages.set(Number(p.currentPage), at);
        if (pages.size >= Number(p.totalPage)) break;
        at = await next(
          s,
          'the next T_POST_DEVICE_PERSON page',
          (x) => x.req.apicode === 'T_POST_DEVICE_PERSON' && x.req.taskid === taskid,
          at.n + 1,
        );
      }
      const data = [...pages.values()].flatMap(
        (x) => (x.param as { data: { personId?: unknown; name?: unknown; img?: unknown }[] }).data,
      );
      for (const d of data)
        must(
          typeof d?.personId === 'string' && typeof d.name === 'string',
          'a person without personId or name strings (table 3.8.2)',
        );
      const held = new Set(data.map((d) => String(d.personId)));
      const expected = s.personIds.filter(
        (id) => id !== s.removed && !s.failedPersons.includes(id) && id !== 'KQ-BAD-PHOTO',
      );
      const missing = expected.filter((id) => !held.has(id));
      must(
        missing.length === 0,
        `the upload lacks ${missing.length} persons the device was sent: ${missing.slice(0, 5).join(', ')}`,
      );
      must(
        !s.removed || !held.has(s.removed),
        `the upload still holds ${s.removed}, removed by device.delete`,
      );
      for (const [id, name] of s.renamed) {
        const d = data.find((x) => x.personId === id);
        must(
          !d || d.name === name,
          `${id} is uploaded as "${String(d?.name)}", not "${name}" (device.update-person)`,
        );
      }
      await reportOf(s, taskid, from);
    },
  },
  {
    id: 'device.clear',
    clause: '3.6',
    title:
      'an offered T_CLEAR_DEVICE_PERSON is fetched, signed, and reported done with personCount and faceCount 0',
    async run(s) {
      const taskid = taskIdOf();
      const from = s.kit.seen.length;
      s.kit.offer({ taskid, apicode: 'T_CLEAR_DEVICE_PERSON' });
      const clear = await next(
        s,
        'T_CLEAR_DEVICE_PERSON',
        (x) => x.req.apicode === 'T_CLEAR_DEVICE_PERSON' && x.req.taskid === taskid,
        from,
      );
      must(
        clear.signOk,
        'T_CLEAR_DEVICE_PERSON sign is not MD5(version+sn+token+taskid+apicode+accessSecret)',
      );
      const counts = await reportOf(s, taskid, from);
      must(
        counts.personCount === 0 && counts.faceCount === 0,
        `reported personCount ${counts.personCount}, faceCount ${counts.faceCount} after clearing`,
      );
      s.personCount = 0;
    },
  },
];

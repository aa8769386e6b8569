/**
 * Person pages beyond the first task (clauses 3.4 and 3.3), after the device holds the
 * persons of device.person-pages:
 * - T_UPDATE_DEVICE_PERSON offered on its own: two held persons renamed, one with a new
 *   photo; the device pages it with its own apicode, fetches the new photo, keeps its
 *   count, and its upload of 3.8 later carries the new names;
 * - a roster that changes between pages: the kit answers a T_SEND_PERSON whose totalPage
 *   grows after page 1 (2 → 4) and shrinks after page 2 (→ 3), as a platform that does
 *   not freeze its roster would. The standard does not say what a device then does; the
 *   kit's rule (docs/conformance.md) is the one that loses and repeats nothing: follow
 *   the newest answer's totalPage, ask for each page once, in order, and stop at the last
 *   one the newest answer names. Pages 1–3 are fetched, page 4 never, and the device
 *   then holds the six persons of pages 1–3.
 */
import { type Check, must } from '../check.js';
import type { KitPage, KitPerson, Seen } from './kit-platform.js';
import type { DeviceSession } from './session.js';
import { goodPhoto, next, photoVector, reportOf, taskIdOf } from './steps.js';

/** A changed face photo: another picture that meets §1.2 (the vectors' 160 × 130 PNG). */
const newPhoto = (s: DeviceSession, personId: string): string =>
  s.kit.photo(`${personId}-v2.png`, { bytes: photoVector('good-160x130.png'), type: 'image/png' });

/** Every request of `apicode` for task `taskid` from `from` on, until its status report. */
async function pagesUntilReport(
  s: DeviceSession,
  apicode: string,
  taskid: string,
  from: number,
): Promise<{ pages: Seen[]; counts: { personCount: number; faceCount: number } }> {
  const counts = await reportOf(s, taskid, from);
  const pages = s.kit.seen.slice(from).filter((x) => x.req.apicode === apicode && x.req.taskid === taskid);
  must(pages.length > 0, `the task was reported without a single ${apicode} request`);
  for (const p of pages)
    must(p.signOk, `${apicode} sign is not MD5(version+sn+token+taskid+apicode+param+accessSecret)`);
  return { pages, counts };
}

const pageNumbers = (pages: Seen[]) =>
  pages.map((x) => Number((x.param as { currentPage?: unknown } | undefined)?.currentPage));

export const pageChecks: Check<DeviceSession>[] = [
  {
    id: 'device.update-person',
    clause: '3.4',
    title:
      'an offered T_UPDATE_DEVICE_PERSON is paged with its own apicode, signed; a changed photo is downloaded, the count kept',
    async run(s) {
      const [a, b] = s.personIds
        .filter((id) => /^KQ\d{4}$/.test(id) && !s.failedPersons.includes(id))
        .slice(6);
      must(a && b, 'not enough persons on the device (device.person-pages did not pass)');
      const persons: KitPerson[] = [
        { personId: a, name: `${a} 改名`, photo: newPhoto(s, a) },
        { personId: b, name: `${b} 改名`, photo: s.kit.photoUrl(`${b}.jpg`) },
      ];
      const taskid = taskIdOf();
      const from = s.kit.seen.length;
      const gets = s.kit.photoGets.length;
      s.kit.offer({ taskid, apicode: 'T_UPDATE_DEVICE_PERSON', persons });
      await next(
        s,
        'T_UPDATE_DEVICE_PERSON page',
        (x) => x.req.apicode === 'T_UPDATE_DEVICE_PERSON' && x.req.taskid === taskid,
        from,
      );
      const { counts } = await pagesUntilReport(s, 'T_UPDATE_DEVICE_PERSON', taskid, from);
      const before = s.personCount;
      s.personCount = counts.personCount;
      for (const p of persons) s.renamed.set(p.personId, p.name);
      must(
        s.kit.photoGets.slice(gets).includes(`${a}-v2.png`),
        `the changed photo of ${a} was never downloaded`,
      );
      if (before !== undefined)
        must(
          counts.personCount === before,
          `personCount went from ${before} to ${counts.personCount} after updating two persons the device holds`,
        );
    },
  },
  {
    id: 'device.roster-changes',
    clause: '3.3',
    title:
      'a T_SEND_PERSON whose totalPage changes between pages (2, then 4, then 3) is paged by the newest answer: pages 1–3 once each, in order, never page 4',
    async run(s) {
      const taskid = taskIdOf();
      const person = (n: number): KitPerson => {
        const personId = `KQ-R${taskid.slice(-6)}-${n}`;
        const photo = s.kit.photo(`${personId}.jpg`, goodPhoto());
        return { personId, name: `名单变动${n}`, photo };
      };
      const pages: KitPage[] = [
        { persons: [person(1), person(2)], totalPage: 2 },
        { persons: [person(3), person(4)], totalPage: 4 },
        { persons: [person(5), person(6)], totalPage: 3 },
        { persons: [person(7), person(8)], totalPage: 3 },
      ];
      const from = s.kit.seen.length;
      s.kit.offer({ taskid, apicode: 'T_SEND_PERSON', persons: pages.flatMap((p) => p.persons), pages });
      const { pages: asked, counts } = await pagesUntilReport(s, 'T_SEND_PERSON', taskid, from);
      const numbers = pageNumbers(asked);
      // What the device took is what later steps expect of it, whatever this step finds.
      const before = s.personCount;
      s.personCount = counts.personCount;
      const taken = [...new Set(numbers)].flatMap((n) => pages[n - 1]?.persons ?? []);
      s.personIds.push(...taken.map((p) => p.personId));
      must(
        numbers.join(',') === '1,2,3',
        `pages asked for: ${numbers.join(', ')}; the newest totalPage named pages 1, 2 and 3`,
      );
      const photosMissing = taken.filter((p) => !s.kit.photoGets.includes(`${p.personId}.jpg`));
      must(
        photosMissing.length === 0,
        `photos never downloaded for ${photosMissing.map((p) => p.personId).join(', ')}`,
      );
      if (before !== undefined)
        must(
          counts.personCount === before + taken.length,
          `personCount went from ${before} to ${counts.personCount}, for the ${taken.length} persons of pages 1–3`,
        );
    },
  },
];

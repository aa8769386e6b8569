/**
 * The person tasks (docs/protocol.md 4.7–4.10, 4.12):
 *
 * - T_SEND_PERSON / T_UPDATE_DEVICE_PERSON: page through the task's frozen list, download
 *   each person's photos, enrol them with the face engine, keep the person in the store.
 *   Both add or replace by personId: 3.4 says so (根据 personId 更新数据,如果没有则新增),
 *   and "adding" a person already held can only mean taking the platform's record. A
 *   send does not clear first: the platform sends T_CLEAR_DEVICE_PERSON itself when it
 *   wants a clean slate (a bind or a resync).
 * - T_DEL_DEVICE_PERSON: remove the listed persons. T_CLEAR_DEVICE_PERSON: remove all.
 * - T_POST_DEVICE_PERSON: upload the roster page by page for reconciliation, leaving out
 *   what excludeFields names.
 *
 * A person or a face the device cannot take is recorded with its device-side code
 * (7.5) and the task goes on: one bad photo must not fail a 10,000-person send.
 *
 * An iris device (settings.iris) also keeps each person's iris images, downloaded from
 * `irisUrls` (our extension, docs/protocol.md 7.7) like the photos, content-addressed
 * the same way; an iris image that cannot be downloaded is reported as a failed face
 * (there is no iris code in 7.5). Other devices ignore the field.
 */
import {
  deletePersonsResponse,
  EXCLUDABLE_FIELDS,
  type PersonPageApicode,
  personEntry,
  postPersonsTaskParam,
} from '@kaoqin/protocol';
import { DeviceFailureError, FAILURE, failureCode } from '../persons/failure.js';
import type { IrisEye, PersonSummary } from '../persons/store.js';
import type { FailedItem, TaskContext, TaskOutcome } from './context.js';
import { DownloadError, downloadPhoto, expectedPhotoHash } from './download.js';
import { TaskHttpError } from './http.js';

/** 3.2.2: each list holds at most this many entries. */
const MAX_FAILED = 100_000;

interface PageEntry {
  personId: string;
  name: string;
  imgUrls: string[];
  irisUrls?: { left?: string | undefined; right?: string | undefined } | undefined;
}

type Photo = { ok: true; bytes: Uint8Array } | { ok: false; code: string };
type Iris = { eye: IrisEye; ok: true; bytes: Uint8Array } | { eye: IrisEye; ok: false; code: string };

/** A page's person, ready to apply: its photos fetched, or known not to have changed. */
interface Prepared {
  entry: PageEntry;
  /** The photos are those already held (same hashes, same order): nothing to download or enrol. */
  unchanged: boolean;
  photos: Photo[];
  /** An iris device's new iris images; undefined: keep what is held (none wanted, or unchanged). */
  irises?: Iris[] | undefined;
}

const badAnswer = (what: string): TaskHttpError => new TaskHttpError('bad_answer', what, false);

/** T_SEND_PERSON (3.3) and T_UPDATE_DEVICE_PERSON (3.4). */
export async function runPersonPages(ctx: TaskContext, apicode: PersonPageApicode): Promise<TaskOutcome> {
  const failedPersons: FailedItem[] = [];
  const failedFaces: FailedItem[] = [];
  // totalPage is read from every answer: the list is frozen (D11), so it does not move.
  for (let page = 1, totalPage = 1; page <= totalPage; page++) {
    const a = await ctx.http.call(apicode, {
      taskid: ctx.taskid,
      param: JSON.stringify({ currentPage: page, size: ctx.settings.pageSize }),
    });
    const r = a.response as { data?: unknown; currentPage?: unknown; totalPage?: unknown } | undefined;
    if (!r || !Array.isArray(r.data) || r.currentPage !== page || !Number.isInteger(r.totalPage)) {
      throw badAnswer(`${apicode} page ${page} is not a person page`);
    }
    totalPage = r.totalPage as number;
    const entries: PageEntry[] = [];
    for (const item of r.data as unknown[]) {
      // Checked one by one, so a record without a name fails alone (D01), not the page.
      const e = personEntry.safeParse(item);
      if (e.success && e.data.name.trim() !== '') entries.push(e.data);
      else {
        const id = (item as { personId?: unknown } | null)?.personId;
        if (typeof id === 'string' && id !== '')
          failedPersons.push({ personId: id, errCode: FAILURE.PERSON_INVALID });
      }
    }
    const prepared = await mapLimit(entries, ctx.settings.photoConcurrency, (e) => preparePhotos(ctx, e));
    for (const p of prepared) await applyPerson(ctx, p, failedPersons, failedFaces);
  }
  return {
    status: 1,
    failedPersons: failedPersons.slice(0, MAX_FAILED),
    failedFaces: failedFaces.slice(0, MAX_FAILED),
    counts: true,
  };
}

/**
 * Downloads a person's photos, unless they are the ones already held: the platform's
 * URLs name each photo's SHA-256, so an update that only renames needs no download.
 * A photo held under the same hash is reused rather than fetched again.
 */
async function preparePhotos(ctx: TaskContext, entry: PageEntry): Promise<Prepared> {
  const prepared = await prepareFaces(ctx, entry);
  const irises = await prepareIrises(ctx, entry);
  return irises === undefined ? prepared : { ...prepared, irises };
}

/**
 * An iris device's iris images for the entry: undefined when they are the ones held
 * (same eyes, same hashes) or the device is not an iris device, so nothing is written.
 */
async function prepareIrises(ctx: TaskContext, entry: PageEntry): Promise<Iris[] | undefined> {
  if (!ctx.settings.iris) return undefined;
  const wanted = (['left', 'right'] as const).flatMap((eye) => {
    const url = entry.irisUrls?.[eye];
    return url === undefined ? [] : [{ eye, url, hash: expectedPhotoHash(url) }];
  });
  const held = ctx.store.irises(entry.personId);
  const same =
    wanted.length === held.length &&
    wanted.every((w, i) => w.hash !== undefined && w.eye === held[i]?.eye && w.hash === held[i]?.sha256);
  if (same) return undefined;
  const out: Iris[] = [];
  for (const w of wanted) {
    const known = held.find((h) => h.sha256 === w.hash);
    if (known) {
      out.push({ eye: w.eye, ok: true, bytes: known.bytes });
      continue;
    }
    try {
      out.push({
        eye: w.eye,
        ok: true,
        bytes: await downloadPhoto(w.url, ctx.settings.photoMaxBytes, ctx.settings.download),
      });
    } catch (e) {
      if (e instanceof DownloadError && ctx.settings.download.signal?.aborted) throw e;
      out.push({
        eye: w.eye,
        ok: false,
        code: e instanceof DeviceFailureError ? e.code : FAILURE.PHOTO_DOWNLOAD,
      });
    }
  }
  return out;
}

async function prepareFaces(ctx: TaskContext, entry: PageEntry): Promise<Prepared> {
  const heldHashes = ctx.store.faceHashes(entry.personId);
  const hashes = entry.imgUrls.map(expectedPhotoHash);
  if (
    heldHashes.length > 0 &&
    hashes.length === heldHashes.length &&
    hashes.every((h, i) => h !== undefined && h === heldHashes[i])
  ) {
    return { entry, unchanged: true, photos: [] };
  }
  // Bytes are read only when some new photo is one already held.
  const held = hashes.some((h) => h !== undefined && heldHashes.includes(h))
    ? new Map(ctx.store.faces(entry.personId).map((f) => [f.sha256, f.bytes]))
    : new Map<string, Uint8Array>();
  const photos: Photo[] = [];
  for (const [i, url] of entry.imgUrls.entries()) {
    const known = hashes[i] === undefined ? undefined : held.get(hashes[i]);
    if (known) {
      photos.push({ ok: true, bytes: known });
      continue;
    }
    try {
      photos.push({
        ok: true,
        bytes: await downloadPhoto(url, ctx.settings.photoMaxBytes, ctx.settings.download),
      });
    } catch (e) {
      if (e instanceof DownloadError && ctx.settings.download.signal?.aborted) throw e;
      photos.push({ ok: false, code: e instanceof DeviceFailureError ? e.code : FAILURE.PHOTO_DOWNLOAD });
    }
  }
  return { entry, unchanged: false, photos };
}

async function applyPerson(
  ctx: TaskContext,
  p: Prepared,
  failedPersons: FailedItem[],
  failedFaces: FailedItem[],
): Promise<void> {
  const { personId, name } = p.entry;
  const { store, engine } = ctx;
  const held = store.has(personId);
  if (p.unchanged) {
    try {
      store.rename(personId, name, ctx.now());
    } catch (e) {
      failedPersons.push({ personId, errCode: failureCode(e) });
      return;
    }
    keepIrises(ctx, p, failedPersons, failedFaces);
    return;
  }
  // Checked before enrolling, so a full device does not enrol faces it cannot keep.
  if (!held && store.counts().personCount >= store.capacity) {
    failedPersons.push({ personId, errCode: FAILURE.PERSON_CAPACITY });
    return;
  }
  try {
    // The platform's photos replace the held ones: the recogniser forgets the old faces.
    if (held) await engine.remove(personId);
  } catch (e) {
    failedPersons.push({ personId, errCode: failureCode(e) });
    return;
  }
  const faces: Uint8Array[] = [];
  for (const photo of p.photos) {
    if (!photo.ok) {
      failedFaces.push({ personId, errCode: photo.code });
      continue;
    }
    try {
      await engine.enrol(personId, photo.bytes);
      faces.push(photo.bytes);
    } catch (e) {
      failedFaces.push({ personId, errCode: failureCode(e) });
    }
  }
  try {
    // A person whose photos all failed is still held (a card or QR code still works) and
    // counted in personCount, without faces.
    store.put({ personId, name, faces }, ctx.now());
    keepIrises(ctx, p, failedPersons, failedFaces);
  } catch (e) {
    failedPersons.push({ personId, errCode: failureCode(e) });
    // Keep the recogniser and the store telling the same story.
    await engine.remove(personId).catch(() => {});
    try {
      if (held) store.delete([personId]);
    } catch {
      // The store is failing: the report says so (D03) and a resync repairs it.
    }
  }
}

/** An iris device's new iris images into the store; those that failed to download are reported. */
function keepIrises(
  ctx: TaskContext,
  p: Prepared,
  failedPersons: FailedItem[],
  failedFaces: FailedItem[],
): void {
  if (p.irises === undefined) return;
  const { personId } = p.entry;
  for (const i of p.irises) if (!i.ok) failedFaces.push({ personId, errCode: i.code });
  try {
    ctx.store.setIrises(
      personId,
      p.irises.flatMap((i) => (i.ok ? [{ eye: i.eye, bytes: i.bytes }] : [])),
    );
  } catch (e) {
    failedPersons.push({ personId, errCode: failureCode(e) });
  }
}

/** T_DEL_DEVICE_PERSON (3.5). The personIds are not covered by the answer's signature (K8). */
export async function runDelete(ctx: TaskContext): Promise<TaskOutcome> {
  const a = await ctx.http.call('T_DEL_DEVICE_PERSON', { taskid: ctx.taskid });
  const r = deletePersonsResponse.safeParse(a.response);
  if (!r.success) throw badAnswer('T_DEL_DEVICE_PERSON answer has no personIds');
  const failedPersons: FailedItem[] = [];
  const removed: string[] = [];
  for (const personId of r.data.personIds) {
    try {
      await ctx.engine.remove(personId);
      removed.push(personId);
    } catch (e) {
      // Still recognised, so still held: the platform hears it failed.
      failedPersons.push({ personId, errCode: failureCode(e) });
    }
  }
  try {
    ctx.store.delete(removed);
  } catch (e) {
    for (const personId of removed) failedPersons.push({ personId, errCode: failureCode(e) });
  }
  return failedPersons.length
    ? { status: 1, failedPersons: failedPersons.slice(0, MAX_FAILED), counts: true }
    : { status: 1, counts: true };
}

/** T_CLEAR_DEVICE_PERSON (3.6): asked first, so a task the platform closed clears nothing. */
export async function runClear(ctx: TaskContext): Promise<TaskOutcome> {
  await ctx.http.call('T_CLEAR_DEVICE_PERSON', { taskid: ctx.taskid });
  await ctx.engine.clear();
  ctx.store.clear();
  return { status: 1, counts: true };
}

/** The members of 3.8.2 a T_POST_DEVICE_PERSON task asks to leave out. */
export function excludedFields(taskParam: string): Set<string> {
  let value: unknown = {};
  try {
    value = taskParam.trim() === '' ? {} : JSON.parse(taskParam);
  } catch {
    // Not JSON: read as "nothing excluded", as an absent excludeFields is (3.1.3).
  }
  const r = postPersonsTaskParam.safeParse(value);
  const names = r.success ? (r.data.excludeFields ?? []) : [];
  return new Set(names.filter((n) => (EXCLUDABLE_FIELDS as readonly string[]).includes(n)));
}

/** Bytes a person adds to a 3.8 body besides the photo: its JSON, doubled for the string escaping of param. */
const entryOverhead = (s: PersonSummary): number =>
  2 * Buffer.byteLength(JSON.stringify([s.personId, s.name, s.phone, s.idcardNo])) + 64;
/** Base64 length of n bytes. */
const base64Length = (n: number): number => 4 * Math.ceil(n / 3);

/**
 * Splits the roster into upload pages: at most pageSize persons each, and, when photos
 * go along, at most bodyBytes of body (the platform refuses larger bodies with 490_05).
 * A person is never split: one whose photo alone exceeds the budget gets a page to itself.
 */
export function planUploadPages(
  roster: readonly PersonSummary[],
  pageSize: number,
  bodyBytes: number,
  withImg: boolean,
): PersonSummary[][] {
  const pages: PersonSummary[][] = [];
  let page: PersonSummary[] = [];
  let bytes = 512; // the envelope: version, sn, token, apicode, taskid, sign, paging members
  for (const s of roster) {
    const size = entryOverhead(s) + (withImg ? base64Length(s.firstFaceBytes) : 0);
    if (page.length > 0 && (page.length >= pageSize || bytes + size > bodyBytes)) {
      pages.push(page);
      page = [];
      bytes = 512;
    }
    page.push(s);
    bytes += size;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** T_POST_DEVICE_PERSON (3.8): the roster, page by page; an empty roster is one empty page. */
export async function runPostPersons(ctx: TaskContext): Promise<TaskOutcome> {
  const excluded = excludedFields(ctx.param);
  const withImg = !excluded.has('img');
  const pages = planUploadPages(
    ctx.store.summaries(),
    ctx.settings.pageSize,
    ctx.settings.uploadBodyBytes,
    withImg,
  );
  if (pages.length === 0) pages.push([]);
  for (const [i, page] of pages.entries()) {
    const data = page.map((s) => {
      // Members in the table's order (3.8.2); personId can never be left out.
      const entry: Record<string, unknown> = { personId: s.personId };
      if (!excluded.has('name')) entry.name = s.name;
      if (withImg && s.faceCount > 0) {
        const face = ctx.store.firstFace(s.personId);
        if (face) entry.img = Buffer.from(face).toString('base64');
      }
      if (!excluded.has('hasImg')) entry.hasImg = s.faceCount > 0 ? 1 : 0;
      if (!excluded.has('phone') && s.phone !== undefined) entry.phone = s.phone;
      if (!excluded.has('idcardNo') && s.idcardNo !== undefined) entry.idcardNo = s.idcardNo;
      return entry;
    });
    await ctx.http.call('T_POST_DEVICE_PERSON', {
      taskid: ctx.taskid,
      param: JSON.stringify({ currentPage: i + 1, totalPage: pages.length, data }),
    });
  }
  return { status: 1, counts: true };
}

/** Runs fn over items, at most `limit` at a time, results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

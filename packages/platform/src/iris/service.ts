/**
 * Iris images of persons (issue 11 item 4): checked (技术要求 1.1(5)(6), 1.2(2)) in the
 * worker pool, then kept as received (the BMP) and as a lossless JPEG 2000 export, one
 * per eye. A refusal stores nothing and lists every rule's verdict with what it
 * measured. A stored or removed image sends the person again to the devices of every
 * site they are on, as a face photo change does; the person page carries the images as
 * `irisUrls` (docs/protocol.md 7.7).
 *
 * Storage: plain blobs in the face photo store, content-addressed, like face photos and
 * for the same reason: devices fetch them by signed URL (iris devices need the image to
 * enrol), so sealing would only move the plaintext to the serving path. They are
 * recorded as the person's blobs, so erasure deletes the files with the face photos.
 *
 * The API (PUT/GET/DELETE /persons/{id}/iris/{eye}) and the capture-device call both
 * come through `store`.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import type { ErasableBlobStore } from '../blobs/types.js';
import type { PersonRow, Store } from '../store/index.js';
import type { Eye, PersonIrisRow } from '../store/person-iris.js';
import type { TaskEngine } from '../tasks/engine.js';
import { EnrolmentError } from '../tasks/person-input.js';
import type { IrisChecker } from './pool.js';
import { irisField, irisVerdicts } from './verdicts.js';
import type { IrisJobResult } from './worker.js';

export type IrisStoreResult =
  | { stored: true; row: PersonIrisRow; verdicts: EnrolmentVerdict[] }
  | { stored: false; verdicts: EnrolmentVerdict[] };

export interface IrisCheckResult {
  ok: boolean;
  verdicts: EnrolmentVerdict[];
  /** The worker's result (export included): `store` takes it to keep the image unchecked again. */
  job: IrisJobResult;
}

export interface IrisServiceDeps {
  store: Store;
  /** The face photo store: served by the same signed download route. */
  blobs: ErasableBlobStore;
  checker: IrisChecker;
  engine: TaskEngine;
  now: () => number;
}

export class IrisService {
  readonly #d: IrisServiceDeps;
  readonly #deletedListeners: ((blobKeys: string[]) => void)[] = [];

  constructor(deps: IrisServiceDeps) {
    this.#d = deps;
  }

  /** Called with the keys of every file deleted (the served-photo cache drops them). */
  onDeleted(listener: (blobKeys: string[]) => void): void {
    this.#deletedListeners.push(listener);
  }

  /** The check alone, nothing stored: every rule's verdict for `field` (iris.left, …). */
  async check(bmp: Uint8Array, field: string): Promise<IrisCheckResult> {
    const job = await this.#d.checker.run(bmp);
    return { ok: job.ok, verdicts: irisVerdicts(job.verdicts, field), job };
  }

  /**
   * Checks the image and, when every rule passes, keeps it for the person's eye
   * (replacing the one before) and re-sends the person to their sites' devices.
   * `checked`: the job of an earlier `check` of these same bytes, so the check and the
   * export do not run twice. Throws EnrolmentError person_not_found for an unknown or
   * erased person.
   */
  async store(
    personId: string,
    eye: Eye,
    bmp: Uint8Array,
    checked?: IrisJobResult,
  ): Promise<IrisStoreResult> {
    const person = await this.#active(personId);
    const r = checked ?? (await this.#d.checker.run(bmp));
    const verdicts = irisVerdicts(r.verdicts, irisField(eye));
    if (!r.ok || !r.jp2 || r.irisRadius === undefined || r.pupilRadius === undefined)
      return { stored: false, verdicts };
    const grey = r.verdicts.find((v) => v.rule === 'iris_grey')?.measured;
    if (grey === undefined) throw new Error('iris check passed without measuring the grey');
    const [rawKey, jp2Key] = await this.#d.blobs.putMany([
      { bytes: bmp, ext: 'bmp' },
      { bytes: r.jp2, ext: 'jp2' },
    ]);
    const row: PersonIrisRow = {
      personId,
      eye,
      rawKey: rawKey!,
      jp2Key: jp2Key!,
      irisRadius: r.irisRadius,
      pupilRadius: r.pupilRadius,
      grey,
      createdAt: this.#d.now(),
    };
    const before = await this.#d.store.personIris.put(row);
    if (before) await this.#deleteUnused([before.rawKey, before.jp2Key]);
    await this.#redistribute(person);
    return { stored: true, row, verdicts };
  }

  /** The person's images, by eye (left first). */
  async list(personId: string): Promise<PersonIrisRow[]> {
    await this.#active(personId);
    return this.#d.store.personIris.ofPerson(personId);
  }

  /** One eye's image, or undefined. */
  async get(personId: string, eye: Eye): Promise<PersonIrisRow | undefined> {
    return (await this.list(personId)).find((r) => r.eye === eye);
  }

  /** Removes one eye's image, its files deleted; false when there was none. */
  async remove(personId: string, eye: Eye): Promise<boolean> {
    const person = await this.#active(personId);
    const gone = await this.#d.store.personIris.remove(personId, eye);
    if (!gone) return false;
    await this.#deleteUnused([gone.rawKey, gone.jp2Key]);
    await this.#redistribute(person);
    return true;
  }

  /**
   * After the person's erasure (Persons.erase deleted the files with the other
   * photos): the rows go too, and any file still left is deleted.
   */
  async erased(personId: string): Promise<number> {
    const gone = await this.#d.store.personIris.removeAll(personId);
    await this.#deleteUnused(gone.flatMap((g) => [g.rawKey, g.jp2Key]));
    return gone.length;
  }

  close(): Promise<void> {
    return this.#d.checker.close();
  }

  async #deleteUnused(keys: readonly string[]): Promise<void> {
    const deleted: string[] = [];
    for (const key of new Set(keys)) {
      if (!(await this.#d.store.personIris.blobUnused(key))) continue;
      await this.#d.blobs.delete(key);
      deleted.push(key);
    }
    if (deleted.length) for (const l of this.#deletedListeners) l(deleted);
  }

  async #active(personId: string): Promise<PersonRow> {
    const p = await this.#d.store.persons.get(personId);
    if (p?.status !== 'active') throw new EnrolmentError('person_not_found', `no person ${personId}`);
    return p;
  }

  /** As a face change: a delta task for every device of every site the person is on. */
  async #redistribute(p: PersonRow): Promise<void> {
    const assignments = await this.#d.store.assignments.ofPerson(p.id);
    for (const a of assignments)
      if (a.status === 'active') await this.#d.engine.personsChanged(a.siteId, [p]);
  }
}

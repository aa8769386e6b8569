/**
 * Clock-in photos leave the platform two ways (PIPL: kept no longer than needed, erased
 * on request), and both keep the attendance rows (wages are paid from them):
 * - retention: a photo is kept `retentionDays` after the platform received it, then
 *   removed (0 = kept for ever). Records are visited in the order they were written
 *   (their ids grow with time), from where the last run stopped to the first record
 *   still within the period, so each is read once over the platform's life, however
 *   late a device uploaded it;
 * - erasure of a person: every photo of their records goes at once.
 * Either way the record keeps its row, loses its photo key, and says why
 * (photo_removed 'expired' or 'erased').
 *
 * Photos are content-addressed, so two records can share one (the same bytes sent
 * twice; a device's placeholder image): a photo is removed from the store only when no
 * record outside the ones being cleared still points at it; the others simply let go of
 * it. Bytes are removed before rows let go of them, so a crash in between leaves rows
 * that point at a missing photo (their URL answers 404) and the next run finishes
 * them, never photos that nothing points at any more.
 *
 * Not covered: a clock-in arriving while its person is being erased (written after the
 * erasure read the person's records) keeps its photo until retention; an identical
 * photo written by another record between the check and the removal loses its bytes.
 */
import type { RemoveResult } from '../blobs/segment-types.js';
import type { PhotoRemoved, Store } from '../store/index.js';

const DAY_MS = 24 * 60 * 60_000;
/** Records read per step of a retention run; one removal (compaction) per step. */
const BATCH = 5000;
const MARK = 'clock-in photos';

export interface PhotoRemover {
  remove(keys: readonly string[]): Promise<RemoveResult>;
}

export interface PhotoRun {
  /** Records that lost their photo. */
  records: number;
  /** Photos removed from the store. */
  photos: number;
}

export class AttendancePhotos {
  readonly #store: Store;
  readonly #blobs: PhotoRemover;
  readonly #retentionDays: number;
  readonly #now: () => number;
  readonly #batch: number;
  /** Runs one at a time: both read rows, then remove photos, then clear rows. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    store: Store,
    blobs: PhotoRemover,
    opts: { retentionDays: number; batch?: number },
    now: () => number = Date.now,
  ) {
    this.#store = store;
    this.#blobs = blobs;
    this.#retentionDays = opts.retentionDays;
    this.#batch = opts.batch ?? BATCH;
    this.#now = now;
  }

  /** One retention run: every photo past the period is removed. */
  expire(): Promise<PhotoRun> {
    return this.#serial(() => this.#expire());
  }

  /** Removes every clock-in photo of the person; their records stay, without a photo. */
  erasePerson(personId: string): Promise<{ photos: number; records: number }> {
    return this.#serial(async () => {
      const refs = await this.#store.attendance.photosOfPerson(personId);
      return this.#drop(refs, { personId }, 'erased');
    });
  }

  async #expire(): Promise<PhotoRun> {
    const total: PhotoRun = { records: 0, photos: 0 };
    if (this.#retentionDays === 0) return total;
    const cutoff = this.#now() - this.#retentionDays * DAY_MS;
    const att = this.#store.attendance;
    let mark = await att.mark(MARK);
    for (;;) {
      const rows = await att.rowsAfter(mark, this.#batch);
      let last = mark;
      let within = false;
      const expired: { id: string; photoKey: string }[] = [];
      for (const r of rows) {
        if (r.receivedAt >= cutoff) {
          within = true;
          break;
        }
        last = r.id;
        if (r.photoKey !== null) expired.push({ id: r.id, photoKey: r.photoKey });
      }
      // Records after `last` are kept for now: a photo they share stays.
      const run = await this.#drop(expired, { afterId: last }, 'expired');
      total.records += run.records;
      total.photos += run.photos;
      if (last !== mark) {
        await att.setMark(MARK, last, this.#now());
        mark = last;
      }
      if (within || rows.length < this.#batch) return total;
    }
  }

  async #drop(
    refs: readonly { id: string; photoKey: string }[],
    keptAre: { afterId?: string; personId?: string },
    why: PhotoRemoved,
  ): Promise<PhotoRun> {
    if (refs.length === 0) return { records: 0, photos: 0 };
    const keys = [...new Set(refs.map((r) => r.photoKey))];
    const shared = await this.#store.attendance.keysStillUsed(keys, keptAre);
    const doomed = keys.filter((k) => !shared.has(k));
    const removed = doomed.length > 0 ? await this.#blobs.remove(doomed) : undefined;
    const records = await this.#store.attendance.clearPhotos(
      refs.map((r) => r.id),
      why,
    );
    return { records, photos: removed?.removed ?? 0 };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => {});
    return run;
  }
}

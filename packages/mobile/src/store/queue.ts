/**
 * The offline clock-in queue (standard 5(4) "断网本地存储和联网续传"): every record is
 * kept until the platform has answered it, in the order it was made. IndexedDB holds
 * far more than 60,000 small records; photos are the bulk, so they are kept as Blobs
 * only within a budget (default 512 MiB): past it, or when the browser's quota refuses
 * the write, the record is kept without its photo (the platform then flags it
 * face_unverified, and it does not count, but the worker's presence is on record).
 */
import { db, type FailedRecord, type QueuedRecord } from './db';

export const DEFAULT_PHOTO_BUDGET = 512 * 1024 * 1024;
const PHOTO_BYTES = 'photoBytes';
const PHOTO_BUDGET = 'photoBudget';

/** Fired on `queueEvents` whenever the queue or the failed list changes. */
export const queueEvents = new EventTarget();
const changed = () => queueEvents.dispatchEvent(new Event('change'));

export async function photoBudget(): Promise<number> {
  const v = await (await db()).get('kv', PHOTO_BUDGET);
  return typeof v === 'number' ? v : DEFAULT_PHOTO_BUDGET;
}

export async function setPhotoBudget(bytes: number): Promise<void> {
  await (await db()).put('kv', bytes, PHOTO_BUDGET);
}

export async function photoBytes(): Promise<number> {
  const v = await (await db()).get('kv', PHOTO_BYTES);
  return typeof v === 'number' ? v : 0;
}

function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'QuotaExceededError';
}

export interface NewRecord {
  recordTime: number;
  coordinate: QueuedRecord['coordinate'];
  accuracy?: number | undefined;
  photo?: Blob | undefined;
}

/** Adds a record at the end of the queue; says whether its photo was kept. */
export async function enqueue(r: NewRecord): Promise<{ seq: number; photoKept: boolean }> {
  const d = await db();
  const budget = await photoBudget();
  const base: QueuedRecord = { recordTime: r.recordTime, coordinate: r.coordinate, photoBytes: 0 };
  if (r.accuracy !== undefined) base.accuracy = r.accuracy;
  const put = async (rec: QueuedRecord): Promise<number> => {
    const tx = d.transaction(['queue', 'kv'], 'readwrite');
    const used = ((await tx.objectStore('kv').get(PHOTO_BYTES)) as number | undefined) ?? 0;
    if (rec.photo && used + rec.photoBytes > budget) {
      delete rec.photo;
      rec.photoBytes = 0;
      rec.photoDropped = 'budget';
    }
    const seq = await tx.objectStore('queue').add(rec);
    if (rec.photoBytes > 0) await tx.objectStore('kv').put(used + rec.photoBytes, PHOTO_BYTES);
    await tx.done;
    return seq;
  };
  let rec: QueuedRecord = r.photo ? { ...base, photo: r.photo, photoBytes: r.photo.size } : base;
  let seq: number;
  try {
    seq = await put(rec);
  } catch (err) {
    if (!isQuotaError(err) || !r.photo) throw err;
    // The browser's storage quota, not ours: keep the record, drop the photo.
    rec = { ...base, photoDropped: 'quota' };
    seq = await put(rec);
  }
  changed();
  return { seq, photoKept: rec.photo !== undefined };
}

export async function queueSize(): Promise<number> {
  return (await db()).count('queue');
}

/** The oldest `n` records, in order. */
export async function oldest(n: number): Promise<QueuedRecord[]> {
  const d = await db();
  const out: QueuedRecord[] = [];
  let cursor = await d.transaction('queue').store.openCursor();
  while (cursor && out.length < n) {
    out.push(cursor.value);
    cursor = await cursor.continue();
  }
  return out;
}

/** Removes a record the platform has answered; moves it to `failed` when refused for good. */
export async function settle(rec: QueuedRecord, refusal?: Omit<FailedRecord, 'seq'>): Promise<void> {
  if (rec.seq === undefined) throw new Error('settle: a record without seq');
  const d = await db();
  const tx = d.transaction(['queue', 'kv', 'failed'], 'readwrite');
  const stored = await tx.objectStore('queue').get(rec.seq);
  if (stored) {
    await tx.objectStore('queue').delete(rec.seq);
    if (stored.photoBytes > 0) {
      const used = ((await tx.objectStore('kv').get(PHOTO_BYTES)) as number | undefined) ?? 0;
      await tx.objectStore('kv').put(Math.max(0, used - stored.photoBytes), PHOTO_BYTES);
    }
    if (refusal) await tx.objectStore('failed').add(refusal);
  }
  await tx.done;
  changed();
}

export async function failedRecords(): Promise<FailedRecord[]> {
  return (await db()).getAll('failed');
}

export async function clearFailed(): Promise<void> {
  await (await db()).clear('failed');
  changed();
}

/**
 * The page's IndexedDB (idb): the phone's registration, the clock-in queue, the
 * refusals kept for the worker to see, and the latest verdicts. One database, opened
 * once per page.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

export interface Coordinate {
  longitude: number;
  latitude: number;
}

export interface Registration {
  sn: string;
  accessId: string;
  accessKey: string;
  accessSecret: string;
  person: { personId: string; name: string };
  site: { siteId: string; name: string };
  registeredAt: number;
}

/** A clock-in waiting to be sent; `seq` orders the queue. */
export interface QueuedRecord {
  seq?: number;
  /** Epoch ms on the platform's clock (the phone's corrected by the offset). */
  recordTime: number;
  coordinate: Coordinate;
  /** Metres (the phone's estimate, 95 % or 68 % by platform); kept on the phone, shown only. */
  accuracy?: number;
  /** The selfie JPEG; absent when the photo budget was full (kept without it). */
  photo?: Blob;
  photoBytes: number;
  /** Why there is no photo, when there is none. */
  photoDropped?: 'budget' | 'quota';
}

/** A clock-in the platform refused for good (not a network failure): shown to the worker. */
export interface FailedRecord {
  seq?: number;
  recordTime: number;
  coordinate: Coordinate;
  errorcode: string;
  errormsg: string;
  at: number;
}

/** The platform's verdict on a sent clock-in (the bridge's `results`). */
export interface Verdict {
  recordTime: number;
  counted: boolean;
  flags: string[];
  at: number;
}

interface MobileDb extends DBSchema {
  kv: { key: string; value: unknown };
  queue: { key: number; value: QueuedRecord };
  failed: { key: number; value: FailedRecord };
  verdicts: { key: number; value: Verdict; indexes: { at: number } };
}

export type Db = IDBPDatabase<MobileDb>;
export const DB_NAME = 'kaoqin-m';

let opened: Promise<Db> | undefined;

export function db(): Promise<Db> {
  opened ??= openDB<MobileDb>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('kv');
      d.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
      d.createObjectStore('failed', { keyPath: 'seq', autoIncrement: true });
      d.createObjectStore('verdicts', { keyPath: 'recordTime' }).createIndex('at', 'at');
    },
  });
  return opened;
}

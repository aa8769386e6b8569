/**
 * The store's contract for reading attendance in the management API (lists, exports) and
 * for dropping clock-in photos (retention, erasure). Times are epoch milliseconds.
 */
import type { AttendanceFlag, AttendanceRow } from './row-types.js';

/** Why a record no longer has its photo. */
export type PhotoRemoved = 'expired' | 'erased';

/** A stored record as the API reads it. */
export interface AttendanceRecord extends AttendanceRow {
  photoRemoved: PhotoRemoved | null;
}

/**
 * Which records: every given field must hold. A list field means "any of these"; an
 * empty list matches nothing (a site manager without sites).
 */
export interface AttendanceFilter {
  siteIds?: readonly string[];
  deviceIds?: readonly string[];
  personId?: string;
  type?: number;
  flag?: AttendanceFlag;
  realName?: boolean;
  /** recordTime >= since */
  since?: number;
  /** recordTime < until */
  until?: number;
}

/** Where a newest-first page resumes: strictly older than this record. */
export interface AttendanceKey {
  recordTime: number;
  id: string;
}

export interface AttendancePageQuery extends AttendanceFilter {
  after?: AttendanceKey;
  limit: number;
}

/** A record whose photo is to go: its id and the photo's key. */
export interface PhotoRef {
  id: string;
  photoKey: string;
}

export interface AttendanceApiRepo {
  /**
   * Records newest first by (recordTime, id), strictly past `after`. Each read is one
   * index range: led by person, else device, else site, else vendor, else time alone;
   * several devices or sites are read one range each and merged.
   */
  page(q: AttendancePageQuery): Promise<AttendanceRecord[]>;
  byId(id: string): Promise<AttendanceRecord | undefined>;
  /** Device ids with this serial number (unique per vendor, so possibly several). */
  deviceIdsBySn(sn: string): Promise<string[]>;
  /** Names of the persons among these ids that exist (erased persons keep whatever their row says). */
  personNames(ids: readonly string[]): Promise<Map<string, string>>;
  /** Names of these sites. */
  siteNames(ids: readonly string[]): Promise<Map<string, string>>;

  /**
   * Records written after `afterId` (id order: the order they were written in), at most
   * `limit`, with their photo key (null when none) and when they were received.
   */
  rowsAfter(
    afterId: string,
    limit: number,
  ): Promise<{ id: string; photoKey: string | null; receivedAt: number }[]>;
  /** A person's records that still have a photo. */
  photosOfPerson(personId: string): Promise<PhotoRef[]>;
  /**
   * Of these photo keys, those that some record still points at, among records written
   * after `afterId` and/or of another person than `personId`: photos that must stay
   * because another record shares their bytes (keys are content addresses).
   */
  keysStillUsed(
    keys: readonly string[],
    except: { afterId?: string; personId?: string },
  ): Promise<Set<string>>;
  /** Takes the photo off these records, saying why. */
  clearPhotos(ids: readonly string[], why: PhotoRemoved): Promise<number>;
  /** Where a named job stopped (an id), or '' before its first run. */
  mark(name: string): Promise<string>;
  setMark(name: string, lastId: string, at: number): Promise<void>;
}

/**
 * The device's local person store (§3(11): at least 10,000 persons), in SQLite
 * (better-sqlite3, WAL). It is the device's roster: what T_SEND_PERSON and
 * T_UPDATE_DEVICE_PERSON add, T_DEL_DEVICE_PERSON and T_CLEAR_DEVICE_PERSON remove,
 * T_POST_DEVICE_PERSON uploads, and what personCount / faceCount count. Face photos are
 * kept as bytes with their SHA-256, so an update whose photos did not change needs no
 * download (the platform's photo URLs are content-addressed) and a vendor's recogniser
 * can be re-enrolled from here after a reset. An iris device also keeps each person's
 * iris images (irisUrls, our extension, docs/protocol.md 7.7) by eye, with their SHA-256.
 *
 * Writes use synchronous=NORMAL (no fsync per person: a 10,000-person send would crawl
 * on flash); flush() makes everything written so far durable, and the task runner calls
 * it before it reports a task done, so the platform never hears of persons a power cut
 * can still take away.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { LocalPerson } from '../types.js';
import { DeviceFailureError, FAILURE } from './failure.js';

/** §3(11): a device holds at least this many persons; the default capacity. */
export const DEFAULT_PERSON_CAPACITY = 10_000;
/** 3.8.2: phone and idcardNo are at most 32 characters on the wire. */
const MAX_FIELD = 32;

export interface PersonStoreOptions {
  /** Most persons held; adding one more fails with D02. Default DEFAULT_PERSON_CAPACITY. */
  capacity?: number;
}

export interface StoredFace {
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  bytes: Uint8Array;
}

export type IrisEye = 'left' | 'right';

/** An iris image as held: the BMP the platform served (irisUrls), by eye. */
export interface StoredIris {
  eye: IrisEye;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  bytes: Uint8Array;
}

/** A person without the photo bytes: what a roster upload plans its pages with. */
export interface PersonSummary {
  personId: string;
  name: string;
  phone?: string;
  idcardNo?: string;
  faceCount: number;
  /** Size of the first face in bytes (0 when none): the `img` a roster upload would carry. */
  firstFaceBytes: number;
}

export interface PersonCounts {
  /** Persons authorised on the device (3.2.2 personCount). */
  personCount: number;
  /** Faces enrolled on the device (3.2.2 faceCount). */
  faceCount: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS persons (
  person_id  TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  phone      TEXT,
  idcard_no  TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS faces (
  person_id TEXT NOT NULL REFERENCES persons(person_id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  sha256    TEXT NOT NULL,
  bytes     BLOB NOT NULL,
  PRIMARY KEY (person_id, position)
);
CREATE TABLE IF NOT EXISTS irises (
  person_id TEXT NOT NULL REFERENCES persons(person_id) ON DELETE CASCADE,
  eye       TEXT NOT NULL,
  sha256    TEXT NOT NULL,
  bytes     BLOB NOT NULL,
  PRIMARY KEY (person_id, eye)
);
`;

type PersonRow = { person_id: string; name: string; phone: string | null; idcard_no: string | null };
type FaceRow = { sha256: string; bytes: Buffer };

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export class PersonStore {
  readonly capacity: number;
  readonly #db: Database.Database;
  readonly #q;

  constructor(path: string, opts: PersonStoreOptions = {}) {
    this.capacity = opts.capacity ?? DEFAULT_PERSON_CAPACITY;
    if (!(Number.isInteger(this.capacity) && this.capacity >= 0)) {
      throw new RangeError(`capacity must be an integer ≥ 0, not ${opts.capacity}`);
    }
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.exec(SCHEMA);
      db.pragma('user_version = 1');
    } catch (e) {
      db.close();
      throw e;
    }
    this.#db = db;
    this.#q = {
      has: db.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM persons WHERE person_id = ?'),
      person: db.prepare<[string], PersonRow>(
        'SELECT person_id, name, phone, idcard_no FROM persons WHERE person_id = ?',
      ),
      faces: db.prepare<[string], FaceRow>(
        'SELECT sha256, bytes FROM faces WHERE person_id = ? ORDER BY position',
      ),
      faceHashes: db
        .prepare<[string], string>('SELECT sha256 FROM faces WHERE person_id = ? ORDER BY position')
        .pluck(),
      firstFace: db
        .prepare<[string], Buffer>('SELECT bytes FROM faces WHERE person_id = ? ORDER BY position LIMIT 1')
        .pluck(),
      personCount: db.prepare<[], number>('SELECT COUNT(*) FROM persons').pluck(),
      faceCount: db.prepare<[], number>('SELECT COUNT(*) FROM faces').pluck(),
      upsert: db.prepare<[string, string, string | null, string | null, number]>(
        `INSERT INTO persons (person_id, name, phone, idcard_no, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, phone = excluded.phone,
           idcard_no = excluded.idcard_no, updated_at = excluded.updated_at`,
      ),
      rename: db.prepare<[string, number, string]>(
        'UPDATE persons SET name = ?, updated_at = ? WHERE person_id = ?',
      ),
      dropFaces: db.prepare<[string]>('DELETE FROM faces WHERE person_id = ?'),
      addFace: db.prepare<[string, number, string, Uint8Array]>(
        'INSERT INTO faces (person_id, position, sha256, bytes) VALUES (?, ?, ?, ?)',
      ),
      delete: db.prepare<[string]>('DELETE FROM persons WHERE person_id = ?'),
      irises: db.prepare<[string], { eye: IrisEye; sha256: string; bytes: Buffer }>(
        'SELECT eye, sha256, bytes FROM irises WHERE person_id = ? ORDER BY eye',
      ),
      dropIrises: db.prepare<[string]>('DELETE FROM irises WHERE person_id = ?'),
      addIris: db.prepare<[string, string, string, Uint8Array]>(
        'INSERT INTO irises (person_id, eye, sha256, bytes) VALUES (?, ?, ?, ?)',
      ),
      page: db.prepare<[string, number], PersonRow>(
        'SELECT person_id, name, phone, idcard_no FROM persons WHERE person_id > ? ORDER BY person_id LIMIT ?',
      ),
      summaries: db.prepare<[], PersonRow & { face_count: number; first_face_bytes: number | null }>(
        `SELECT p.person_id, p.name, p.phone, p.idcard_no,
           (SELECT COUNT(*) FROM faces f WHERE f.person_id = p.person_id) AS face_count,
           (SELECT length(f.bytes) FROM faces f WHERE f.person_id = p.person_id ORDER BY f.position LIMIT 1)
             AS first_face_bytes
         FROM persons p ORDER BY p.person_id`,
      ),
    };
  }

  has(personId: string): boolean {
    return this.#q.has.get(personId) !== undefined;
  }

  get(personId: string): LocalPerson | undefined {
    const row = this.#q.person.get(personId);
    return row && this.#person(row);
  }

  /** The person's faces with their hashes, in enrolment order. */
  faces(personId: string): StoredFace[] {
    return this.#q.faces.all(personId).map((f) => ({ sha256: f.sha256, bytes: f.bytes }));
  }

  faceHashes(personId: string): string[] {
    return this.#q.faceHashes.all(personId);
  }

  firstFace(personId: string): Uint8Array | undefined {
    return this.#q.firstFace.get(personId);
  }

  counts(): PersonCounts {
    return { personCount: this.#q.personCount.get() ?? 0, faceCount: this.#q.faceCount.get() ?? 0 };
  }

  /**
   * Adds or replaces a person with exactly these faces, in one transaction. A person not
   * yet held, when the store is full, fails with D02; a record without personId or name
   * with D01; a write SQLite refuses with D03.
   */
  put(person: LocalPerson, now = Date.now()): void {
    const id = person.personId;
    if (typeof id !== 'string' || id.length === 0 || id.length > 64 || typeof person.name !== 'string') {
      throw new DeviceFailureError(
        FAILURE.PERSON_INVALID,
        'a person needs a personId (1–64 characters) and a name',
      );
    }
    const phone = fitted(person.phone);
    const idcardNo = fitted(person.idcardNo);
    this.#write(() => {
      if (!this.has(id) && (this.#q.personCount.get() ?? 0) >= this.capacity) {
        throw new DeviceFailureError(
          FAILURE.PERSON_CAPACITY,
          `the device holds at most ${this.capacity} persons`,
        );
      }
      this.#q.upsert.run(id, person.name, phone, idcardNo, now);
      this.#q.dropFaces.run(id);
      for (const [i, bytes] of person.faces.entries()) this.#q.addFace.run(id, i, sha256Hex(bytes), bytes);
    });
  }

  /** The person's iris images, left before right; none for a person without (or a face-only device). */
  irises(personId: string): StoredIris[] {
    return this.#q.irises.all(personId).map((r) => ({ eye: r.eye, sha256: r.sha256, bytes: r.bytes }));
  }

  /**
   * Replaces a held person's iris images with exactly these (none: removes them); false
   * when the person is not held. A write SQLite refuses fails with D03.
   */
  setIrises(personId: string, irises: readonly { eye: IrisEye; bytes: Uint8Array }[]): boolean {
    return this.#write(() => {
      if (!this.has(personId)) return false;
      this.#q.dropIrises.run(personId);
      for (const i of irises) this.#q.addIris.run(personId, i.eye, sha256Hex(i.bytes), i.bytes);
      return true;
    });
  }

  /** Changes a held person's name, keeping the faces; false when the person is not held. */
  rename(personId: string, name: string, now = Date.now()): boolean {
    return this.#write(() => this.#q.rename.run(name, now, personId).changes > 0);
  }

  /** Removes these persons (and their faces); returns how many were held. */
  delete(personIds: readonly string[]): number {
    return this.#write(() => {
      let n = 0;
      for (const id of personIds) n += this.#q.delete.run(id).changes;
      return n;
    });
  }

  /** Removes every person. */
  clear(): void {
    this.#write(() => {
      this.#db.exec('DELETE FROM irises; DELETE FROM faces; DELETE FROM persons;');
    });
  }

  /** Persons after `afterPersonId` in personId order, faces included: for walking the roster. */
  list(afterPersonId = '', limit = 100): LocalPerson[] {
    return this.#q.page.all(afterPersonId, limit).map((r) => this.#person(r));
  }

  /** Every person without photo bytes, in personId order (10,000 rows are under a megabyte). */
  summaries(): PersonSummary[] {
    return this.#q.summaries.all().map((r) => ({
      personId: r.person_id,
      name: r.name,
      ...(r.phone !== null ? { phone: r.phone } : {}),
      ...(r.idcard_no !== null ? { idcardNo: r.idcard_no } : {}),
      faceCount: r.face_count,
      firstFaceBytes: r.first_face_bytes ?? 0,
    }));
  }

  /**
   * Makes every write so far durable. With synchronous=NORMAL a commit is not fsync'd;
   * a checkpoint syncs the WAL first, then copies it into the database file.
   */
  flush(): void {
    this.#db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #person(r: PersonRow): LocalPerson {
    return {
      personId: r.person_id,
      name: r.name,
      faces: this.#q.faces.all(r.person_id).map((f) => f.bytes),
      ...(r.phone !== null ? { phone: r.phone } : {}),
      ...(r.idcard_no !== null ? { idcardNo: r.idcard_no } : {}),
    };
  }

  /** One transaction; a failure SQLite reports becomes D03, so the runner can report it. */
  #write<T>(fn: () => T): T {
    try {
      return this.#db.transaction(fn)();
    } catch (e) {
      if (e instanceof DeviceFailureError) throw e;
      throw new DeviceFailureError(
        FAILURE.PERSON_STORE,
        `person store write failed: ${(e as Error).message}`,
      );
    }
  }
}

/** phone / idcardNo: at most 32 characters, as the wire carries them (3.8.2); empty means none. */
function fitted(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_FIELD) {
    // Refused rather than cut: a truncated ID number would be a wrong one.
    throw new DeviceFailureError(
      FAILURE.PERSON_INVALID,
      `phone and idcardNo are at most ${MAX_FIELD} characters`,
    );
  }
  return value;
}

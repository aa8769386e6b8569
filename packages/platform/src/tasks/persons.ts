/**
 * Persons (§1.1(1)) as platform-wide identities: enrolled once by ID number, sent to the
 * devices of every site they are assigned to (§1.1(7); assignments.ts). Face photos are
 * checked as §1.2 asks (jpg/png, under 400 KB, decodable, at least 128 × 128) before any
 * is stored. ID-card fields and phone are sealed under the master key (PIPL); the ID
 * number is also kept as a keyed hash (one identity per ID number on the platform), its
 * first six and last four characters (the masked view).
 *
 * Erasure (PIPL) scrubs the row and every copy of the name, deletes every photo file the
 * person ever had that no other person uses, and ends every assignment (the devices
 * delete the person). Attendance rows keep the person id (wages are paid from them).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { checkPhoto, type PhotoFormat } from '@kaoqin/protocol/photo';
import type { ErasableBlobStore } from '../blobs/types.js';
import type { SecretBox } from '../domain/secrets.js';
import type { TimeIds } from '../ids.js';
import type { PersonPatch, PersonRow, SiteRow, Store } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import { Assignments } from './assignments.js';
import type { Enqueued, TaskEngine } from './engine.js';
import {
  checkName,
  checkPii,
  cstDay,
  EnrolmentError,
  type NewIdentity,
  type NewPerson,
  type PersonPii,
  type PersonUpdate,
  PII_OPTIONAL,
} from './person-input.js';

export * from './person-input.js';

/** Face photos one person may have. */
export const MAX_FACES = 5;

export class Persons {
  readonly #store: Store;
  readonly #blobs: ErasableBlobStore;
  readonly #box: SecretBox;
  readonly #hashKey: Buffer;
  readonly #engine: TaskEngine;
  readonly #now: () => number;
  readonly #ids: TimeIds;
  readonly #erasedListeners: ((blobKeys: string[]) => void)[] = [];
  readonly assignments: Assignments;

  constructor(
    store: Store,
    blobs: ErasableBlobStore,
    box: SecretBox,
    masterKey: Uint8Array,
    engine: TaskEngine,
    now: () => number,
    ids: TimeIds,
  ) {
    this.#store = store;
    this.#blobs = blobs;
    this.#box = box;
    this.#hashKey = Buffer.from(hkdfSync('sha256', masterKey, '', 'kaoqin id number hash', 32));
    this.#engine = engine;
    this.#now = now;
    this.#ids = ids;
    this.assignments = new Assignments(store, engine, now, this.#ids);
  }

  async createSite(name: string): Promise<SiteRow> {
    if (!name.trim()) throw new EnrolmentError('bad_input', 'a site needs a name');
    const id = this.#ids.next();
    await this.#store.sites.create({ id, name: name.trim(), createdAt: this.#now() });
    // Read back: the store fills what a bare name leaves out.
    const row = await this.#store.sites.get(id);
    if (!row) throw new Error(`site ${id} was not stored`);
    return row;
  }

  /** Binds a device to a site and sends it the site's roster (clear, then full send). */
  async bindDevice(deviceId: string, siteId: string): Promise<Enqueued> {
    if (!(await this.#store.sites.get(siteId)))
      throw new EnrolmentError('site_not_found', `no site ${siteId}`);
    await this.#store.devices.update(deviceId, { siteId });
    return this.#engine.fullSync(deviceId, siteId);
  }

  idNumberHash(idNumber: string): string {
    return createHmac('sha256', this.#hashKey).update(idNumber.toUpperCase()).digest('hex');
  }

  /** Called with the blob keys of every erasure (the served-photo cache drops them). */
  onErased(listener: (blobKeys: string[]) => void): void {
    this.#erasedListeners.push(listener);
  }

  /** The identity holding this ID number, if any (erased persons hold none). */
  findByIdNumber(idNumber: string): Promise<PersonRow | undefined> {
    return this.#store.persons.findByIdNumber(this.idNumberHash(idNumber.trim()));
  }

  /**
   * Enrols an identity, assigned nowhere yet. An ID number enrolled already is refused
   * with the person holding it (duplicate_id_number, existingId): assign that one instead.
   */
  async enrol(input: NewIdentity): Promise<PersonRow> {
    const name = checkName(input.name);
    const { name: _n, photos: _p, idCardPhoto: _c, ...fields } = input;
    const pii = checkPii(fields, cstDay(this.#now()));
    const hash = this.idNumberHash(pii.idNumber);
    await this.#refuseTaken(hash);
    // Every photo is checked before any is stored: a refused enrolment leaves no file.
    const faces = await this.#checkFaces(input.photos);
    const card = input.idCardPhoto === undefined ? undefined : await this.#checkCard(input.idCardPhoto);
    const photoKeys = await this.#blobs.putMany(faces);
    const idCardPhotoKey = card ? await this.#blobs.put(card.bytes, card.ext) : null;
    const now = this.#now();
    const row: PersonRow = {
      id: this.#ids.next(),
      name,
      piiEnc: this.#box.seal(JSON.stringify(pii)),
      idNumberHash: hash,
      idNumberHead: pii.idNumber.slice(0, 6),
      idNumberTail: pii.idNumber.slice(-4),
      photoKeys,
      idCardPhotoKey,
      status: 'active',
      version: 1,
      createdAt: now,
      updatedAt: now,
      erasedAt: null,
    };
    try {
      await this.#store.persons.insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) await this.#refuseTaken(hash);
      throw e;
    }
    return row;
  }

  /** Enrols a person and assigns them to a site: queued for every device of the site. */
  async add(input: NewPerson): Promise<{ person: PersonRow; devices: Map<string, Enqueued> }> {
    if (!(await this.#store.sites.get(input.siteId)))
      throw new EnrolmentError('site_not_found', `no site ${input.siteId}`, 'siteId');
    const person = await this.enrol(input);
    const { devices } = await this.assignments.assign(person, input);
    return { person, devices };
  }

  /** Enrols and assigns many (an import, a benchmark): stored first, sent later by `distribute`. */
  async addMany(inputs: NewPerson[]): Promise<PersonRow[]> {
    const out: PersonRow[] = [];
    for (const input of inputs) {
      if (!(await this.#store.sites.get(input.siteId)))
        throw new EnrolmentError('site_not_found', `no site ${input.siteId}`, 'siteId');
      const person = await this.enrol(input);
      const now = this.#now();
      await this.#store.assignments.insert({
        id: this.#ids.next(),
        personId: person.id,
        siteId: input.siteId,
        company: input.company ?? null,
        team: input.team ?? null,
        trade: input.trade ?? null,
        joinedOn: input.joinedOn ?? this.assignments.today(),
        leftOn: null,
        status: 'active',
        createdAt: now,
        updatedAt: now,
        endedAt: null,
      });
      out.push(person);
    }
    return out;
  }

  /** After addMany: one delta task per device of the site. */
  distribute(siteId: string, persons: PersonRow[]): Promise<Map<string, Enqueued>> {
    return this.#engine.personsChanged(siteId, persons);
  }

  /**
   * Changes the identity's fields (null clears an optional one); with `ifVersion`, only if
   * no one changed it since (stale). A new name or ID-card photo is sent again to the
   * devices of every site the person is on (devices show the name).
   */
  async update(personId: string, patch: PersonUpdate, ifVersion?: number): Promise<PersonRow> {
    const p = await this.active(personId);
    const pii: PersonPii = { ...this.pii(p) };
    if (patch.idNumber !== undefined) pii.idNumber = patch.idNumber;
    for (const f of PII_OPTIONAL) {
      const v = patch[f];
      if (v === null) delete pii[f];
      else if (v !== undefined) pii[f] = v;
    }
    const sealed = checkPii(pii, cstDay(this.#now()), changedCardFields(patch));
    const change: PersonPatch = { piiEnc: this.#box.seal(JSON.stringify(sealed)) };
    if (patch.name !== undefined) change.name = checkName(patch.name);
    if (patch.idNumber !== undefined) {
      const hash = this.idNumberHash(sealed.idNumber);
      if (hash !== p.idNumberHash) await this.#refuseTaken(hash);
      Object.assign(change, {
        idNumberHash: hash,
        idNumberHead: sealed.idNumber.slice(0, 6),
        idNumberTail: sealed.idNumber.slice(-4),
      });
    }
    if (patch.idCardPhoto === null) change.idCardPhotoKey = null;
    else if (patch.idCardPhoto !== undefined) {
      const card = await this.#checkCard(patch.idCardPhoto);
      change.idCardPhotoKey = await this.#blobs.put(card.bytes, card.ext);
    }
    const updated = await this.#write(personId, change, ifVersion, change.idNumberHash);
    if (change.name !== undefined && change.name !== p.name) await this.#redistribute(updated);
    return updated;
  }

  /** Replaces the face photos and sends them to the devices of every site the person is on. */
  async setPhotos(personId: string, photos: Uint8Array[], ifVersion?: number): Promise<PersonRow> {
    await this.active(personId);
    const photoKeys = await this.#blobs.putMany(await this.#checkFaces(photos));
    const updated = await this.#write(personId, { photoKeys }, ifVersion);
    await this.#redistribute(updated);
    return updated;
  }

  /** Ends every active assignment: the person leaves every site's devices, the identity stays. */
  async remove(personId: string): Promise<void> {
    await this.active(personId);
    await this.assignments.endAll(personId);
  }

  /**
   * Erases the person (PIPL): the row scrubbed (the ID number may be enrolled again),
   * every photo file deleted that no other person uses, every assignment ended.
   */
  async erase(personId: string): Promise<{ photosDeleted: number; assignmentsEnded: number }> {
    const erased = await this.#store.persons.erase(personId, this.#now());
    if (!erased) throw new EnrolmentError('person_not_found', `no person ${personId}`);
    // After the scrub, so no assignment can be made in between; the devices need only the id.
    const ended = await this.assignments.endAll(personId);
    let photosDeleted = 0;
    const gone: string[] = [];
    for (const key of erased.blobKeys) {
      if (await this.#store.persons.blobInUse(key, personId)) continue;
      if (await this.#blobs.delete(key)) photosDeleted++;
      gone.push(key);
    }
    for (const listener of this.#erasedListeners) listener(gone);
    return { photosDeleted, assignmentsEnded: ended.length };
  }

  /** The sealed fields, for an operator entitled to see them. */
  pii(p: PersonRow): PersonPii {
    return JSON.parse(this.#box.open(p.piiEnc)) as PersonPii;
  }

  /** The ID number as lists show it: 330102********1234. */
  maskedIdNumber(p: PersonRow): string {
    if (p.status === 'erased') return '';
    const head = p.idNumberHead ?? this.pii(p).idNumber.slice(0, 6);
    return `${head}${'*'.repeat(8)}${p.idNumberTail}`;
  }

  /** The person, if not erased. */
  async active(personId: string): Promise<PersonRow> {
    const p = await this.#store.persons.get(personId);
    if (p?.status !== 'active') throw new EnrolmentError('person_not_found', `no person ${personId}`);
    return p;
  }

  async #refuseTaken(hash: string): Promise<void> {
    const existing = await this.#store.persons.findByIdNumber(hash);
    if (existing)
      throw new EnrolmentError(
        'duplicate_id_number',
        `this ID number is enrolled already, as person ${existing.id}`,
        'idNumber',
        existing.id,
      );
  }

  async #write(
    id: string,
    change: PersonPatch,
    ifVersion?: number,
    newHash?: string | null,
  ): Promise<PersonRow> {
    let r: Awaited<ReturnType<Store['persons']['update']>>;
    try {
      r = await this.#store.persons.update(id, change, this.#now(), ifVersion);
    } catch (e) {
      if (isUniqueViolation(e) && newHash) await this.#refuseTaken(newHash);
      throw e;
    }
    if (r === 'not_found') throw new EnrolmentError('person_not_found', `no person ${id}`);
    if (r === 'stale')
      throw new EnrolmentError('stale', `person ${id} was changed meanwhile (version ${ifVersion})`);
    return r;
  }

  async #redistribute(p: PersonRow): Promise<void> {
    for (const a of await this.assignments.activeOf(p.id)) await this.#engine.personsChanged(a.siteId, [p]);
  }

  async #checkFaces(photos: Uint8Array[]): Promise<{ bytes: Uint8Array; ext: PhotoFormat }[]> {
    if (photos.length === 0)
      throw new EnrolmentError('bad_input', 'at least one face photo is needed', 'photos');
    if (photos.length > MAX_FACES)
      throw new EnrolmentError('bad_input', `at most ${MAX_FACES} face photos`, 'photos');
    const out: { bytes: Uint8Array; ext: PhotoFormat }[] = [];
    for (const [i, bytes] of photos.entries()) {
      const c = await checkPhoto(bytes, { decode: true });
      if (!c.ok)
        throw new EnrolmentError(c.reason, `photo ${i + 1}: ${c.reason.replaceAll('_', ' ')}`, `photos.${i}`);
      out.push({ bytes, ext: c.format });
    }
    return out;
  }

  /** The ID card's photo: a small image (the chip's is 102 × 126), jpg or png, decodable. */
  async #checkCard(bytes: Uint8Array): Promise<{ bytes: Uint8Array; ext: PhotoFormat }> {
    const c = await checkPhoto(bytes, { decode: true, minFacePixels: 16 });
    if (!c.ok)
      throw new EnrolmentError(c.reason, `ID card photo: ${c.reason.replaceAll('_', ' ')}`, 'idCardPhoto');
    return { bytes, ext: c.format };
  }
}

/**
 * The card fields a patch touches, for the ID card rules: a new number is checked
 * against the sex already stored, a new first day against the last.
 */
function changedCardFields(patch: PersonUpdate): Set<string> {
  const set = new Set(
    Object.entries(patch)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k]) => k),
  );
  if (set.has('idNumber')) set.add('gender');
  if (set.has('validFrom')) set.add('validTo');
  return set;
}

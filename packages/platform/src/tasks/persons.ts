/**
 * Persons (§1.1(1)) as platform-wide identities: enrolled once by ID number, sent to the
 * devices of every site they are assigned to (§1.1(7); assignments.ts). Every enrolment
 * and change runs the one enrolment check (enrolment/check.ts: ID card rules, face photo
 * rules, card images, face-vs-card 1:1) before anything is stored, and is refused with
 * every failed rule at once. ID-card fields and phone are sealed under the master key
 * (PIPL), and so are the card's images; the ID number is also kept as a keyed hash (one
 * identity per ID number on the platform), its first six and last four characters (the
 * masked view). The 1:1 result is kept with the person; under policy 'flag' a mismatch is
 * enrolled for review, which an admin or labour manager settles (review()).
 *
 * Erasure (PIPL) scrubs the row and every copy of the name, deletes every photo file the
 * person ever had that no other person uses, and ends every assignment (the devices
 * delete the person). Attendance rows keep the person id (wages are paid from them).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { ErasableBlobStore } from '../blobs/types.js';
import type { SecretBox } from '../domain/secrets.js';
import type { EnrolmentCheck, EnrolmentChecks, EnrolmentInput } from '../enrolment/check.js';
import { type OpenedImage, SealedImages } from '../enrolment/sealed-images.js';
import type { TimeIds } from '../ids.js';
import type { PersonPatch, PersonRow, SiteRow, Store } from '../store/index.js';
import { isUniqueViolation } from '../store/index.js';
import type { FaceMatchRecord } from '../store/person-types.js';
import { Assignments } from './assignments.js';
import type { Enqueued, TaskEngine } from './engine.js';
import {
  checkName,
  cstDay,
  EnrolmentError,
  type NewIdentity,
  type NewPerson,
  type PersonPii,
  type PersonUpdate,
  PII_OPTIONAL,
  refusal,
  tidyPii,
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
  readonly #checks: EnrolmentChecks;
  readonly #sealed: SealedImages;
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
    checks: EnrolmentChecks,
  ) {
    this.#checks = checks;
    this.#sealed = new SealedImages(blobs, box);
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
    const { name: _n, photos, idCardPhoto, idCardFront, idCardBack, ...fields } = input;
    const pii = tidyPii(fields);
    const hash = this.idNumberHash(pii.idNumber);
    await this.#refuseTaken(hash);
    countFaces(photos);
    // Every rule runs before anything is stored: a refused enrolment leaves no file.
    const c = await this.#checked({
      card: pii,
      photos,
      ...(idCardPhoto ? { idCardPhoto } : {}),
      ...(idCardFront ? { idCardFront } : {}),
      ...(idCardBack ? { idCardBack } : {}),
    });
    const photoKeys = await this.#blobs.putMany(c.photos);
    const idCardPhotoKey = c.idCardPhoto
      ? await this.#sealed.put(c.idCardPhoto.bytes, c.idCardPhoto.ext)
      : null;
    const idCardFrontKey = c.idCardFront
      ? await this.#sealed.put(c.idCardFront.bytes, c.idCardFront.ext)
      : null;
    const idCardBackKey = c.idCardBack ? await this.#sealed.put(c.idCardBack.bytes, c.idCardBack.ext) : null;
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
      idCardFrontKey,
      idCardBackKey,
      faceMatch: faceMatchRecord(c, now),
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

  /** What a face-vs-ID-card mismatch does (config faceMatchPolicy). */
  get faceMatchPolicy(): 'refuse' | 'flag' {
    return this.#checks.policy;
  }

  /** Enrolments worth running at once to keep the face workers busy (enrolment/check.ts). */
  get checkParallelism(): number {
    return this.#checks.parallelism;
  }

  /** Whether the face rules run (config faceDetector 'human'). */
  get detectingFaces(): boolean {
    return this.#checks.detecting;
  }

  /** Every rule's verdict on what an enrolment would bring, storing nothing (POST /enrolment-checks). */
  check(input: Omit<EnrolmentInput, 'today'>): Promise<EnrolmentCheck> {
    return this.#checks.check({ ...input, today: cstDay(this.#now()) });
  }

  /**
   * Settles a flagged 1:1 mismatch: 'accepted' keeps the person as enrolled; 'rejected'
   * takes them off every site (the devices delete them), the identity kept for the record
   * until erased. Only a person whose review is required.
   */
  async review(
    personId: string,
    decision: 'accepted' | 'rejected',
    by: string,
    ifVersion?: number,
  ): Promise<PersonRow> {
    const p = await this.active(personId);
    if (p.faceMatch.review !== 'required')
      throw new EnrolmentError(
        'review_not_required',
        `person ${personId} has no face-vs-ID-card review pending (review: ${p.faceMatch.review})`,
      );
    const now = this.#now();
    const updated = await this.#write(
      personId,
      { faceMatch: { ...p.faceMatch, review: decision, reviewedBy: by, reviewedAt: now } },
      ifVersion,
    );
    if (decision === 'rejected') await this.assignments.endAll(personId);
    return updated;
  }

  /** The ID card's photo, front or back, opened (for the roles that may see personal data). */
  async cardImage(p: PersonRow, which: 'photo' | 'front' | 'back'): Promise<OpenedImage | undefined> {
    const key = which === 'photo' ? p.idCardPhotoKey : which === 'front' ? p.idCardFrontKey : p.idCardBackKey;
    return key === null ? undefined : this.#sealed.get(key);
  }

  /**
   * Seals card photos stored in plain before issue 11 (a one-off at start): each is read,
   * sealed, the row pointed at the sealed blob, and the plain file deleted unless another
   * person shares it. Returns how many were sealed.
   */
  async sealLegacyCardPhotos(): Promise<number> {
    let sealed = 0;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.#store.persons.page({
        limit: 500,
        status: 'active',
        withIdCardPhoto: true,
        ...(afterId ? { afterId } : {}),
      });
      if (page.length === 0) return sealed;
      afterId = page.at(-1)?.id;
      for (const p of page) {
        const old = p.idCardPhotoKey;
        if (old === null) continue;
        const img = await this.#sealed.get(old);
        if (!img || img.sealed) continue;
        const key = await this.#sealed.put(img.bytes, img.ext);
        // The version moves on (the etag changes): the stored card photo did.
        const r = await this.#store.persons.update(p.id, { idCardPhotoKey: key }, this.#now());
        if (typeof r === 'string') continue;
        if (!(await this.#store.persons.blobInUse(old, p.id))) await this.#blobs.delete(old);
        sealed++;
      }
    }
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
    const sealed = tidyPii(pii);
    const cardFields = changedCardFields(patch);
    const c = await this.#checked({
      card: sealed,
      cardFields,
      ...(patch.idCardPhoto ? { idCardPhoto: patch.idCardPhoto } : {}),
      ...(patch.idCardFront ? { idCardFront: patch.idCardFront } : {}),
      ...(patch.idCardBack ? { idCardBack: patch.idCardBack } : {}),
      // A new card photo is compared with the face photo the person has.
      ...(patch.idCardPhoto ? { reference: await this.#reference(p, 'face') } : {}),
    });
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
    if (patch.idCardPhoto === null) {
      change.idCardPhotoKey = null;
      change.faceMatch = faceMatchRecord(undefined, this.#now());
    } else if (c.idCardPhoto) {
      change.idCardPhotoKey = await this.#sealed.put(c.idCardPhoto.bytes, c.idCardPhoto.ext);
      change.faceMatch = faceMatchRecord(c, this.#now());
    }
    if (patch.idCardFront === null) change.idCardFrontKey = null;
    else if (c.idCardFront)
      change.idCardFrontKey = await this.#sealed.put(c.idCardFront.bytes, c.idCardFront.ext);
    if (patch.idCardBack === null) change.idCardBackKey = null;
    else if (c.idCardBack)
      change.idCardBackKey = await this.#sealed.put(c.idCardBack.bytes, c.idCardBack.ext);
    const updated = await this.#write(personId, change, ifVersion, change.idNumberHash);
    if (change.name !== undefined && change.name !== p.name) await this.#redistribute(updated);
    return updated;
  }

  /** Replaces the face photos and sends them to the devices of every site the person is on. */
  async setPhotos(personId: string, photos: Uint8Array[], ifVersion?: number): Promise<PersonRow> {
    const p = await this.active(personId);
    countFaces(photos);
    // New faces are compared with the card photo the person has.
    const c = await this.#checked({ photos, reference: await this.#reference(p, 'card') });
    const photoKeys = await this.#blobs.putMany(c.photos);
    const change: PersonPatch = { photoKeys };
    if (c.faceMatch.outcome !== 'not_checked') change.faceMatch = faceMatchRecord(c, this.#now());
    const updated = await this.#write(personId, change, ifVersion);
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
    // Printed QR codes are no longer kept for printing again (the codes out there expire on their own).
    await this.#store.qr.removeCodesOf(personId);
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

  /** The enrolment check, refused with every failed rule when any refuses. */
  async #checked(input: Omit<EnrolmentInput, 'today'>): Promise<EnrolmentCheck> {
    const c = await this.#checks.check({ ...input, today: cstDay(this.#now()) });
    if (c.refusals.length > 0) throw refusal(c.refusals);
    return c;
  }

  /** The stored side of a 1:1 a change brings only one side of (only when faces are detected). */
  async #reference(p: PersonRow, side: 'face' | 'card'): Promise<EnrolmentInput['reference']> {
    if (!this.#checks.detecting) return {};
    if (side === 'card') {
      const card = await this.cardImage(p, 'photo');
      return card ? { card: card.bytes } : {};
    }
    const key = p.photoKeys[0];
    const face = key === undefined ? undefined : await this.#blobs.get(key);
    return face ? { face } : {};
  }
}

function countFaces(photos: readonly Uint8Array[]): void {
  if (photos.length === 0)
    throw new EnrolmentError('bad_input', 'at least one face photo is needed', 'photos');
  if (photos.length > MAX_FACES)
    throw new EnrolmentError('bad_input', `at most ${MAX_FACES} face photos`, 'photos');
}

/** The 1:1 result as kept with the person; review required only when the policy flagged it. */
function faceMatchRecord(c: EnrolmentCheck | undefined, now: number): FaceMatchRecord {
  const m = c?.faceMatch ?? { score: null, threshold: null, outcome: 'not_checked' as const };
  return {
    ...m,
    checkedAt: m.outcome === 'not_checked' ? null : now,
    review: c?.review ?? 'none',
    reviewedBy: null,
    reviewedAt: null,
  };
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

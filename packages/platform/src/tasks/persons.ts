/**
 * Sites (工地) and their persons (§1.1(1)): enrol once, on every device of the site.
 * A person's face photos are checked as §1.2 asks (jpg/png, under 400 KB, decodable, at
 * least 128 × 128) before anything is stored. ID-card fields and phone are sealed under
 * the master key (PIPL); the ID number is also kept as a keyed hash (one enrolment per ID
 * per site) and its last four characters (display).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { checkPhoto, type PhotoProblem } from '../blobs/photo.js';
import type { BlobStore } from '../blobs/types.js';
import { TimeIds } from '../domain/ids.js';
import type { SecretBox } from '../domain/secrets.js';
import type { NewSite, PersonRow, Store } from '../store/index.js';
import type { Enqueued, TaskEngine } from './engine.js';

/** The ID-card fields of §1.1(1), phone, as sealed. */
export interface PersonPii {
  idNumber: string;
  gender?: string;
  ethnicity?: string;
  address?: string;
  validFrom?: string;
  validTo?: string;
  issuingAuthority?: string;
  phone?: string;
}

export interface NewPerson extends PersonPii {
  siteId: string;
  name: string;
  photos: Uint8Array[];
}

/** A refusal an operator can act on; `code` is stable for scripts. */
export class EnrolmentError extends Error {
  constructor(
    readonly code: 'site_not_found' | 'person_not_found' | 'duplicate_id_number' | 'bad_input' | PhotoProblem,
    message: string,
  ) {
    super(message);
  }
}

const ID_NUMBER = /^[0-9]{17}[0-9X]$/;

export class Persons {
  readonly #store: Store;
  readonly #blobs: BlobStore;
  readonly #box: SecretBox;
  readonly #hashKey: Buffer;
  readonly #engine: TaskEngine;
  readonly #now: () => number;
  readonly #ids: TimeIds;

  constructor(
    store: Store,
    blobs: BlobStore,
    box: SecretBox,
    masterKey: Uint8Array,
    engine: TaskEngine,
    now = Date.now,
  ) {
    this.#store = store;
    this.#blobs = blobs;
    this.#box = box;
    this.#hashKey = Buffer.from(hkdfSync('sha256', masterKey, '', 'kaoqin id number hash', 32));
    this.#engine = engine;
    this.#now = now;
    this.#ids = new TimeIds(0, now);
  }

  async createSite(name: string): Promise<NewSite> {
    if (!name.trim()) throw new EnrolmentError('bad_input', 'a site needs a name');
    const row = { id: this.#ids.next(), name: name.trim(), createdAt: this.#now() };
    await this.#store.sites.create(row);
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

  async #photoKeys(photos: Uint8Array[]): Promise<string[]> {
    if (photos.length === 0) throw new EnrolmentError('bad_input', 'at least one face photo is needed');
    const keys: string[] = [];
    for (const [i, bytes] of photos.entries()) {
      const c = await checkPhoto(bytes, { decode: true });
      if (!c.ok) throw new EnrolmentError(c.reason, `photo ${i + 1}: ${c.reason.replaceAll('_', ' ')}`);
      keys.push(await this.#blobs.put(bytes, c.format));
    }
    return keys;
  }

  /** Enrols a person and queues them for every device of the site. */
  async add(input: NewPerson): Promise<{ person: PersonRow; devices: Map<string, Enqueued> }> {
    const [person] = await this.addMany([input]);
    const devices = await this.#engine.personsChanged(input.siteId, [person!]);
    return { person: person!, devices };
  }

  /** Enrols many (an import): validated and stored first, then one task per device. */
  async addMany(inputs: NewPerson[]): Promise<PersonRow[]> {
    const out: PersonRow[] = [];
    for (const input of inputs) {
      const name = input.name.trim();
      const idNumber = input.idNumber.trim().toUpperCase();
      if (!name) throw new EnrolmentError('bad_input', 'a person needs a name');
      if (!ID_NUMBER.test(idNumber))
        throw new EnrolmentError(
          'bad_input',
          'the ID number must be 18 characters (17 digits and a digit or X)',
        );
      if (!(await this.#store.sites.get(input.siteId)))
        throw new EnrolmentError('site_not_found', `no site ${input.siteId}`);
      const hash = this.idNumberHash(idNumber);
      const existing = await this.#store.persons.findByIdNumber(input.siteId, hash);
      if (existing)
        throw new EnrolmentError(
          'duplicate_id_number',
          `this ID number is already enrolled on the site as person ${existing.id}`,
        );
      const photoKeys = await this.#photoKeys(input.photos);
      const { siteId: _s, name: _n, photos: _p, ...pii } = input;
      const now = this.#now();
      const row: PersonRow = {
        id: this.#ids.next(),
        siteId: input.siteId,
        name,
        piiEnc: this.#box.seal(JSON.stringify({ ...pii, idNumber })),
        idNumberHash: hash,
        idNumberTail: idNumber.slice(-4),
        photoKeys,
        status: 'active',
        createdAt: now,
        updatedAt: now,
      };
      await this.#store.persons.insert(row);
      out.push(row);
    }
    return out;
  }

  /** After addMany: one delta task per device of the site. */
  distribute(siteId: string, persons: PersonRow[]): Promise<Map<string, Enqueued>> {
    return this.#engine.personsChanged(siteId, persons);
  }

  async setPhotos(personId: string, photos: Uint8Array[]): Promise<PersonRow> {
    const p = await this.#active(personId);
    const photoKeys = await this.#photoKeys(photos);
    await this.#store.persons.update(personId, { photoKeys }, this.#now());
    const updated = { ...p, photoKeys };
    await this.#engine.personsChanged(p.siteId, [updated]);
    return updated;
  }

  async remove(personId: string): Promise<void> {
    const p = await this.#active(personId);
    await this.#store.persons.update(personId, { status: 'removed' }, this.#now());
    await this.#engine.personsRemoved(p.siteId, [personId]);
  }

  /** The sealed fields, for an operator entitled to see them. */
  pii(p: PersonRow): PersonPii {
    return JSON.parse(this.#box.open(p.piiEnc)) as PersonPii;
  }

  async #active(personId: string): Promise<PersonRow> {
    const p = await this.#store.persons.get(personId);
    if (p?.status !== 'active') throw new EnrolmentError('person_not_found', `no person ${personId}`);
    return p;
  }
}

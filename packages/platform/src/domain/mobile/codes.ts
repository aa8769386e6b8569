/**
 * One-time registration codes (issue 14, contracts §1): a site manager makes one for a
 * worker on the site's roster; the worker types it on the phone with the last six
 * characters of their ID number. 8 decimal digits (easy to read out and type), shown
 * once: only a keyed hash is stored, so the database alone does not give a usable code
 * (a plain hash of 10^8 values would be reversed in seconds). Single use; five wrong
 * ID-number tails burn it.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { TimeIds } from '../../ids.js';
import { isUniqueViolation, type MobileCodeRow, type Store } from '../../store/index.js';

export const CODE_DIGITS = 8;
export const CODE_MAX_TRIES = 5;
export const CODE_DEFAULT_HOURS = 24;
export const CODE_MAX_HOURS = 168;
const HOUR_MS = 3_600_000;

export type MobileCodeRefusal = 'person_not_found' | 'not_on_roster';

export class MobileCodeError extends Error {
  override name = 'MobileCodeError';
  constructor(
    readonly code: MobileCodeRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface NewMobileCode {
  siteId: string;
  personId: string;
  validHours?: number;
  /** The account making it (audit, and the row). */
  createdBy: string | null;
}

export class MobileCodes {
  readonly #store: Store;
  readonly #key: Buffer;
  readonly #ids: TimeIds;
  readonly #now: () => number;

  /** `masterKey`: the platform's; the codes' hash key is derived from it, never stored. */
  constructor(store: Store, masterKey: Buffer, ids: TimeIds, now: () => number) {
    this.#store = store;
    this.#key = createHmac('sha256', masterKey).update('kaoqin mobile registration codes').digest();
    this.#ids = ids;
    this.#now = now;
  }

  hash(code: string): string {
    return createHmac('sha256', this.#key).update(code).digest('hex');
  }

  /** Whether the person is active and assigned to the site now (its roster). */
  async onRoster(personId: string, siteId: string): Promise<boolean> {
    const person = await this.#store.persons.get(personId);
    if (person?.status !== 'active') return false;
    const assignments = await this.#store.assignments.ofPerson(personId);
    return assignments.some((a) => a.siteId === siteId && a.status === 'active');
  }

  async create(input: NewMobileCode): Promise<{ code: string; row: MobileCodeRow }> {
    const person = await this.#store.persons.get(input.personId);
    if (person?.status !== 'active')
      throw new MobileCodeError('person_not_found', `no person ${input.personId}`);
    if (!(await this.onRoster(input.personId, input.siteId)))
      throw new MobileCodeError(
        'not_on_roster',
        `person ${input.personId} is not on the roster of site ${input.siteId}`,
      );
    const now = this.#now();
    const hours = input.validHours ?? CODE_DEFAULT_HOURS;
    // The hash is unique over every code ever made: a draw that meets an old one draws again.
    for (let attempt = 0; ; attempt++) {
      const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
      const row: MobileCodeRow = {
        id: this.#ids.next(),
        codeHash: this.hash(code),
        siteId: input.siteId,
        personId: input.personId,
        createdBy: input.createdBy,
        createdAt: now,
        expiresAt: now + hours * HOUR_MS,
        usedAt: null,
        failedTries: 0,
      };
      try {
        await this.#store.mobile.insertCode(row);
        return { code, row };
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= 20) throw e;
      }
    }
  }
}

/**
 * Person QR codes (issue 12 item 3, docs/qr-codes.md): site keys, issuing, and the
 * verifier the sign-in rules call (QrVerifier, types.ts).
 *
 * Each site gets an Ed25519 key pair when its first code is issued (or on rotation); the
 * private key is stored sealed under the master key. Rotation makes a new current key
 * and keeps the old ones, so codes they signed verify until they expire. Verification
 * runs on the sign-in path: every site's public keys are read once and kept in memory
 * (a few per site), keys made here are added as they are made, and an unknown key id
 * re-reads the keys at most once a minute, so a stream of forgeries cannot turn each
 * clock-in into a database read.
 */

import type { KeyObject } from 'node:crypto';
import { randomInt } from 'node:crypto';
import type { PersonQrCodeRow, QrKeyRow, Store } from '../../store/index.js';
import { isUniqueViolation } from '../../store/index.js';
import type { SecretBox } from '../secrets.js';
import { decodeCode, encodablePersonId, encodeCode } from './codec.js';
import {
  newKeyPair,
  privateKeyFromText,
  privateKeyText,
  publicKeyFromRaw,
  rawPublicKey,
  signer,
  verifies,
} from './keys.js';
import type { QrVerdict, QrVerifier } from './types.js';

/** Validity of a code when the issuer names none. */
export const QR_DEFAULT_VALID_DAYS = 30;
/** The longest validity: also the longest a retired key's codes can stay valid. */
export const QR_MAX_VALID_DAYS = 366;
/**
 * A retired key still "signs" codes issued up to this long after its retirement: another
 * process may hold it as current for a moment after a rotation. Beyond it, a code of a
 * retired key is a forgery by whoever kept the old private key.
 */
export const QR_ROTATION_GRACE_MS = 10 * 60_000;
/** How long an unknown key id is taken as unknown before the keys are read again. */
const MISS_REREAD_MS = 60_000;
const DAY_S = 86_400;

export type QrErrorCode = 'bad_validity' | 'person_not_found' | 'not_assigned' | 'person_id_not_encodable';

export class QrError extends Error {
  constructor(
    readonly code: QrErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QrError';
  }
}

interface PublicKeyEntry {
  siteId: string;
  key: KeyObject;
  retiredAt: number | null;
}

interface SigningKey {
  keyId: number;
  sign: (message: Uint8Array) => Uint8Array;
}

export class QrCodes implements QrVerifier {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #now: () => number;
  /** Every site's public keys, by key id. */
  readonly #keys = new Map<number, PublicKeyEntry>();
  /** The current signing key of each site this process has signed with. */
  readonly #signing = new Map<string, Promise<SigningKey>>();
  #loading: Promise<void> | undefined;
  #readAt = Number.NEGATIVE_INFINITY;

  constructor(store: Store, box: SecretBox, now: () => number = Date.now) {
    this.#store = store;
    this.#box = box;
    this.#now = now;
  }

  /** Reads every public key (the warm-up); verify() calls it on first use. */
  load(): Promise<void> {
    this.#loading ??= this.#read().catch((e: unknown) => {
      this.#loading = undefined; // a database that was down at the first call is read again at the next
      throw e;
    });
    return this.#loading;
  }

  async #read(): Promise<void> {
    this.#readAt = this.#now();
    for (const k of await this.#store.qr.allKeys()) this.#remember(k);
  }

  #remember(k: QrKeyRow): void {
    this.#keys.set(k.keyId, {
      siteId: k.siteId,
      key: publicKeyFromRaw(Buffer.from(k.publicKey, 'base64')),
      retiredAt: k.retiredAt,
    });
  }

  /** A site's keys: retired ones in the order they retired, the current one last; none before its first code. */
  keysOf(siteId: string): Promise<QrKeyRow[]> {
    return this.#store.qr.keysOfSite(siteId);
  }

  /** Makes a new current key for the site; the older ones keep verifying their codes. */
  async rotate(siteId: string): Promise<QrKeyRow> {
    const row = await this.#addKey(siteId);
    this.#signing.set(siteId, Promise.resolve(this.#signingKey(row)));
    // Retired keys in memory learn when they retired (the grace of codes they sign).
    for (const e of this.#keys.values())
      if (e.siteId === siteId && e.retiredAt === null) e.retiredAt = row.createdAt;
    this.#remember(row);
    return row;
  }

  async #addKey(siteId: string): Promise<QrKeyRow> {
    const pair = newKeyPair();
    for (let attempt = 0; ; attempt++) {
      const row: QrKeyRow = {
        // 1..2^32-1: 0 is never a key, so a zeroed code can never name one.
        keyId: randomInt(1, 0x1_0000_0000),
        siteId,
        publicKey: rawPublicKey(pair.publicKey).toString('base64'),
        privateKeyEnc: this.#box.seal(privateKeyText(pair.privateKey)),
        createdAt: this.#now(),
        retiredAt: null,
      };
      try {
        await this.#store.qr.addKey(row);
        return row;
      } catch (e) {
        // Another site drew the same 32-bit id: draw again (rare: a few keys per site).
        if (!isUniqueViolation(e) || attempt >= 4) throw e;
      }
    }
  }

  #signingKey(k: QrKeyRow): SigningKey {
    return { keyId: k.keyId, sign: signer(privateKeyFromText(this.#box.open(k.privateKeyEnc))) };
  }

  /** The site's current key, made when the site has none yet; one at a time per site. */
  #signerOf(siteId: string): Promise<SigningKey> {
    let s = this.#signing.get(siteId);
    if (!s) {
      s = (async () => {
        const current = (await this.#store.qr.keysOfSite(siteId)).filter((k) => k.retiredAt === null).at(-1);
        if (current) return this.#signingKey(current);
        const row = await this.#addKey(siteId);
        this.#remember(row);
        return this.#signingKey(row);
      })();
      // A failure (database down) is not remembered: the next issue tries again.
      s.catch(() => this.#signing.delete(siteId));
      this.#signing.set(siteId, s);
    }
    return s;
  }

  /**
   * Issues a code for an active person assigned (now) to the site, valid for `validDays`
   * from now; it replaces the code issued before for that person and site.
   */
  async issue(personId: string, siteId: string, validDays = QR_DEFAULT_VALID_DAYS): Promise<PersonQrCodeRow> {
    if (!Number.isInteger(validDays) || validDays < 1 || validDays > QR_MAX_VALID_DAYS)
      throw new QrError('bad_validity', `validDays must be an integer from 1 to ${QR_MAX_VALID_DAYS}`);
    if (!encodablePersonId(personId))
      throw new QrError('person_id_not_encodable', `person id ${personId} is not a decimal below 2^63`);
    const person = await this.#store.persons.get(personId);
    if (person?.status !== 'active') throw new QrError('person_not_found', `no person ${personId}`);
    const assignments = await this.#store.assignments.ofPerson(personId);
    if (!assignments.some((a) => a.siteId === siteId && a.status === 'active'))
      throw new QrError('not_assigned', `person ${personId} is not assigned to site ${siteId}`);
    const key = await this.#signerOf(siteId);
    const issuedAt = Math.floor(this.#now() / 1000);
    const expiresAt = issuedAt + validDays * DAY_S;
    const codeValue = encodeCode({ keyId: key.keyId, personId, issuedAt, expiresAt }, key.sign);
    const row: PersonQrCodeRow = {
      personId,
      siteId,
      codeValue,
      keyId: key.keyId,
      issuedAt: issuedAt * 1000,
      expiresAt: expiresAt * 1000,
    };
    await this.#store.qr.putCode(row);
    return row;
  }

  /** The code last issued to the person for the site (expired or not). */
  current(personId: string, siteId: string): Promise<PersonQrCodeRow | undefined> {
    return this.#store.qr.code(personId, siteId);
  }

  async verify(codeValue: string, siteId: string | null, at: number): Promise<QrVerdict> {
    const code = decodeCode(codeValue);
    if (!code) return { status: 'malformed' };
    await this.load();
    let entry = this.#keys.get(code.keyId);
    if (!entry && this.#now() - this.#readAt >= MISS_REREAD_MS) {
      // A key another process made since the warm-up (a site's first code issued there).
      await this.#read();
      entry = this.#keys.get(code.keyId);
    }
    const expiresAt = code.expiresAt * 1000;
    const named = { personId: code.personId, expiresAt, ...(entry ? { siteId: entry.siteId } : {}) };
    if (!entry || !verifies(entry.key, code.signed, code.signature)) return { status: 'forged', ...named };
    // What the key's holder could not have signed: longer than any code is issued for, or
    // after the key retired (a kept copy of an old key must not mint new codes).
    if (
      code.expiresAt - code.issuedAt > QR_MAX_VALID_DAYS * DAY_S ||
      (entry.retiredAt !== null && code.issuedAt * 1000 > entry.retiredAt + QR_ROTATION_GRACE_MS)
    )
      return { status: 'forged', ...named };
    if (entry.siteId !== siteId) return { status: 'other_site', ...named };
    if (at >= expiresAt) return { status: 'expired', ...named };
    return { status: 'valid', ...named };
  }
}

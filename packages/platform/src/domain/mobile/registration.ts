/**
 * A phone registers (issue 14, contracts §2): a one-time code from the site manager, or
 * the worker's person QR code, with the last six characters of their ID number. The
 * phone becomes a device of kind `mobile`, owned by the built-in mobile vendor, bound
 * to the site, with credentials of its own (valid for its one sn), linked to the
 * person. The person's earlier phones on that site are disabled: one phone per worker
 * per site.
 *
 * Every refusal of a code or QR code is one answer (`mobile_code_invalid`), whatever
 * the cause (unknown, expired, spent, burned, another site, a person off the roster),
 * so the answer tells a guesser nothing. A wrong ID-number tail is `id_mismatch` and
 * counts against the code (five burn it) and against the address (limiter.ts).
 */
import { randomInt } from 'node:crypto';
import { randomHex32 } from '../../ids.js';
import { isUniqueViolation, type PersonRow, type Store } from '../../store/index.js';
import type { Devices } from '../devices.js';
import type { QrVerifier } from '../qr/types.js';
import type { SecretBox } from '../secrets.js';
import { CODE_MAX_TRIES, type MobileCodes } from './codes.js';
import type { FailureLimiter } from './limiter.js';
import type { Phones } from './phones.js';

export type RegisterRefusal = 'mobile_code_invalid' | 'id_mismatch' | 'rate_limited';

export class RegisterError extends Error {
  override name = 'RegisterError';
  constructor(
    readonly code: RegisterRefusal,
    message: string,
    /** For rate_limited: when to try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export type RegisterInput = { idLast6: string } & (
  | { code: string; personCode?: undefined }
  | { personCode: string; code?: undefined }
);

export interface Registered {
  deviceId: string;
  sn: string;
  accessId: string;
  accessKey: string;
  accessSecret: string;
  person: { personId: string; name: string };
  site: { siteId: string; name: string };
  /** How the phone proved itself. */
  via: 'code' | 'person_qr';
  /** The person's earlier phones on the site, disabled by this registration. */
  disabledDeviceIds: string[];
}

export interface RegistrationDeps {
  store: Store;
  codes: MobileCodes;
  phones: Phones;
  devices: Pick<Devices, 'preRegister' | 'setDisabled' | 'byId'>;
  qr: QrVerifier;
  /** The person's ID number, opened from their sealed identity (tasks/persons.ts pii). */
  idNumberOf(person: PersonRow): string;
  box: SecretBox;
  mobileVendorId: string;
  limiter: FailureLimiter;
  now(): number;
}

/** 'M' and 15 random digits: 16 characters, clear of any vendor's serial scheme we know. */
export function newPhoneSn(): string {
  let digits = '';
  for (let i = 0; i < 15; i++) digits += String(randomInt(0, 10));
  return `M${digits}`;
}

const INVALID = 'the code is unknown, expired or used, or the person QR code is not valid here';

export class MobileRegistration {
  readonly #d: RegistrationDeps;

  constructor(deps: RegistrationDeps) {
    this.#d = deps;
  }

  async register(input: RegisterInput, ip: string): Promise<Registered> {
    const d = this.#d;
    const wait = d.limiter.retryAfterMs(ip);
    if (wait > 0) throw new RegisterError('rate_limited', 'too many failed registrations from here', wait);
    const now = d.now();
    const claim =
      input.code !== undefined
        ? await this.#byCode(input.code, now)
        : await this.#byQr(input.personCode, now);
    if (!claim) {
      d.limiter.fail(ip);
      throw new RegisterError('mobile_code_invalid', INVALID);
    }
    const person = await d.store.persons.get(claim.personId);
    const site = await d.store.sites.get(claim.siteId);
    if (person?.status !== 'active' || !site || !(await d.codes.onRoster(person.id, site.id))) {
      d.limiter.fail(ip);
      throw new RegisterError('mobile_code_invalid', INVALID);
    }
    if (!tailMatches(d.idNumberOf(person), input.idLast6)) {
      d.limiter.fail(ip);
      if (claim.codeId !== undefined) await d.store.mobile.failCode(claim.codeId);
      throw new RegisterError('id_mismatch', 'the last 6 characters of the ID number do not match');
    }
    // Spent by one conditional update: of two phones racing with one code, one wins.
    if (claim.codeId !== undefined && !(await d.store.mobile.spendCode(claim.codeId, now, CODE_MAX_TRIES)))
      throw new RegisterError('mobile_code_invalid', INVALID);
    const phone = await this.#newPhone(person.id, site.id, now);
    const disabledDeviceIds = await this.#disableEarlier(person.id, site.id, phone.deviceId);
    return {
      ...phone,
      person: { personId: person.id, name: person.name },
      site: { siteId: site.id, name: site.name },
      via: claim.codeId !== undefined ? 'code' : 'person_qr',
      disabledDeviceIds,
    };
  }

  async #byCode(
    code: string,
    now: number,
  ): Promise<{ personId: string; siteId: string; codeId: string } | undefined> {
    const row = await this.#d.store.mobile.codeByHash(this.#d.codes.hash(code));
    if (!row || row.usedAt !== null || row.failedTries >= CODE_MAX_TRIES || row.expiresAt <= now)
      return undefined;
    return { personId: row.personId, siteId: row.siteId, codeId: row.id };
  }

  /**
   * A person QR code names its person and, by its key, its site: asked for no site, the
   * verifier answers `other_site` with the site of a well-signed code; asked again for
   * that site, `valid` only when it is unexpired and its key's signature holds.
   */
  async #byQr(
    codeValue: string,
    now: number,
  ): Promise<{ personId: string; siteId: string; codeId?: undefined } | undefined> {
    const first = await this.#d.qr.verify(codeValue, null, now);
    if (first.status !== 'other_site' || first.siteId === undefined) return undefined;
    const verdict = await this.#d.qr.verify(codeValue, first.siteId, now);
    if (verdict.status !== 'valid' || verdict.personId === undefined) return undefined;
    return { personId: verdict.personId, siteId: first.siteId };
  }

  async #newPhone(
    personId: string,
    siteId: string,
    now: number,
  ): Promise<{ deviceId: string; sn: string; accessId: string; accessKey: string; accessSecret: string }> {
    const d = this.#d;
    for (let attempt = 0; ; attempt++) {
      const sn = newPhoneSn();
      let deviceId: string;
      try {
        deviceId = (await d.devices.preRegister(d.mobileVendorId, sn, { siteId })).id;
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= 5) throw e; // an sn drawn twice: draw again
        continue;
      }
      await d.store.deviceApi.patch(deviceId, { kind: 'mobile' });
      const creds = { accessId: randomHex32(), accessKey: randomHex32(), accessSecret: randomHex32() };
      const row = {
        deviceId,
        personId,
        siteId,
        accessId: creds.accessId,
        accessKey: creds.accessKey,
        secretEnc: d.box.seal(creds.accessSecret),
        createdAt: now,
      };
      await d.store.mobile.insertPhone(row);
      d.phones.remember(row);
      return { deviceId, sn, ...creds };
    }
  }

  /**
   * A worker who leaves the site (or is erased) keeps no working phone there: their later
   * clock-ins would only be flagged `unknown_person`, and a lost phone should stop at once.
   */
  disablePhonesOf(personId: string, siteId: string): Promise<string[]> {
    return this.#disableEarlier(personId, siteId, '');
  }

  async #disableEarlier(personId: string, siteId: string, keep: string): Promise<string[]> {
    const disabled: string[] = [];
    for (const phone of await this.#d.store.mobile.phonesOf(personId, siteId)) {
      if (phone.deviceId === keep) continue;
      const device = await this.#d.devices.byId(phone.deviceId);
      if (!device || device.disabled) continue;
      await this.#d.devices.setDisabled(device.id, true);
      disabled.push(device.id);
    }
    return disabled;
  }
}

/** The ID number's last six characters, an X in either case. */
function tailMatches(idNumber: string, idLast6: string): boolean {
  return idNumber.length >= 6 && idNumber.slice(-6).toUpperCase() === idLast6.trim().toUpperCase();
}

/**
 * What enrolling a person takes, and the checks every caller (API, CLI, roster import)
 * gets alike. §1.1(1) lists what the ID card reader gives: 身份证号、姓名、性别、民族、地址、
 * 发证有效时间、发证机关、照片 (the card's own photo). The birth date is not listed and is
 * part of the ID number, so it is derived, not stored. Phone is ours (contact). All but
 * the name (which devices show) are sealed under the master key (PIPL).
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import type { PhotoProblem } from '@kaoqin/protocol/photo';
import { type IdCardCode, idCardFailures } from '../domain/id-card.js';

/** The sealed fields: §1.1(1)'s ID card fields and phone. The JSON shape is what is stored. */
export interface PersonPii {
  idNumber: string;
  gender?: string;
  ethnicity?: string;
  address?: string;
  /** 有效期限: first day, yyyy-MM-dd (or as the card reader gives it). */
  validFrom?: string;
  /** 有效期限: last day, yyyy-MM-dd, or 长期 (no end). */
  validTo?: string;
  issuingAuthority?: string;
  phone?: string;
}

/** The optional sealed fields, by name: what a patch may set or clear (null). */
export const PII_OPTIONAL = [
  'gender',
  'ethnicity',
  'address',
  'validFrom',
  'validTo',
  'issuingAuthority',
  'phone',
] as const;
export type PiiOptionalField = (typeof PII_OPTIONAL)[number];

/** A new identity: name, sealed fields, face photos, and the ID card's images if read. */
export interface NewIdentity extends PersonPii {
  name: string;
  photos: Uint8Array[];
  /** The card chip's photo (§1.1(1) 照片): stored sealed, compared with the first face photo. */
  idCardPhoto?: Uint8Array;
  /** Scans of the card's front and back (§1.1(2)): stored sealed. */
  idCardFront?: Uint8Array;
  idCardBack?: Uint8Array;
}

/** What an assignment to a site says (dates yyyy-MM-dd, China time). */
export interface AssignmentInput {
  siteId: string;
  company?: string | null;
  team?: string | null;
  trade?: string | null;
  /** Default: today. */
  joinedOn?: string;
  leftOn?: string | null;
}

/** Enrol and assign in one (the CLI's `person add --site`, tests, the roster import). */
export interface NewPerson extends NewIdentity, Omit<AssignmentInput, 'siteId'> {
  siteId: string;
}

/** A change to an identity: fields given are set; null clears an optional one. */
export type PersonUpdate = {
  name?: string;
  idNumber?: string;
  idCardPhoto?: Uint8Array | null;
  idCardFront?: Uint8Array | null;
  idCardBack?: Uint8Array | null;
} & {
  [F in PiiOptionalField]?: string | null;
};

export type EnrolmentCode =
  | 'site_not_found'
  | 'person_not_found'
  | 'assignment_not_found'
  | 'duplicate_id_number'
  | 'already_assigned'
  | 'bad_input'
  | 'stale'
  | 'review_not_required'
  | IdCardCode
  | PhotoProblem
  // The face rules' codes are @kaoqin/faces' (face_count, face_too_small, …): open-ended.
  | (string & {});

/** One failed rule of a refusal that has several (the enrolment check reports all at once). */
export interface EnrolmentProblem {
  code: EnrolmentCode;
  field: string;
  message: string;
  /** What the rule measured ("face 96×110 px"). */
  value?: string;
}

/** A refusal an operator can act on; `code` is stable for scripts. */
export class EnrolmentError extends Error {
  constructor(
    readonly code: EnrolmentCode,
    message: string,
    /** The input field at fault (idNumber, photos.1, leftOn), when there is one. */
    readonly field?: string,
    /** The existing resource a conflict is with (the person holding the ID number, …). */
    readonly existingId?: string,
    /** Every failed rule, when the check reports more than one (the first is `code`). */
    readonly problems?: readonly EnrolmentProblem[],
  ) {
    super(message);
  }
}

const ID_NUMBER = /^[0-9]{17}[0-9X]$/;
/** Whether the text has a C0 or C1 control character (NUL included): never part of a name or an address. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
export const NAME_MAX = 64;

export function checkName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new EnrolmentError('bad_input', 'a person needs a name', 'name');
  if (name.length > NAME_MAX || hasControl(name))
    throw new EnrolmentError(
      'bad_input',
      `a name is at most ${NAME_MAX} characters, without control characters`,
      'name',
    );
  return name;
}

export function checkIdNumber(raw: string): string {
  const idNumber = raw.trim().toUpperCase();
  if (!ID_NUMBER.test(idNumber))
    throw new EnrolmentError(
      'bad_input',
      'the ID number must be 18 characters (17 digits and a digit or X)',
      'idNumber',
    );
  return idNumber;
}

/**
 * The optional fields, trimmed; empty ones dropped; control characters refused; then the
 * ID card rules (domain/id-card.ts) on the number, sex, 民族 and validity, every failure
 * at once. `changed` limits those rules to the fields a patch sets, so a card that has
 * expired since enrolment does not block changing the phone; `today` is yyyy-MM-dd (China).
 */
export function checkPii(input: PersonPii, today: string, changed?: ReadonlySet<string>): PersonPii {
  const out = tidyPii(input);
  const failed = idCardFailures(out, today).filter((v) => changed === undefined || changed.has(v.field));
  if (failed.length > 0) throw refusal(failed);
  return out;
}

/** A refusal naming every failed rule, the first as the error's own code. */
export function refusal(failed: readonly EnrolmentVerdict[]): EnrolmentError {
  const [first] = failed;
  if (!first) throw new Error('a refusal needs a failed rule');
  return new EnrolmentError(
    first.code,
    first.message,
    first.field,
    undefined,
    failed.map((v) => ({ code: v.code, field: v.field, message: v.message, value: v.value })),
  );
}

/**
 * The sealed fields trimmed, empty ones dropped, control characters refused; the ID card
 * rules are the enrolment check's (enrolment/check.ts).
 */
export function tidyPii(input: PersonPii): PersonPii {
  const out: PersonPii = { idNumber: checkIdNumber(input.idNumber) };
  for (const f of PII_OPTIONAL) {
    const v = input[f]?.trim();
    if (v === undefined || v === '') continue;
    if (v.length > 256 || hasControl(v))
      throw new EnrolmentError('bad_input', `${f} is at most 256 characters, without control characters`, f);
    out[f] = v;
  }
  return out;
}

/** yyyy-MM-dd of a real calendar day. */
export function checkDay(value: string, field: string): string {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  // Date.parse takes 2026-02-30 as 2 March on some engines: the day must come back as given.
  const ok = Number.isFinite(t) && new Date(t).toISOString().startsWith(value);
  if (!ok) throw new EnrolmentError('bad_input', `${field} must be a date, yyyy-MM-dd`, field);
  return value;
}

/** The birth date an 18-character ID number carries (characters 7–14), if it is a real day. */
export function birthDateOf(idNumber: string): string | null {
  const d = `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
  try {
    return checkDay(d, 'birthDate');
  } catch {
    return null;
  }
}

const CST_MS = 8 * 60 * 60_000;
/** The calendar day (yyyy-MM-dd) in China at `ms`: what join and leave dates are counted in. */
export const cstDay = (ms: number): string => new Date(ms + CST_MS).toISOString().slice(0, 10);

/**
 * The ID card check (§1.1(1)): every rule's verdict with the value it measured, so
 * the API, the roster import and the CLI refuse the same cards for the same reasons
 * (the codes are stable) and a caller sees all that is wrong at once. Rules on the
 * number after its shape only run when the shape is right; the number itself is never
 * echoed whole (it is personal data), only the part a rule measured.
 */
import { normalizeEthnicity } from './id-card-ethnicity.js';
import { provinceOf } from './id-card-regions.js';
import { FOR_LIFE, isExpired } from './id-card-validity.js';
import { idNumberBirthDate, idNumberCheckChar, idNumberGender } from './id-number.js';

export type IdCardCode =
  | 'id_number_format'
  | 'id_number_birth_date'
  | 'id_number_check_digit'
  | 'id_number_region'
  | 'gender_invalid'
  | 'gender_mismatch'
  | 'ethnicity_invalid'
  | 'valid_to_before_from'
  | 'id_card_expired';

/** The card fields as given (validFrom yyyy-MM-dd, validTo yyyy-MM-dd or 长期). */
export interface IdCardInput {
  idNumber: string;
  gender?: string | undefined;
  ethnicity?: string | undefined;
  validFrom?: string | undefined;
  validTo?: string | undefined;
}

export interface IdCardVerdict {
  code: IdCardCode;
  ok: boolean;
  /** The input field the rule reads (the first is the one blamed). */
  field: keyof IdCardInput;
  /** What the rule measured, e.g. "birth date 19801332". */
  value: string;
  /** Why, naming the measured value (English; the codes are for scripts). */
  message: string;
}

const SHAPE = /^[1-9][0-9]{16}[0-9X]$/;

/** 男/女 (male/female accepted too) as the sex the 17th digit's parity gives. */
export function readSex(raw: string): 'male' | 'female' | undefined {
  const g = raw.trim().toLowerCase();
  if (g === '男' || g === 'male' || g === 'm') return 'male';
  if (g === '女' || g === 'female' || g === 'f') return 'female';
  return undefined;
}

const verdict = (
  code: IdCardCode,
  ok: boolean,
  field: keyof IdCardInput,
  value: string,
  message: string,
): IdCardVerdict => ({ code, ok, field, value, message });

/** Every rule that applies to the input, passed or failed. `today` is yyyy-MM-dd, China time. */
export function checkIdCard(input: IdCardInput, today: string): IdCardVerdict[] {
  const id = input.idNumber.trim().toUpperCase();
  const out: IdCardVerdict[] = [];
  const shapeOk = SHAPE.test(id);
  out.push(
    verdict(
      'id_number_format',
      shapeOk,
      'idNumber',
      `${id.length} characters`,
      shapeOk
        ? 'an 18-character number'
        : `${id.length} characters: an ID number is 17 digits (the first not 0) and a digit or X`,
    ),
  );
  if (shapeOk) {
    const raw = id.slice(6, 14);
    const birth = idNumberBirthDate(id);
    const dateOk = birth !== undefined && birth >= '1900-01-01' && birth <= today;
    out.push(
      verdict(
        'id_number_birth_date',
        dateOk,
        'idNumber',
        `birth date ${raw}`,
        dateOk
          ? `birth date ${birth}`
          : `birth date ${raw} is ${birth === undefined ? 'not a real date' : birth > today ? 'in the future' : 'before 1900'}`,
      ),
    );
    const want = idNumberCheckChar(id.slice(0, 17));
    out.push(
      verdict(
        'id_number_check_digit',
        want === id[17],
        'idNumber',
        `check character ${id[17]}`,
        want === id[17]
          ? 'check character right'
          : `check character ${id[17]}, GB 11643 calls for ${want}: a character was mistyped`,
      ),
    );
    const province = provinceOf(id);
    out.push(
      verdict(
        'id_number_region',
        province !== undefined,
        'idNumber',
        `region code ${id.slice(0, 2)}`,
        province !== undefined
          ? `region ${id.slice(0, 2)} (${province})`
          : `region code ${id.slice(0, 2)} is no province of GB/T 2260`,
      ),
    );
  }
  if (input.gender !== undefined) {
    const sex = readSex(input.gender);
    if (sex === undefined)
      out.push(
        verdict(
          'gender_invalid',
          false,
          'gender',
          `gender ${input.gender}`,
          `gender "${input.gender}": 男 or 女`,
        ),
      );
    else if (shapeOk) {
      const fromId = idNumberGender(id);
      out.push(
        verdict(
          'gender_mismatch',
          sex === fromId,
          'gender',
          `gender ${input.gender}`,
          sex === fromId
            ? 'gender agrees with the ID number'
            : `gender ${input.gender}, but the ID number's 17th digit ${id[16]} is ${fromId === 'male' ? 'odd (男)' : 'even (女)'}`,
        ),
      );
    }
  }
  if (input.ethnicity !== undefined) {
    const ok = normalizeEthnicity(input.ethnicity) !== undefined;
    out.push(
      verdict(
        'ethnicity_invalid',
        ok,
        'ethnicity',
        `ethnicity ${input.ethnicity}`,
        ok
          ? 'on the GB/T 3304 list'
          : `ethnicity "${input.ethnicity}" is not on the GB/T 3304 list (e.g. 汉, 回, 壮)`,
      ),
    );
  }
  const { validFrom: from, validTo: to } = input;
  if (from !== undefined && to !== undefined && to !== FOR_LIFE) {
    const ok = to >= from;
    out.push(
      verdict(
        'valid_to_before_from',
        ok,
        'validTo',
        `validity ${from} to ${to}`,
        ok ? 'validity in order' : `validity ends ${to}, before it starts ${from}`,
      ),
    );
  }
  if (to !== undefined) {
    const expired = isExpired(to, today);
    out.push(
      verdict(
        'id_card_expired',
        !expired,
        'validTo',
        `valid to ${to}`,
        expired ? `the card expired on ${to} (today is ${today})` : `valid to ${to}`,
      ),
    );
  }
  return out;
}

/** The failed verdicts only. */
export const idCardFailures = (input: IdCardInput, today: string): IdCardVerdict[] =>
  checkIdCard(input, today).filter((v) => !v.ok);

/**
 * The resident ID number of GB 11643-1999 (公民身份号码): six digits of region, eight of
 * birth date, three of sequence (odd for men, even for women) and a check character,
 * the ISO 7064 MOD 11-2 of the first seventeen. Checking it catches the typo of one
 * digit and the swap of two neighbours, the usual ways a roster typed by hand goes
 * wrong. Residence permits of Hong Kong, Macao and Taiwan residents and the 2023
 * foreigners' permanent residence card use the same format, so they pass too. The
 * region is checked at province level (id-card-regions.ts); the full card, with sex,
 * 民族 and validity, in id-card.ts.
 */

import { provinceOf } from './id-card-regions.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
const SHAPE = /^[1-9][0-9]{16}[0-9X]$/;

export type IdNumberProblem =
  | 'id_number_format'
  | 'id_number_birth_date'
  | 'id_number_check_digit'
  | 'id_number_region';

/** The check character the first seventeen digits call for. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** The ID number as written on the card: trimmed, with a lower-case x raised. */
export function normalizeIdNumber(raw: string): string {
  return raw.trim().toUpperCase();
}

/** Why a normalized ID number is not valid, or undefined when it is. */
export function idNumberProblem(id: string, today: Date = new Date()): IdNumberProblem | undefined {
  if (!SHAPE.test(id)) return 'id_number_format';
  const birth = idNumberBirthDate(id);
  if (birth === undefined || birth > today.toISOString().slice(0, 10) || birth < '1900-01-01')
    return 'id_number_birth_date';
  if (idNumberCheckChar(id.slice(0, 17)) !== id[17]) return 'id_number_check_digit';
  if (provinceOf(id) === undefined) return 'id_number_region';
  return undefined;
}

/** The birth date the number carries (yyyy-MM-dd), if it is a real calendar date. */
export function idNumberBirthDate(id: string): string | undefined {
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  return calendarDate(y, m, d);
}

/** 'male' or 'female', from the parity of the sequence (the 17th character). */
export function idNumberGender(id: string): 'male' | 'female' {
  return Number(id[16]) % 2 === 1 ? 'male' : 'female';
}

/** yyyy-MM-dd for a real date of the Gregorian calendar, else undefined. */
export function calendarDate(y: number, m: number, d: number): string | undefined {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return undefined;
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return undefined;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

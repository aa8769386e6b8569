/**
 * One roster row, from cells as the sheet holds them to a checked record: every cell
 * that is wrong is named (`C7`) with its reason, so one pass over the report is enough
 * to fix the sheet. Cells come from CSV as text and from XLSX as text, numbers, dates or
 * booleans; dates are read the ways Chinese sheets write them (2024-03-05, 2024/3/5,
 * 2024.03.05, 20240305, 2024年3月5日, an Excel date or its serial number).
 */

import { normalizeEthnicity } from '../domain/id-card-ethnicity.js';
import { isExpired } from '../domain/id-card-validity.js';
import {
  calendarDate,
  idNumberBirthDate,
  idNumberGender,
  idNumberProblem,
  normalizeIdNumber,
} from '../domain/id-number.js';
import { type ImportProblem, importProblem } from './messages.js';
import { cellRef, type RosterField, type RosterHeader } from './roster-columns.js';

/** A cell as a reader gives it. */
export type CellValue = string | number | boolean | Date | null;

export type Gender = 'male' | 'female';

/** A row that passed every check: what the import hands to the persons domain. */
export interface RosterRecord {
  /** The spreadsheet row number (1-based, the header's row counted). */
  row: number;
  name: string;
  idNumber: string;
  gender?: Gender;
  ethnicity?: string;
  birthDate?: string;
  address?: string;
  issuingAuthority?: string;
  validFrom?: string;
  /** yyyy-MM-dd, or '长期' for a card without an end (valid for life). */
  validTo?: string;
  phone?: string;
  company?: string;
  team?: string;
  trade?: string;
  joinedOn?: string;
  leftOn?: string;
}

export type RowResult = { ok: true; record: RosterRecord } | { ok: false; problems: ImportProblem[] };

/** Longest text accepted per field (characters). */
const MAX_LENGTH: Partial<Record<RosterField, number>> = {
  name: 64,
  ethnicity: 16,
  address: 200,
  issuingAuthority: 100,
  company: 100,
  team: 100,
  trade: 64,
};

/** 长期: a card valid for life (holders over 46) has no end date. */
export const VALID_FOR_LIFE = '长期';
const FOR_LIFE = new Set(['长期', '长期有效', '永久', 'long-term', 'longterm', 'permanent']);
/** Excel's day 0 (its serial numbers count from 1899-12-30, counting 1900-02-29). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The text of a cell, whatever the reader made of it. */
export function cellText(v: CellValue): string {
  if (v === null) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  return String(v).trim();
}

/** A date cell as yyyy-MM-dd, or undefined when it cannot be read. */
export function readDate(v: CellValue): string | undefined {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return undefined;
    // exceljs gives a date cell as the UTC midnight of the calendar day it shows.
    return calendarDate(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate());
  }
  if (typeof v === 'number') {
    // A date column formatted "General" shows its serial number: 45356 is 2024-03-05.
    if (!Number.isInteger(v) || v < 1 || v > 2_958_465) return undefined;
    const d = new Date(EXCEL_EPOCH_MS + v * DAY_MS);
    return calendarDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  const s = cellText(v).normalize('NFKC');
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(s);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  // A date-time (2024-03-05 08:00:00, 2024-03-05T00:00:00.000Z): the day is what counts.
  if (!m)
    m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[T\s]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

function readGender(s: string): Gender | undefined {
  const g = s.toLowerCase();
  if (g === '男' || g === 'male' || g === 'm') return 'male';
  if (g === '女' || g === 'female' || g === 'f') return 'female';
  return undefined;
}

/** A mainland mobile number, without spaces, dashes or a +86 prefix. */
function readPhone(s: string): string | undefined {
  const digits = s
    .normalize('NFKC')
    .replace(/[\s-]/g, '')
    .replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : undefined;
}

/** Reads and checks one data row against the header. */
export function readRow(cells: readonly CellValue[], row: number, header: RosterHeader): RowResult {
  const problems: ImportProblem[] = [];
  const out: Partial<RosterRecord> = { row };
  const at = (f: RosterField) => {
    const i = header.columns[f];
    return i === undefined ? undefined : { value: cells[i] ?? null, cell: cellRef(i, row) };
  };
  const fail = (f: RosterField, cell: string, code: Parameters<typeof importProblem>[0], p = {}) =>
    problems.push(importProblem(code, { cell, field: f }, p));

  /** A text field: trimmed, inner whitespace folded, bounded. */
  const text = (f: RosterField): { text: string; cell: string } | undefined => {
    const c = at(f);
    if (!c) return undefined;
    const t = cellText(c.value).replace(/\s+/g, ' ');
    if (t === '') return undefined;
    const max = MAX_LENGTH[f] ?? 200;
    if (CONTROL.test(t)) fail(f, c.cell, 'text_invalid');
    else if ([...t].length > max) fail(f, c.cell, 'text_too_long', { max });
    else return { text: t, cell: c.cell };
    return undefined;
  };
  const date = (f: RosterField): { date: string; cell: string } | undefined => {
    const c = at(f);
    if (!c || cellText(c.value) === '') return undefined;
    const d = readDate(c.value);
    if (d === undefined) fail(f, c.cell, 'date_invalid');
    return d === undefined ? undefined : { date: d, cell: c.cell };
  };

  const name = at('name')!;
  const nameText = text('name');
  if (nameText) out.name = nameText.text;
  else if (cellText(name.value) === '') fail('name', name.cell, 'name_missing');

  const id = at('idNumber')!;
  if (typeof id.value === 'number' && !Number.isSafeInteger(id.value))
    fail('idNumber', id.cell, 'id_number_as_number');
  else {
    const idNumber = normalizeIdNumber(cellText(id.value).normalize('NFKC').replace(/\s/g, ''));
    const why = idNumber === '' ? 'id_number_missing' : idNumberProblem(idNumber);
    if (why) fail('idNumber', id.cell, why);
    else out.idNumber = idNumber;
  }

  const g = at('gender');
  if (g && cellText(g.value) !== '') {
    const gender = readGender(cellText(g.value));
    if (!gender) fail('gender', g.cell, 'gender_invalid');
    else if (out.idNumber && gender !== idNumberGender(out.idNumber))
      fail('gender', g.cell, 'gender_mismatch');
    else out.gender = gender;
  }

  for (const f of ['ethnicity', 'address', 'issuingAuthority', 'company', 'team', 'trade'] as const) {
    const t = text(f);
    // 民族 from GB/T 3304, as the API and the CLI check it (domain/id-card.ts).
    if (t && f === 'ethnicity' && normalizeEthnicity(t.text) === undefined)
      fail(f, t.cell, 'ethnicity_invalid');
    else if (t) out[f] = t.text;
  }

  const birth = date('birthDate');
  if (birth && out.idNumber && birth.date !== idNumberBirthDate(out.idNumber))
    fail('birthDate', birth.cell, 'birth_date_mismatch');
  else if (birth) out.birthDate = birth.date;

  readValidity(at, date, fail, out);

  const p = at('phone');
  if (p && cellText(p.value) !== '') {
    const phone = readPhone(cellText(p.value));
    if (phone) out.phone = phone;
    else fail('phone', p.cell, 'phone_invalid');
  }

  const joined = date('joinedOn');
  const left = date('leftOn');
  if (joined) out.joinedOn = joined.date;
  if (left && joined && left.date < joined.date) fail('leftOn', left.cell, 'left_before_joined');
  else if (left) out.leftOn = left.date;

  return problems.length > 0 ? { ok: false, problems } : { ok: true, record: out as RosterRecord };
}

type At = (f: RosterField) => { value: CellValue; cell: string } | undefined;
type DateOf = (f: RosterField) => { date: string; cell: string } | undefined;
type Fail = (f: RosterField, cell: string, code: Parameters<typeof importProblem>[0]) => void;

/** 有效期起/止 as two columns, or 有效期限 "2015.01.01-2035.01.01" / "…-长期" as one. */
function readValidity(at: At, date: DateOf, fail: Fail, out: Partial<RosterRecord>): void {
  let from: string | undefined;
  let to: string | undefined;
  let toCell: string | undefined;
  const both = at('validity');
  const bothText = both ? cellText(both.value).normalize('NFKC') : '';
  if (both && bothText !== '') {
    const split = splitValidity(bothText);
    if (split === undefined) {
      fail('validity', both.cell, 'date_invalid');
      return;
    }
    [from, to, toCell] = [split[0], split[1], both.cell];
  }
  const vf = date('validFrom');
  if (vf) from = vf.date;
  const vt = at('validTo');
  if (vt && cellText(vt.value) !== '') {
    const t = readDateOrLife(vt.value);
    if (t === undefined) {
      fail('validTo', vt.cell, 'date_invalid');
      return;
    }
    [to, toCell] = [t, vt.cell];
  }
  if (from && to && to !== VALID_FOR_LIFE && to < from) {
    fail(toCell === both?.cell ? 'validity' : 'validTo', toCell!, 'valid_to_before_from');
    return;
  }
  // An expired card is refused, as the API and the CLI do (domain/id-card.ts).
  if (to && isExpired(to, new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10))) {
    fail(toCell === both?.cell ? 'validity' : 'validTo', toCell!, 'id_card_expired');
    return;
  }
  if (from) out.validFrom = from;
  if (to) out.validTo = to;
}

function readDateOrLife(v: CellValue): string | undefined {
  return FOR_LIFE.has(cellText(v).toLowerCase()) ? VALID_FOR_LIFE : readDate(v);
}

/**
 * "2015.01.01-2035.01.01", "2015-01-01 至 2035-01-01", "2015.01.01-长期": the dates' own
 * dashes make a plain split ambiguous, so every separator is tried until both sides read.
 */
function splitValidity(s: string): [string, string] | undefined {
  for (const m of s.matchAll(/\s*(?:-|~|至|—|–)\s*/g)) {
    const from = readDate(s.slice(0, m.index));
    const to = from === undefined ? undefined : readDateOrLife(s.slice(m.index + m[0].length));
    if (from !== undefined && to !== undefined) return [from, to];
  }
  return undefined;
}

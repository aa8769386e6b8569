/**
 * 有效期限 as the card prints it and readers give it: "2015.03.01-2035.03.01",
 * "2015.03.01-长期", "20150301-20350301", "2015-03-01至2035-03-01", or as two fields
 * (validFrom, validTo). A card is expired when its last day is before today (China
 * time); 长期 (holders over 46) never ends.
 */
import { calendarDate } from './id-number.js';

export const FOR_LIFE = '长期';

export interface Validity {
  /** yyyy-MM-dd */
  from: string;
  /** yyyy-MM-dd, or 长期 */
  to: string;
}

/** One date in a card's formats (2015.03.01, 2015-03-01, 2015/3/1, 20150301, 2015年3月1日) as yyyy-MM-dd. */
export function parseCardDate(raw: string): string | undefined {
  const s = raw.trim().normalize('NFKC');
  const m =
    /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(s) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  return m ? calendarDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** The end of a validity: a date, or 长期 (长期有效 too). */
export function parseCardEnd(raw: string): string | undefined {
  const s = raw.trim().normalize('NFKC');
  return s === FOR_LIFE || s === '长期有效' ? FOR_LIFE : parseCardDate(s);
}

/**
 * The period written as one text. The dates' own dashes make a plain split ambiguous,
 * so each separator is tried until both sides read as dates.
 */
export function parseValidity(raw: string): Validity | undefined {
  const s = raw.trim().normalize('NFKC');
  for (const m of s.matchAll(/\s*(?:-|~|至|—|–)\s*/g)) {
    const from = parseCardDate(s.slice(0, m.index));
    const to = from === undefined ? undefined : parseCardEnd(s.slice(m.index + m[0].length));
    if (from !== undefined && to !== undefined) return { from, to };
  }
  return undefined;
}

/** Whether a card valid to `to` (yyyy-MM-dd or 长期) is expired on `today` (yyyy-MM-dd). */
export function isExpired(to: string, today: string): boolean {
  return to !== FOR_LIFE && to < today;
}

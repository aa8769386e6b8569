/**
 * Resident ID numbers for tests (GB 11643: 6-digit region, birth date, 3-digit sequence
 * whose parity is the sex, check character). The check character is computed here
 * from the standard, not imported from the platform, so the platform's check is tested
 * against an independent reading.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
const DAY_MS = 86_400_000;
/** Birth dates cycle over this many days from 1970-01-01 (to 2011). */
const DAYS = 15_000;

/** The check character (GB 11643 §5: ISO 7064 MOD 11-2) the first seventeen digits call for. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

let seq = 0;
/**
 * An 18-character ID number with a right check character and a real birth date, unique
 * in the test process (for 7.5 million calls). `female` picks an even sequence.
 */
export function idNumber(opts: { female?: boolean } = {}): string {
  return idNumberOf(++seq, opts);
}

/** The n-th of those numbers (n ≥ 0): the same n always gives the same number, for data sets made again. */
export function idNumberOf(n: number, opts: { female?: boolean } = {}): string {
  const ymd = new Date((n % DAYS) * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  const order = String((Math.floor(n / DAYS) * 2 + (opts.female ? 0 : 1)) % 1000).padStart(3, '0');
  const first17 = `110101${ymd}${order}`;
  return first17 + idNumberCheckChar(first17);
}

/** The same number with a wrong check character. */
export function withBadCheckDigit(id: string): string {
  return id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
}

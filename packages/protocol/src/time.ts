/**
 * timeStamp and recordTime (decision D6): timeStamp is yyyyMMddHHmmss in China
 * Standard Time (UTC+8, no daylight saving); recordTime is epoch milliseconds.
 */

const CST_OFFSET_MS = 8 * 3600_000;
const TIMESTAMP_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** Default tolerance between a request's timeStamp and the platform clock (400_05). */
export const DEFAULT_TIMESTAMP_WINDOW_MS = 300_000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Formats an instant as the standard's timeStamp, in UTC+8 whatever the host zone. */
export function formatTimeStamp(epochMs: number): string {
  const d = new Date(epochMs + CST_OFFSET_MS);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds())
  );
}

/**
 * The last timeStamp parsed: every device of a busy gateway sends the same second's
 * text, so most requests parse the one before (the parse was 2.5 % of a gateway's CPU
 * at heartbeat saturation). One entry, so it costs nothing to keep.
 */
let lastText: string | undefined;
let lastMs: number | undefined;

/** Parses a timeStamp to epoch ms, or returns undefined when it is not a real UTC+8 time (404_01). */
export function parseTimeStamp(text: string): number | undefined {
  if (text === lastText) return lastMs;
  const ms = parse(text);
  lastText = text;
  lastMs = ms;
  return ms;
}

function parse(text: string): number | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 20210231 over to March: a rolled date is not a real date.
  if (new Date(utc).getUTCDate() !== d) return undefined;
  return utc - CST_OFFSET_MS;
}

/** Whether a parsed timeStamp lies within the window around now (else 400_05). */
export function withinWindow(
  stampMs: number,
  nowMs: number,
  windowMs = DEFAULT_TIMESTAMP_WINDOW_MS,
): boolean {
  return Math.abs(nowMs - stampMs) <= windowMs;
}

/**
 * Reads recordTime: epoch milliseconds as a JSON number or a decimal string (D6).
 * Returns undefined for anything else, including values outside 2000-01-01..2100-01-01,
 * which are device clock faults, not attendance.
 */
export function parseRecordTime(value: unknown): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\d{1,16}$/.test(value)) n = Number(value);
  else return undefined;
  if (!Number.isSafeInteger(n)) return undefined;
  if (n < 946_684_800_000 || n >= 4_102_444_800_000) return undefined;
  return n;
}

/**
 * Times in the API are ISO 8601 with an offset (api.md "Shape"); the offset is China
 * Standard Time's, +08:00, the time zone of every site the standard covers, so a
 * labour manager reads the wall-clock time of the site.
 */
import { z } from 'zod';

const CST_MS = 8 * 60 * 60_000;

export function isoCst(ms: number): string {
  const d = new Date(ms + CST_MS);
  return `${d.toISOString().slice(0, 23)}+08:00`;
}

export const isoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : isoCst(ms);

/**
 * An ISO 8601 date-time with an offset (or Z), as epoch ms: query filters and body fields.
 * The message shows the form: a `+08:00` typed into a URL arrives as ` 08:00` (a `+` in a
 * query is a space), which "Invalid ISO datetime" did not explain.
 */
export const isoTime = z.iso
  .datetime({
    offset: true,
    error: 'an ISO 8601 date-time with an offset, e.g. 2026-12-04T08:00:00+08:00 (in a URL, + is %2B)',
  })
  .transform((s) => Date.parse(s));

/** A calendar date (yyyy-MM-dd): assignments' join and leave dates. */
export const isoDate = z.iso.date();

/**
 * Cursor pagination (api.md "Lists"): `?limit=50&cursor=…` → `{ items, nextCursor }`.
 * A cursor is the keyset of the last item served, as base64url JSON: opaque to callers,
 * stable under inserts (a page never repeats or skips an item that existed when the
 * list was first read), and the same cost at row 10 and row 10,000,000 because every
 * list orders by an indexed key and reads `limit + 1` rows past it.
 */
import { z } from 'zod';
import { invalid } from './problems.js';

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: z.string().max(1024).optional(),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const keySchema = z
  .array(z.union([z.string().max(256), z.number()]))
  .min(1)
  .max(4);

/** The keyset a cursor carries, checked to have `arity` members; a bad cursor is a 400 on query.cursor. */
export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed = keySchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.length !== arity) throw new Error('arity');
    return parsed;
  } catch {
    throw invalid('query.cursor', 'not a cursor this list gave out');
  }
}

/** The cursor's single string key (lists ordered by one id). */
export function cursorId(cursor: string | undefined): string | undefined {
  const key = decodeCursor(cursor, 1);
  if (key === undefined) return undefined;
  if (typeof key[0] !== 'string') throw invalid('query.cursor', 'not a cursor this list gave out');
  return key[0];
}

/** Turns `limit + 1` rows read into a page: the extra row only says there is more. */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => (string | number)[],
  view: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(view), nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

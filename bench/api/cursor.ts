/**
 * Deep pages. A list's cursor is the keyset of the last item served (api/pagination.ts:
 * base64url JSON of its key members). Reaching row 2,500,000 of a list by following
 * nextCursor would take 5,000 requests of 500, so for a list whose order is known to be
 * a plain sort of one table the harness builds the cursor itself: it reads which item
 * fields the cursor holds (by matching a real cursor's members to the last item of its
 * page), takes the row at the wanted depth straight from the database, and encodes its
 * key the same way. The page it gets must then begin with the row right after that key,
 * checked against the database; otherwise, and for filtered lists, it walks.
 */
import type { DirectDb } from './direct.js';
import type { HttpClient } from './http.js';

export interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/** Where a deep page starts, and how it was found. */
export interface DeepCursor {
  cursor: string | null;
  /** Rows before it. */
  depth: number;
  how: 'walked' | 'built';
}

const WALK_LIMIT = 500;

const withParam = (path: string, name: string, value: string | number) =>
  `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(String(value))}`;

export function pagePath(path: string, limit: number, cursor?: string | null): string {
  const p = withParam(path, 'limit', limit);
  return cursor ? withParam(p, 'cursor', cursor) : p;
}

/** Follows nextCursor in pages of 500 until `rows` rows are behind, or the list ends. */
export async function walk(http: HttpClient, token: string, path: string, rows: number): Promise<DeepCursor> {
  let cursor: string | null = null;
  let depth = 0;
  while (depth < rows) {
    const page: Page = await http.json<Page>(
      pagePath(path, Math.min(WALK_LIMIT, rows - depth), cursor),
      token,
    );
    if (!page.nextCursor) break;
    depth += page.items.length;
    cursor = page.nextCursor;
  }
  return { cursor, depth, how: 'walked' };
}

export const decodeKey = (cursor: string): unknown[] =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
const encodeKey = (key: unknown[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

interface Member {
  field: string;
  /** The item shows an ISO time where the cursor holds epoch ms. */
  time: boolean;
  /** The cursor holds a number (PostgreSQL answers bigints as text). */
  number: boolean;
}

/** Which item field each member of the cursor is: equal as is, or as the epoch ms of an ISO time. */
export function cursorFields(key: readonly unknown[], item: Record<string, unknown>): Member[] | undefined {
  const out: Member[] = [];
  for (const m of key) {
    const hit = Object.entries(item).find(
      ([, v]) => v === m || (typeof m === 'number' && typeof v === 'string' && Date.parse(v) === m),
    );
    if (!hit) return undefined;
    out.push({
      field: hit[0],
      time: typeof hit[1] === 'string' && typeof m === 'number',
      number: typeof m === 'number',
    });
  }
  return out;
}

const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The cursor of the row `depth` rows into an unfiltered list of `table`, built and
 * checked; undefined when the list's cursor cannot be read this way or the check fails.
 */
export async function buildDeep(
  http: HttpClient,
  db: DirectDb,
  token: string,
  path: string,
  table: string,
  depth: number,
): Promise<DeepCursor | undefined> {
  const first = await http.json<Page>(pagePath(path, 2), token);
  const [a, b] = first.items;
  if (!a || !b || !first.nextCursor) return undefined;
  const key = decodeKey(first.nextCursor);
  const members = cursorFields(key, b);
  if (!members) return undefined;
  // Newest first or oldest first: compare the two items on the leading member.
  const lead = members[0]!;
  const value = (item: Record<string, unknown>) =>
    lead.time ? Date.parse(String(item[lead.field])) : (item[lead.field] as string | number);
  const desc = value(a) > value(b);
  const order = members.map((m) => `${column(m.field)} ${desc ? 'desc' : 'asc'}`).join(', ');
  const cols = members.map((m) => column(m.field)).join(', ');
  const rows = await db.query<Record<string, unknown>>(
    `select ${cols} from ${table} order by ${order} limit 2 offset ${Math.max(0, Math.floor(depth) - 1)}`,
  );
  const [at, next] = rows;
  if (!at || !next) return undefined;
  const cursor = encodeKey(
    members.map((m) => (m.number ? Number(at[column(m.field)]) : at[column(m.field)])),
  );
  const check = await http.json<Page>(pagePath(path, 1, cursor), token);
  const idField = members[members.length - 1]!.field;
  if (String(check.items[0]?.[idField]) !== String(next[column(idField)])) return undefined;
  return { cursor, depth: Math.floor(depth), how: 'built' };
}

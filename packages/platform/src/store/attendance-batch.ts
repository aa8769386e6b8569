/**
 * attendance.insertBatch, the ingest hot path: the caller group-commits up to ~1000
 * records and this writes them in one transaction of a few multi-row INSERTs.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { TimeIds } from '../ids.js';
import { KEY_COLUMNS, keyOf, toDb } from './attendance-rows.js';
import type { Capabilities } from './dialect.js';
import type { AttendanceTable, Database } from './schema-types.js';
import type { AttendanceInput, InsertOutcome } from './types.js';
import { chunk, rowsPerStatement } from './util.js';

/**
 * Rows per INSERT. Past a few hundred rows a statement gets slower per row to parse and
 * plan (markedly on PostgreSQL), and a fixed size means a full batch reuses the same SQL.
 */
const ROWS_PER_INSERT = 250;
/** Distinct row counts whose INSERT text is kept: full chunks plus a few recent remainders. */
const SQL_CACHE_SIZE = 16;

type Inserted = { id: string };

/**
 * Builds the multi-row INSERT … ON CONFLICT DO NOTHING RETURNING id. Building one through
 * Kysely took about as long as SQLite took to run it (measured), and the text depends only
 * on the row count, so it is built once per count and reused with the new rows' values. Reuse is checked once: Kysely must have laid the parameters out row by
 * row, column by column, exactly as `flatten` does; otherwise the built query is used.
 */
export function insertCompiler(): (
  trx: Transaction<Database>,
  rows: AttendanceTable[],
) => CompiledQuery<Inserted> {
  const sqlByCount = new Map<number, string>();
  return (trx, rows) => {
    const params = flatten(rows);
    const cached = sqlByCount.get(rows.length);
    if (cached !== undefined) return CompiledQuery.raw(cached, params) as CompiledQuery<Inserted>;
    const built = trx
      .insertInto('attendance')
      .values(rows)
      .onConflict((oc) => oc.columns(KEY_COLUMNS).doNothing())
      .returning('id')
      .compile();
    if (sameValues(built.parameters, params)) {
      if (sqlByCount.size >= SQL_CACHE_SIZE) sqlByCount.clear();
      sqlByCount.set(rows.length, built.sql);
    }
    return built;
  };
}

function flatten(rows: AttendanceTable[]): unknown[] {
  const out: unknown[] = [];
  for (const row of rows) for (const value of Object.values(row)) out.push(value);
  return out;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** A batch with its repeats collapsed: each key once, and where every input record went. */
export interface Collapsed {
  unique: AttendanceTable[];
  /** Input index of each unique row's first occurrence. */
  firstAt: number[];
  /** Input index -> index in `unique`. */
  slotOf: number[];
}

/**
 * Collapses repeats inside the batch: the first occurrence is the one inserted, later
 * ones report its id as duplicates, and no statement carries a key twice.
 */
export function collapse(ids: TimeIds, records: AttendanceInput[]): Collapsed {
  const unique: AttendanceTable[] = [];
  const firstAt: number[] = []; // input index of each unique row's first occurrence
  const slotOf: number[] = []; // input index -> index in `unique`
  const slotByKey = new Map<string, number>();
  records.forEach((rec, i) => {
    const row = toDb(rec, ids.next());
    const key = keyOf(row);
    let slot = slotByKey.get(key);
    if (slot === undefined) {
      slot = unique.length;
      slotByKey.set(key, slot);
      unique.push(row);
      firstAt.push(i);
    }
    slotOf.push(slot);
  });
  return { unique, firstAt, slotOf };
}

/** Each input record's outcome from its unique row's: a later repeat is a duplicate of the first. */
export function spread(c: Collapsed, outcomes: InsertOutcome[]): InsertOutcome[] {
  return c.slotOf.map((slot, i): InsertOutcome => {
    const outcome = outcomes[slot]!;
    return c.firstAt[slot] === i ? outcome : { id: outcome.id, duplicate: true };
  });
}

export async function insertBatch(
  db: Kysely<Database>,
  caps: Capabilities,
  compile: ReturnType<typeof insertCompiler>,
  ids: TimeIds,
  records: AttendanceInput[],
): Promise<InsertOutcome[]> {
  if (records.length === 0) return [];
  const collapsed = collapse(ids, records);
  const { unique } = collapsed;

  const outcomes = await db.transaction().execute(async (trx) => {
    const inserted = new Set<string>();
    const perInsert = Math.min(
      ROWS_PER_INSERT,
      rowsPerStatement(caps.maxBindParams, Object.keys(unique[0]!).length),
    );
    for (const part of chunk(unique, perInsert)) {
      const { rows } = await trx.executeQuery(compile(trx, part));
      for (const r of rows) inserted.add(r.id);
    }
    const existing = await existingIds(
      trx,
      caps,
      unique.filter((u) => !inserted.has(u.id)),
    );
    return unique.map((u): InsertOutcome => {
      if (inserted.has(u.id)) return { id: u.id, duplicate: false };
      const id = existing.get(keyOf(u));
      if (id === undefined) {
        throw new Error(`attendance insert skipped a record that does not exist (${u.sn})`);
      }
      return { id, duplicate: true };
    });
  });

  return spread(collapsed, outcomes);
}

/**
 * The ids of rows whose INSERT was skipped: they already existed. Read in the same
 * transaction, so it is the row that made the INSERT skip ours. Looked up by device and
 * time (an index, and two flat IN lists: an OR of 1000 full keys overflows SQLite's
 * expression depth), then narrowed to the exact key by the map.
 */
async function existingIds(
  trx: Transaction<Database>,
  caps: Capabilities,
  rows: AttendanceTable[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const part of chunk(rows, rowsPerStatement(caps.maxBindParams, 2))) {
    const found = await trx
      .selectFrom('attendance')
      .select(['id', ...KEY_COLUMNS])
      .where('device_id', 'in', [...new Set(part.map((u) => u.device_id))])
      .where('record_time', 'in', [...new Set(part.map((u) => u.record_time))])
      .execute();
    for (const r of found) ids.set(keyOf(r), r.id);
  }
  return ids;
}

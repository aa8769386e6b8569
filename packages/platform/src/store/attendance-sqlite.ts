/**
 * attendance.insertBatch on SQLite. By default the batch goes to the store's write thread
 * (sqlite-write-thread.ts: the INSERTs, the COMMIT's fsync and any checkpoint off the
 * event loop). Without the thread (turned off, or stopped) it is written here, on the
 * store's own connection, with the WAL's fsync off the event loop:
 *
 * better-sqlite3 runs synchronously, so with synchronous=FULL every COMMIT's fsync held
 * the event loop (no socket read, no ack) for as long as the disk took: a quarter of the
 * gateway's wall time at saturation (profiled, issue 15). Here the batch's transaction
 * commits with synchronous=NORMAL (its WAL frames written, not yet synced), and then the
 * WAL file is fdatasync'd on libuv's thread pool before the promise resolves. The record
 * is acknowledged only after that sync, which is exactly the sync synchronous=FULL does
 * at that commit (in WAL mode FULL differs from NORMAL only by syncing the WAL at each
 * commit; the WAL header and checkpoints are synced under both), so what an ack promises
 * is unchanged: the row survives kill -9 and power loss.
 *
 * The store's one connection is held (Kysely's connection mutex) from BEGIN until the sync
 * is done, so no other query of this process reads the rows before they are durable, and
 * synchronous is back to FULL before anyone else commits on it.
 *
 * The rows go in through one prepared statement per row inside the transaction: no SQL
 * text built per batch, and no second round for duplicates (a skipped insert's existing
 * id is read by the key's unique index right away).
 *
 * Measured (bench/gateway, 2,000 devices, with WAL checkpoints on their own thread in
 * both): 10,079 sign-ins/s against 6,744/s committing with FULL on the event loop; on
 * the store alone the loop is free for a fifth of the time it was.
 */
import { open } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { TimeIds } from '../ids.js';
import { collapse, spread } from './attendance-batch.js';
import type { SqliteWal } from './dialect.js';
import type { AttendanceTable, Database } from './schema-types.js';
import type { AttendanceInput, InsertOutcome } from './types.js';

export const ATTENDANCE_COLUMNS = [
  'id',
  'device_id',
  'vendor_id',
  'sn',
  'site_id',
  'person_id',
  'record_time',
  'type',
  'bit_type',
  'qr_code_info',
  'photo_key',
  'temperature',
  'iris_info',
  'longitude',
  'latitude',
  'real_name',
  'flags',
  'received_at',
  'latency_ms',
  'upload_class',
  'fence_distance_m',
  'coordinate_accuracy_m',
] as const satisfies readonly (keyof AttendanceTable)[];

// A required column this list lacks fails here, rather than a row going in without it
// (optional ones, like photo_removed, are not set by toDb either).
type RequiredColumn = {
  [K in keyof AttendanceTable]-?: object extends Pick<AttendanceTable, K> ? never : K;
}[keyof AttendanceTable];
type Missing = Exclude<RequiredColumn, (typeof ATTENDANCE_COLUMNS)[number]>;
const _allColumns: [Missing] extends [never] ? true : Missing = true;
void _allColumns;

function valuesOf(row: AttendanceTable): unknown[] {
  const out: unknown[] = new Array(ATTENDANCE_COLUMNS.length);
  for (let c = 0; c < ATTENDANCE_COLUMNS.length; c++) out[c] = row[ATTENDANCE_COLUMNS[c]!];
  return out;
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export function sqliteInsertBatch(
  db: Kysely<Database>,
  wal: SqliteWal,
  ids: TimeIds,
): (records: AttendanceInput[]) => Promise<InsertOutcome[]> {
  const { conn } = wal;
  const COLUMNS = ATTENDANCE_COLUMNS;
  const insert = conn.prepare(
    `INSERT INTO attendance (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (device_id, record_time, person_id, type) DO NOTHING`,
  );
  const existing = conn
    .prepare(
      'SELECT id FROM attendance WHERE device_id = ? AND person_id = ? AND record_time = ? AND type = ?',
    )
    .pluck();
  const values: unknown[] = new Array(COLUMNS.length);
  const write = conn.transaction((rows: AttendanceTable[]): InsertOutcome[] =>
    rows.map((row): InsertOutcome => {
      for (let c = 0; c < COLUMNS.length; c++) values[c] = row[COLUMNS[c]!];
      if (insert.run(values).changes === 1) return { id: row.id, duplicate: false };
      const id = existing.get(row.device_id, row.person_id, row.record_time, row.type) as string | undefined;
      if (id === undefined)
        throw new Error(`attendance insert skipped a record that does not exist (${row.sn})`);
      return { id, duplicate: true };
    }),
  );

  return async (records) => {
    if (records.length === 0) return [];
    const collapsed = collapse(ids, records);
    const thread = wal.writer;
    const outcomes = await db.connection().execute(async () => {
      // Held while the thread writes: no query of ours reads the rows before they are
      // durable, and our connection never waits on the thread's write lock.
      if (thread?.alive) return thread.insertAttendance(collapsed.unique.map(valuesOf));
      conn.pragma('synchronous = NORMAL');
      let out: InsertOutcome[];
      try {
        out = write.immediate(collapsed.unique);
      } finally {
        conn.pragma('synchronous = FULL');
      }
      await syncFile(wal.walPath);
      return out;
    });
    return spread(collapsed, outcomes);
  };
}

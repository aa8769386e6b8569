/** Clock-in records: the batch insert (attendance-batch.ts), the reads, and the API's (attendance-api.ts). */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { TimeIds } from '../ids.js';
import { attendanceApiRepo } from './attendance-api.js';
import { insertBatch, insertCompiler } from './attendance-batch.js';
import { pgInsertBatch } from './attendance-pg.js';
import { fromDb } from './attendance-rows.js';
import { sqliteInsertBatch } from './attendance-sqlite.js';
import type { Capabilities, SqliteWal } from './dialect.js';
import type { Database } from './schema-types.js';
import type { AttendanceQuery, AttendanceRepo } from './types.js';
import { clampLimit } from './util.js';

function filtered<O>(
  query: SelectQueryBuilder<Database, 'attendance', O>,
  q: AttendanceQuery,
): SelectQueryBuilder<Database, 'attendance', O> {
  let out = query;
  if (q.sn !== undefined) {
    // Through the devices' sn index (migration 0005): attendance has no index on sn.
    const sn = q.sn;
    out = out.where('device_id', 'in', (eb) =>
      eb.selectFrom('devices').select('devices.id').where('devices.sn', '=', sn),
    );
  }
  if (q.deviceId !== undefined) out = out.where('device_id', '=', q.deviceId);
  if (q.since !== undefined) out = out.where('record_time', '>=', q.since);
  return out;
}

export function attendanceRepo(
  db: Kysely<Database>,
  caps: Capabilities,
  ids: TimeIds,
  sqliteWal?: SqliteWal,
): AttendanceRepo {
  const compile = insertCompiler();
  return {
    ...attendanceApiRepo(db, caps),
    // The ingest hot path, one per dialect: SQLite in WAL mode syncs the WAL off the event
    // loop (attendance-sqlite.ts), PostgreSQL sends a batch as one unnest INSERT
    // (attendance-pg.ts); the multi-row VALUES form remains for SQLite without WAL.
    insertBatch: sqliteWal
      ? sqliteInsertBatch(db, sqliteWal, ids)
      : caps.dialect === 'postgres'
        ? pgInsertBatch(db, ids)
        : (records) => insertBatch(db, caps, compile, ids, records),

    /** Oldest first: by record time, ties by id, so the order is the same on every read. */
    async list(q = {}) {
      const rows = await filtered(db.selectFrom('attendance').selectAll(), q)
        .orderBy('record_time')
        .orderBy('id')
        .limit(clampLimit(q.limit))
        .execute();
      return rows.map(fromDb);
    },

    async count(q = {}) {
      const r = await filtered(
        db.selectFrom('attendance').select((eb) => eb.fn.countAll<number>().as('n')),
        q,
      ).executeTakeFirstOrThrow();
      // count(*) is a bigint on PostgreSQL: the pool's int8 parser already made it a number.
      return Number(r.n);
    },
  };
}

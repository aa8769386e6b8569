/**
 * Clock-in records. insertBatch is the ingest hot path: the caller group-commits up to
 * ~1000 records, and this turns them into one transaction of a few multi-row INSERTs.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { AttendanceTable, Database } from './schema-types.js';
import type {
  AttendanceFlag,
  AttendanceInput,
  AttendanceQuery,
  AttendanceRepo,
  AttendanceRow,
  InsertOutcome,
} from './types.js';
import { chunk, clampLimit, rowsPerStatement, toBool01 } from './util.js';

const KEY_COLUMNS = ['device_id', 'person_id', 'record_time', 'type'] as const;

function fromDb(r: Selectable<AttendanceTable>): AttendanceRow {
  return {
    id: r.id,
    deviceId: r.device_id,
    vendorId: r.vendor_id,
    sn: r.sn,
    siteId: r.site_id,
    personId: r.person_id,
    recordTime: r.record_time,
    type: r.type,
    bitType: r.bit_type,
    qrCodeInfo: r.qr_code_info,
    photoKey: r.photo_key,
    temperature: r.temperature,
    irisInfo: r.iris_info,
    longitude: r.longitude,
    latitude: r.latitude,
    realName: r.real_name === 1,
    flags: JSON.parse(r.flags) as AttendanceFlag[],
    receivedAt: r.received_at,
    latencyMs: r.latency_ms,
  };
}

function toDb(a: AttendanceInput, id: string): AttendanceTable {
  return {
    id,
    device_id: a.deviceId,
    vendor_id: a.vendorId,
    sn: a.sn,
    site_id: a.siteId,
    person_id: a.personId,
    record_time: a.recordTime,
    type: a.type,
    bit_type: a.bitType,
    qr_code_info: a.qrCodeInfo,
    photo_key: a.photoKey,
    temperature: a.temperature,
    iris_info: a.irisInfo,
    longitude: a.longitude,
    latitude: a.latitude,
    real_name: toBool01(a.realName),
    flags: JSON.stringify(a.flags),
    received_at: a.receivedAt,
    latency_ms: a.latencyMs,
  };
}

/** The idempotency key as one string; NUL cannot occur in the protocol's text fields. */
function keyOf(r: Pick<AttendanceTable, (typeof KEY_COLUMNS)[number]>): string {
  return `${r.device_id}\u0000${r.person_id}\u0000${r.record_time}\u0000${r.type}`;
}

function filtered<O>(
  query: SelectQueryBuilder<Database, 'attendance', O>,
  q: AttendanceQuery,
): SelectQueryBuilder<Database, 'attendance', O> {
  let out = query;
  if (q.sn !== undefined) out = out.where('sn', '=', q.sn);
  if (q.deviceId !== undefined) out = out.where('device_id', '=', q.deviceId);
  if (q.since !== undefined) out = out.where('record_time', '>=', q.since);
  return out;
}

export function attendanceRepo(db: Kysely<Database>, caps: Capabilities): AttendanceRepo {
  return {
    async insertBatch(records) {
      if (records.length === 0) return [];

      // Collapse repeats inside the batch first: the first occurrence is the one inserted,
      // later ones report its id as duplicates, and no statement carries a key twice.
      const unique: AttendanceTable[] = [];
      const firstAt: number[] = []; // input index of each unique row's first occurrence
      const slotOf: number[] = []; // input index -> index in `unique`
      const slotByKey = new Map<string, number>();
      records.forEach((rec, i) => {
        const row = toDb(rec, randomUUID());
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

      const ids = await db.transaction().execute(async (trx) => {
        const inserted = new Set<string>();
        const perInsert = rowsPerStatement(caps.maxBindParams, Object.keys(unique[0]!).length);
        for (const part of chunk(unique, perInsert)) {
          const rows = await trx
            .insertInto('attendance')
            .values(part)
            .onConflict((oc) => oc.columns(KEY_COLUMNS).doNothing())
            .returning('id')
            .execute();
          for (const r of rows) inserted.add(r.id);
        }

        // A row whose generated id did not come back already existed: fetch its real id.
        // Same transaction, so it is the row that made the INSERT skip ours. The lookup is
        // by device and time (an index, and two flat IN lists: a 1000-term OR of the full
        // key overflows SQLite's expression depth), then narrowed to the exact key here.
        const existing = unique.filter((u) => !inserted.has(u.id));
        const existingId = new Map<string, string>();
        for (const part of chunk(existing, rowsPerStatement(caps.maxBindParams, 2))) {
          const rows = await trx
            .selectFrom('attendance')
            .select(['id', ...KEY_COLUMNS])
            .where('device_id', 'in', [...new Set(part.map((u) => u.device_id))])
            .where('record_time', 'in', [...new Set(part.map((u) => u.record_time))])
            .execute();
          for (const r of rows) existingId.set(keyOf(r), r.id);
        }
        return unique.map((u) => {
          if (inserted.has(u.id)) return { id: u.id, duplicate: false };
          const id = existingId.get(keyOf(u));
          if (id === undefined)
            throw new Error(`attendance insert skipped a record that does not exist (${u.sn})`);
          return { id, duplicate: true };
        });
      });

      return records.map((_, i): InsertOutcome => {
        const slot = slotOf[i]!;
        const outcome = ids[slot]!;
        return firstAt[slot] === i ? outcome : { id: outcome.id, duplicate: true };
      });
    },

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
      return Number(r.n);
    },
  };
}

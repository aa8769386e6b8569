/** Device events: an append-only history per device. */
import type { Kysely, Selectable } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database, DeviceEventsTable } from './schema-types.js';
import { type WriteAll, writeAll } from './thread-writes.js';
import type { DeviceEventRow, EventRepo } from './types.js';
import { chunk, clampLimit, rowsPerStatement } from './util.js';

function fromDb(r: Selectable<DeviceEventsTable>): DeviceEventRow {
  return { id: r.id, deviceId: r.device_id, at: r.at, kind: r.kind, code: r.code, detail: r.detail };
}

function toDb(e: DeviceEventRow): DeviceEventsTable {
  return { id: e.id, device_id: e.deviceId, at: e.at, kind: e.kind, code: e.code, detail: e.detail };
}

export function eventRepo(
  db: Kysely<Database>,
  caps: Capabilities,
  write: WriteAll = writeAll(db),
): EventRepo {
  return {
    async insertMany(events) {
      if (events.length === 0) return;
      const rows = events.map(toDb);
      const perInsert = rowsPerStatement(caps.maxBindParams, Object.keys(rows[0]!).length);
      await write(
        chunk(rows, perInsert).map((part) => db.insertInto('device_events').values(part).compile()),
      );
    },
    /** Newest first: a device's recent history is what anyone looks at. */
    async listForDevice(deviceId, limit) {
      const rows = await db
        .selectFrom('device_events')
        .selectAll()
        .where('device_id', '=', deviceId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(clampLimit(limit))
        .execute();
      return rows.map(fromDb);
    },
  };
}

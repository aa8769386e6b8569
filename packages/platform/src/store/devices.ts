/** Devices (设备): one row per (vendor, serial number). */
import {
  type CompiledQuery,
  type Insertable,
  type Kysely,
  type Selectable,
  sql,
  type Updateable,
} from 'kysely';
import type { Database, DevicesTable } from './schema-types.js';
import { type WriteAll, writeAll } from './thread-writes.js';
import type { DeviceChange, DeviceRepo, DeviceRow } from './types.js';
import { clampLimit, toBool01 } from './util.js';

type DevicePatch = Parameters<DeviceRepo['update']>[1];

/** Devices per presence statement: 5 parameters each, well under either dialect's limit. */
const SEEN_CHUNK = 250;
/** Rows per changedSince page. */
const CHANGES_PAGE_MAX = 1000;

export function fromDb(r: Selectable<DevicesTable>): DeviceRow {
  return {
    id: r.id,
    vendorId: r.vendor_id,
    sn: r.sn,
    siteId: r.site_id,
    disabled: r.disabled === 1,
    registeredBy: r.registered_by,
    deviceVersion: r.device_version,
    deviceIp: r.device_ip,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    online: r.online === 1,
    direction: r.direction,
    createdAt: r.created_at,
  };
}

function toDb(d: DeviceRow): Insertable<DevicesTable> {
  return {
    id: d.id,
    vendor_id: d.vendorId,
    sn: d.sn,
    site_id: d.siteId,
    disabled: toBool01(d.disabled),
    registered_by: d.registeredBy,
    device_version: d.deviceVersion,
    device_ip: d.deviceIp,
    first_seen_at: d.firstSeenAt,
    last_seen_at: d.lastSeenAt,
    online: toBool01(d.online),
    direction: d.direction,
    created_at: d.createdAt,
    // Only an operator's update() is a change a cache must re-read (Devices.refresh): a
    // device registering is cached by the process it connects to. Stamping inserts made
    // every device of a fleet's first connection wave "changed" for the refresh window,
    // and one refresh read all 19,000 rows on the event loop (150–290 ms, measured).
    changed_at: null,
    face_capacity: null,
    reported_person_count: null,
    reported_face_count: null,
    reported_at: null,
  };
}

/** Only the fields present in the patch; `{ siteId: null }` unassigns, `{ siteId: undefined }` does nothing. */
function patchToDb(p: DevicePatch): Updateable<DevicesTable> {
  const set: Updateable<DevicesTable> = {};
  if (p.siteId !== undefined) set.site_id = p.siteId;
  if (p.disabled !== undefined) set.disabled = toBool01(p.disabled);
  if (p.registeredBy !== undefined) set.registered_by = p.registeredBy;
  if (p.deviceVersion !== undefined) set.device_version = p.deviceVersion;
  if (p.deviceIp !== undefined) set.device_ip = p.deviceIp;
  if (p.firstSeenAt !== undefined) set.first_seen_at = p.firstSeenAt;
  if (p.lastSeenAt !== undefined) set.last_seen_at = p.lastSeenAt;
  if (p.online !== undefined) set.online = toBool01(p.online);
  if (p.direction !== undefined) set.direction = p.direction;
  return set;
}

export function deviceRepo(db: Kysely<Database>, write: WriteAll = writeAll(db)): DeviceRepo {
  return {
    async insert(d) {
      await db.insertInto('devices').values(toDb(d)).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromDb(r);
    },
    async byVendorSn(vendorId, sn) {
      const r = await db
        .selectFrom('devices')
        .selectAll()
        .where('vendor_id', '=', vendorId)
        .where('sn', '=', sn)
        .executeTakeFirst();
      return r && fromDb(r);
    },
    async list(q = {}) {
      let query = db.selectFrom('devices').selectAll();
      if (q.vendorId !== undefined) query = query.where('vendor_id', '=', q.vendorId);
      // null asks for unassigned devices; undefined does not filter.
      if (q.siteId === null) query = query.where('site_id', 'is', null);
      else if (q.siteId !== undefined) query = query.where('site_id', '=', q.siteId);
      if (q.online !== undefined) query = query.where('online', '=', toBool01(q.online));
      if (q.seenBefore !== undefined) query = query.where('last_seen_at', '<', q.seenBefore);
      const rows = await query.orderBy('created_at').orderBy('id').limit(clampLimit(q.limit)).execute();
      return rows.map(fromDb);
    },
    async update(id, patch) {
      const set = patchToDb(patch);
      if (Object.keys(set).length === 0) return;
      await db
        .updateTable('devices')
        .set({ ...set, changed_at: Date.now() })
        .where('id', '=', id)
        .execute();
    },
    async changedSince(since, page = {}) {
      const after = page.after;
      const rows = await db
        .selectFrom('devices')
        .select(['id', 'disabled', 'site_id', 'direction', 'changed_at'])
        .where('changed_at', '>=', since)
        .$if(after !== undefined, (q) =>
          q.where((eb) =>
            eb.or([
              eb('changed_at', '>', after!.changedAt),
              eb.and([eb('changed_at', '=', after!.changedAt), eb('id', '>', after!.id)]),
            ]),
          ),
        )
        .orderBy('changed_at')
        .orderBy('id')
        .limit(Math.max(1, Math.min(CHANGES_PAGE_MAX, page.limit ?? CHANGES_PAGE_MAX)))
        .execute();
      return rows.map(
        (r): DeviceChange => ({
          id: r.id,
          disabled: r.disabled === 1,
          siteId: r.site_id,
          direction: r.direction,
          changedAt: Number(r.changed_at),
        }),
      );
    },
    async seen(updates) {
      if (updates.length === 0) return;
      // One transaction, and one UPDATE … FROM a VALUES list per chunk: a flush of 19,000
      // devices is a few statements and one commit, not 19,000 round trips that would
      // hold the connection (and every sign-in waiting for it) for a long time. On SQLite
      // it runs on the write thread, and the COMMIT's fsync with it.
      // The `in (select id from v)` is for SQLite's planner: with the join alone it scans
      // devices and probes v (3.5 ms per 250 of 19,000 devices, and a chunk on the write
      // thread delays the sign-ins queued behind it); with it, it looks each device up by
      // its key (0.5 ms). PostgreSQL plans both the same.
      const queries: CompiledQuery[] = [];
      for (let at = 0; at < updates.length; at += SEEN_CHUNK) {
        const rows = updates
          .slice(at, at + SEEN_CHUNK)
          .map(
            (u) =>
              sql`(cast(${u.id} as text), cast(${u.lastSeenAt} as bigint), cast(${toBool01(u.online)} as integer), cast(${u.deviceVersion ?? null} as text), cast(${u.deviceIp ?? null} as text))`,
          );
        queries.push(
          sql`
            with v(id, last_seen_at, online, device_version, device_ip) as (values ${sql.join(rows)})
            update devices set
              last_seen_at = v.last_seen_at,
              online = v.online,
              first_seen_at = coalesce(devices.first_seen_at, v.last_seen_at),
              device_version = coalesce(v.device_version, devices.device_version),
              device_ip = coalesce(v.device_ip, devices.device_ip)
            from v where devices.id = v.id and devices.id in (select id from v)`.compile(db),
        );
      }
      await write(queries);
    },
  };
}

/**
 * The management API's reads and operator writes of devices: keyset pages in id order
 * (indexes on (vendor_id, id), (site_id, id) and id, migration 0011), lookups by sn, a
 * device's event log newest first and its distribution rows in (state, person) order.
 */
import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import type { DeviceApiRepo, DeviceDetail, DeviceKind, DeviceScope } from './device-api-types.js';
import { fromDb } from './devices.js';
import type { Database, DevicesTable } from './schema-types.js';
import { dist } from './task-rows.js';
import type { DeviceEventRow } from './types.js';
import { toBool01 } from './util.js';

const n = (v: number | null): number | null => (v === null ? null : Number(v));

export function detailOf(r: Selectable<DevicesTable>): DeviceDetail {
  return {
    ...fromDb(r),
    kind: r.kind as DeviceKind,
    faceCapacity: n(r.face_capacity),
    reportedPersonCount: n(r.reported_person_count),
    reportedFaceCount: n(r.reported_face_count),
    reportedAt: n(r.reported_at),
  };
}

/**
 * The scope as one condition on `devices` (plain SQL, so it serves a query on devices and
 * one joining them alike): a vendor's devices, and/or those bound to given sites. An
 * empty site list sees nothing; undefined when nothing confines.
 */
export function scopeCondition(scope: DeviceScope): RawBuilder<SqlBool> | undefined {
  const parts: RawBuilder<SqlBool>[] = [];
  if (scope.vendorId !== undefined) parts.push(sql<SqlBool>`devices.vendor_id = ${scope.vendorId}`);
  if (scope.siteIds !== undefined)
    parts.push(
      scope.siteIds.length === 0
        ? sql<SqlBool>`1 = 0`
        : sql<SqlBool>`devices.site_id in (${sql.join([...scope.siteIds])})`,
    );
  return parts.length === 0 ? undefined : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

export function deviceApiRepo(db: Kysely<Database>): DeviceApiRepo {
  return {
    async page(q) {
      let s = db.selectFrom('devices').selectAll();
      const scoped = scopeCondition(q);
      if (scoped) s = s.where(scoped);
      if (q.filterVendorId !== undefined) s = s.where('vendor_id', '=', q.filterVendorId);
      if (q.siteId === null) s = s.where('site_id', 'is', null);
      else if (q.siteId !== undefined) s = s.where('site_id', '=', q.siteId);
      if (q.kind !== undefined) s = s.where('kind', '=', q.kind);
      if (q.disabled !== undefined) s = s.where('disabled', '=', toBool01(q.disabled));
      if (q.snPrefix !== undefined && q.snPrefix !== '')
        // substr rather than LIKE: exact and case-sensitive on both dialects, no escaping of % and _.
        s = s.where(sql<string>`substr(sn, 1, ${q.snPrefix.length})`, '=', q.snPrefix);
      if (q.afterId !== undefined) s = s.where('id', '>', q.afterId);
      const rows = await s.orderBy('id').limit(q.limit).execute();
      return rows.map(detailOf);
    },
    async get(id) {
      const r = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
      return r && detailOf(r);
    },
    async bySn(sn, scope) {
      let s = db.selectFrom('devices').selectAll().where('sn', '=', sn);
      const scoped = scopeCondition(scope);
      if (scoped) s = s.where(scoped);
      const rows = await s.orderBy('vendor_id').limit(100).execute();
      return rows.map(detailOf);
    },
    async idsOfVendor(vendorId, limit) {
      const rows = await db
        .selectFrom('devices')
        .select('id')
        .where('vendor_id', '=', vendorId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async patch(id, p) {
      await db
        .updateTable('devices')
        .set({
          ...(p.kind !== undefined ? { kind: p.kind } : {}),
          ...(p.direction !== undefined ? { direction: p.direction } : {}),
          ...(p.faceCapacity !== undefined ? { face_capacity: p.faceCapacity } : {}),
          ...(p.siteId !== undefined ? { site_id: p.siteId } : {}),
          // The wall clock, as devices.update stamps it: what Devices.refresh compares with.
          changed_at: Date.now(),
        })
        .where('id', '=', id)
        .execute();
    },
    async events(q) {
      let s = db.selectFrom('device_events').selectAll().where('device_id', '=', q.deviceId);
      if (q.before !== undefined) {
        const [at, id] = q.before;
        s = s.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
      }
      const rows = await s.orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map(
        (r): DeviceEventRow => ({
          id: r.id,
          deviceId: r.device_id,
          at: Number(r.at),
          kind: r.kind,
          code: r.code,
          detail: r.detail,
        }),
      );
    },
    async distribution(q) {
      let s = db.selectFrom('distribution').selectAll().where('device_id', '=', q.deviceId);
      if (q.state !== undefined) s = s.where('state', '=', q.state);
      if (q.after !== undefined) {
        const [state, personId] = q.after;
        s = s.where((eb) =>
          eb.or([eb('state', '>', state), eb.and([eb('state', '=', state), eb('person_id', '>', personId)])]),
        );
      }
      const rows = await s.orderBy('state').orderBy('person_id').limit(q.limit).execute();
      return rows.map(dist);
    },
  };
}

/** The chapter 3 columns of devices: capacity and reported counts. */
import type { Kysely } from 'kysely';
import type { DeviceKind } from './device-kinds.js';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import type { DeviceTaskRepo } from './task-types.js';

export function deviceTaskRepo(db: Kysely<Database>, _caps: Capabilities): DeviceTaskRepo {
  return {
    async idsOfSite(siteId, opts) {
      let q = db.selectFrom('devices').select('id').where('site_id', '=', siteId);
      if (opts?.rosterHolders) q = q.where('kind', '<>', 'mobile');
      const rows = await q.orderBy('id').execute();
      return rows.map((r) => r.id);
    },
    async taskFields(deviceId) {
      const r = await db
        .selectFrom('devices')
        .select(['kind', 'face_capacity', 'reported_person_count', 'reported_face_count', 'reported_at'])
        .where('id', '=', deviceId)
        .executeTakeFirst();
      const n = (v: number | null): number | null => (v === null ? null : Number(v));
      return (
        r && {
          kind: r.kind as DeviceKind,
          faceCapacity: n(r.face_capacity),
          reportedPersonCount: n(r.reported_person_count),
          reportedFaceCount: n(r.reported_face_count),
          reportedAt: n(r.reported_at),
        }
      );
    },
    async setReported(deviceId, personCount, faceCount, now) {
      await db
        .updateTable('devices')
        .set({
          reported_at: now,
          ...(personCount !== null ? { reported_person_count: personCount } : {}),
          ...(faceCount !== null ? { reported_face_count: faceCount } : {}),
        })
        .where('id', '=', deviceId)
        .execute();
    },
    async setCapacity(deviceId, capacity) {
      await db.updateTable('devices').set({ face_capacity: capacity }).where('id', '=', deviceId).execute();
    },
  };
}

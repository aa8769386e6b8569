/** Firmware images (3.7). */
import type { Kysely } from 'kysely';
import type { Capabilities } from './dialect.js';
import type { Database } from './schema-types.js';
import { firmware } from './task-rows.js';
import type { FirmwareRepo } from './task-types.js';

export function firmwareRepo(db: Kysely<Database>, _caps: Capabilities): FirmwareRepo {
  return {
    async insert(f) {
      await db
        .insertInto('firmware')
        .values({
          id: f.id,
          version: f.version,
          size: f.size,
          sha256: f.sha256,
          file_name: f.fileName,
          created_at: f.createdAt,
          vendor_id: f.vendorId,
        })
        .execute();
    },
    async byVersion(version) {
      const r = await db.selectFrom('firmware').selectAll().where('version', '=', version).executeTakeFirst();
      return r && firmware(r);
    },
    async get(id) {
      const r = await db.selectFrom('firmware').selectAll().where('id', '=', id).executeTakeFirst();
      return r && firmware(r);
    },
    async list() {
      return (await db.selectFrom('firmware').selectAll().orderBy('created_at').execute()).map(firmware);
    },
  };
}

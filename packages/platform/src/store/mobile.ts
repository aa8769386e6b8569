/**
 * Mobile attendance's store (migration 0021): registration codes, phones' credentials,
 * the built-in mobile vendor's id, and the one read of the attendance table the mobile
 * bridge's `results` need. The tables are this file's own: the shared schema types do
 * not name them (withTables), as for person QR codes.
 */
import type { Kysely, Selectable } from 'kysely';
import type {
  MobileCodeRow,
  MobileCodesTable,
  MobilePhoneRow,
  MobilePhonesTable,
  MobileRepo,
  MobileVendorTable,
} from './mobile-types.js';
import { isPgUniqueViolation } from './postgres.js';
import type { Database } from './schema-types.js';
import { isSqliteUniqueViolation } from './sqlite.js';

export * from './mobile-types.js';

type MobileTables = {
  mobile_codes: MobileCodesTable;
  mobile_phones: MobilePhonesTable;
  mobile_vendor: MobileVendorTable;
};
type MobileDb = Database & MobileTables;

const codeRow = (r: Selectable<MobileCodesTable>): MobileCodeRow => ({
  id: r.id,
  codeHash: r.code_hash,
  siteId: r.site_id,
  personId: r.person_id,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  usedAt: r.used_at === null ? null : Number(r.used_at),
  failedTries: Number(r.failed_tries),
});

const phoneRow = (r: Selectable<MobilePhonesTable>): MobilePhoneRow => ({
  deviceId: r.device_id,
  personId: r.person_id,
  siteId: r.site_id,
  accessId: r.access_id,
  accessKey: r.access_key,
  secretEnc: r.secret_enc,
  createdAt: Number(r.created_at),
});

export function mobileRepo(base: Kysely<Database>): MobileRepo {
  const db = base.withTables<MobileTables>() as Kysely<MobileDb>;
  return {
    async insertCode(c) {
      await db
        .insertInto('mobile_codes')
        .values({
          id: c.id,
          code_hash: c.codeHash,
          site_id: c.siteId,
          person_id: c.personId,
          created_by: c.createdBy,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          used_at: c.usedAt,
          failed_tries: c.failedTries,
        })
        .execute();
    },
    async codeByHash(codeHash) {
      const r = await db
        .selectFrom('mobile_codes')
        .selectAll()
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      return r && codeRow(r);
    },
    async failCode(id) {
      // One statement, so two wrong tries at once both count.
      const r = await db
        .updateTable('mobile_codes')
        .set((eb) => ({ failed_tries: eb('failed_tries', '+', 1) }))
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .returning('failed_tries')
        .executeTakeFirst();
      return r === undefined ? undefined : Number(r.failed_tries);
    },
    async spendCode(id, now, maxTries) {
      const r = await db
        .updateTable('mobile_codes')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('failed_tries', '<', maxTries)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertPhone(p) {
      await db
        .insertInto('mobile_phones')
        .values({
          device_id: p.deviceId,
          person_id: p.personId,
          site_id: p.siteId,
          access_id: p.accessId,
          access_key: p.accessKey,
          secret_enc: p.secretEnc,
          created_at: p.createdAt,
        })
        .execute();
    },
    async phoneByAccessId(accessId) {
      const r = await db
        .selectFrom('mobile_phones')
        .selectAll()
        .where('access_id', '=', accessId)
        .executeTakeFirst();
      return r && phoneRow(r);
    },
    async phoneByDevice(deviceId) {
      const r = await db
        .selectFrom('mobile_phones')
        .selectAll()
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      return r && phoneRow(r);
    },
    async phonesOf(personId, siteId) {
      const rows = await db
        .selectFrom('mobile_phones')
        .selectAll()
        .where('person_id', '=', personId)
        .where('site_id', '=', siteId)
        .orderBy('created_at')
        .orderBy('device_id')
        .execute();
      return rows.map(phoneRow);
    },
    async phonesByDevices(deviceIds) {
      if (deviceIds.length === 0) return [];
      const rows = await db
        .selectFrom('mobile_phones')
        .selectAll()
        .where('device_id', 'in', [...deviceIds])
        .execute();
      return rows.map(phoneRow);
    },

    async mobileVendorId() {
      const r = await db
        .selectFrom('mobile_vendor')
        .select('vendor_id')
        .where('id', '=', 1)
        .executeTakeFirst();
      return r?.vendor_id;
    },
    async claimMobileVendor(vendorId) {
      try {
        await db.insertInto('mobile_vendor').values({ id: 1, vendor_id: vendorId }).execute();
        return true;
      } catch (e) {
        if (isSqliteUniqueViolation(e) || isPgUniqueViolation(e)) return false;
        throw e;
      }
    },

    async recordVerdict(deviceId, personId, recordTime, type) {
      // D9's unique key (attendance_record_key): one row at most.
      const r = await db
        .selectFrom('attendance')
        .select(['real_name', 'flags'])
        .where('device_id', '=', deviceId)
        .where('person_id', '=', personId)
        .where('record_time', '=', recordTime)
        .where('type', '=', type)
        .executeTakeFirst();
      if (!r) return undefined;
      return { realName: Number(r.real_name) === 1, flags: JSON.parse(r.flags) as string[] };
    },
  };
}

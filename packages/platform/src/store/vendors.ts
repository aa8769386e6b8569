/** Vendors (厂商): the accounts devices authenticate under. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, VendorsTable } from './schema-types.js';
import type { VendorRepo, VendorRow } from './types.js';

type VendorPatch = Parameters<VendorRepo['update']>[1];

function fromDb(r: Selectable<VendorsTable>): VendorRow {
  return {
    id: r.id,
    name: r.name,
    accessId: r.access_id,
    accessKey: r.access_key,
    secretEnc: r.secret_enc,
    secretVersion: r.secret_version,
    status: r.status,
    publicKeyPem: r.public_key_pem,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDb(v: VendorRow): VendorsTable {
  return {
    id: v.id,
    name: v.name,
    access_id: v.accessId,
    access_key: v.accessKey,
    secret_enc: v.secretEnc,
    secret_version: v.secretVersion,
    status: v.status,
    public_key_pem: v.publicKeyPem,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

/** Only the fields present in the patch; `{ name: undefined }` leaves name alone. */
function patchToDb(p: VendorPatch): Updateable<VendorsTable> {
  const set: Updateable<VendorsTable> = {};
  if (p.name !== undefined) set.name = p.name;
  if (p.accessId !== undefined) set.access_id = p.accessId;
  if (p.accessKey !== undefined) set.access_key = p.accessKey;
  if (p.secretEnc !== undefined) set.secret_enc = p.secretEnc;
  if (p.secretVersion !== undefined) set.secret_version = p.secretVersion;
  if (p.status !== undefined) set.status = p.status;
  if (p.publicKeyPem !== undefined) set.public_key_pem = p.publicKeyPem;
  if (p.updatedAt !== undefined) set.updated_at = p.updatedAt;
  return set;
}

export function vendorRepo(db: Kysely<Database>): VendorRepo {
  return {
    async insert(v) {
      await db.insertInto('vendors').values(toDb(v)).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirst();
      return r && fromDb(r);
    },
    async byAccessId(accessId) {
      const r = await db
        .selectFrom('vendors')
        .selectAll()
        .where('access_id', '=', accessId)
        .executeTakeFirst();
      return r && fromDb(r);
    },
    async list() {
      const rows = await db.selectFrom('vendors').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromDb);
    },
    async page(after, limit) {
      let q = db.selectFrom('vendors').selectAll();
      if (after !== undefined) q = q.where('id', '>', after);
      const rows = await q.orderBy('id').limit(limit).execute();
      return rows.map(fromDb);
    },
    async update(id, patch) {
      const set = patchToDb(patch);
      if (Object.keys(set).length === 0) return;
      await db.updateTable('vendors').set(set).where('id', '=', id).execute();
    },
  };
}

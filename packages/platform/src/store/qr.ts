/**
 * Person QR codes' store (migration 0018): site keys and issued codes. The tables are
 * this file's own: the shared schema types do not name them (withTables).
 */
import type { Kysely, Selectable } from 'kysely';
import type { PersonQrCodeRow, PersonQrCodesTable, QrKeyRow, QrKeysTable, QrRepo } from './qr-types.js';
import type { Database } from './schema-types.js';

export * from './qr-types.js';

type QrTables = { qr_keys: QrKeysTable; person_qr_codes: PersonQrCodesTable };
type QrDb = Database & QrTables;

const keyRow = (r: Selectable<QrKeysTable>): QrKeyRow => ({
  keyId: Number(r.key_id),
  siteId: r.site_id,
  publicKey: r.public_key,
  privateKeyEnc: r.private_key_enc,
  createdAt: Number(r.created_at),
  retiredAt: r.retired_at === null ? null : Number(r.retired_at),
});

const codeRow = (r: Selectable<PersonQrCodesTable>): PersonQrCodeRow => ({
  personId: r.person_id,
  siteId: r.site_id,
  codeValue: r.code_value,
  keyId: Number(r.key_id),
  issuedAt: Number(r.issued_at),
  expiresAt: Number(r.expires_at),
});

export function qrRepo(base: Kysely<Database>): QrRepo {
  const db = base.withTables<QrTables>() as Kysely<QrDb>;
  return {
    async addKey(k) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('qr_keys')
          .set({ retired_at: k.createdAt })
          .where('site_id', '=', k.siteId)
          .where('retired_at', 'is', null)
          .execute();
        await trx
          .insertInto('qr_keys')
          .values({
            key_id: k.keyId,
            site_id: k.siteId,
            public_key: k.publicKey,
            private_key_enc: k.privateKeyEnc,
            created_at: k.createdAt,
            retired_at: k.retiredAt,
          })
          .execute();
      });
    },
    async keysOfSite(siteId) {
      const rows = await db.selectFrom('qr_keys').selectAll().where('site_id', '=', siteId).execute();
      // Retired keys in the order they were retired, the current one last: creation times
      // alone can tie (keys made in one millisecond, a frozen test clock).
      const rank = (k: QrKeyRow) => k.retiredAt ?? Number.POSITIVE_INFINITY;
      return rows
        .map(keyRow)
        .sort((a, b) => rank(a) - rank(b) || a.createdAt - b.createdAt || a.keyId - b.keyId);
    },
    async keyById(keyId) {
      const r = await db.selectFrom('qr_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
      return r && keyRow(r);
    },
    async allKeys() {
      return (await db.selectFrom('qr_keys').selectAll().orderBy('key_id').execute()).map(keyRow);
    },
    async putCode(c) {
      const values = {
        person_id: c.personId,
        site_id: c.siteId,
        code_value: c.codeValue,
        key_id: c.keyId,
        issued_at: c.issuedAt,
        expires_at: c.expiresAt,
      };
      await db
        .insertInto('person_qr_codes')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['person_id', 'site_id']).doUpdateSet({
            code_value: values.code_value,
            key_id: values.key_id,
            issued_at: values.issued_at,
            expires_at: values.expires_at,
          }),
        )
        .execute();
    },
    async code(personId, siteId) {
      const r = await db
        .selectFrom('person_qr_codes')
        .selectAll()
        .where('person_id', '=', personId)
        .where('site_id', '=', siteId)
        .executeTakeFirst();
      return r && codeRow(r);
    },
    async removeCodesOf(personId) {
      const r = await db.deleteFrom('person_qr_codes').where('person_id', '=', personId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

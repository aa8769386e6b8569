/**
 * Iris images kept per person and eye (migration 0016): the blob keys of the raw BMP
 * and of its JPEG 2000 export, and what the check measured. Both blobs are recorded in
 * person_blobs too, so erasing the person deletes the files with the face photos. The
 * table is this file's own: the shared schema types do not name it (withTables).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Eye, PersonIrisRepo, PersonIrisRow, PersonIrisTable } from './person-iris-types.js';
import type { Database } from './schema-types.js';

export * from './person-iris-types.js';

type IrisDb = Database & { person_iris: PersonIrisTable };

const row = (r: Selectable<PersonIrisTable>): PersonIrisRow => ({
  personId: r.person_id,
  eye: r.eye,
  rawKey: r.raw_key,
  jp2Key: r.jp2_key,
  irisRadius: Number(r.iris_radius),
  pupilRadius: Number(r.pupil_radius),
  grey: Number(r.grey),
  createdAt: Number(r.created_at),
});

export function personIrisRepo(base: Kysely<Database>): PersonIrisRepo {
  const db = base.withTables<{ person_iris: PersonIrisTable }>() as Kysely<IrisDb>;

  /** Drops the person's person_blobs claim on keys no other iris row of theirs holds. */
  async function release(trx: Transaction<IrisDb>, personId: string, keys: readonly string[]) {
    for (const key of new Set(keys)) {
      const still = await trx
        .selectFrom('person_iris')
        .select('eye')
        .where('person_id', '=', personId)
        .where((w) => w.or([w('raw_key', '=', key), w('jp2_key', '=', key)]))
        .executeTakeFirst();
      if (!still)
        await trx
          .deleteFrom('person_blobs')
          .where('person_id', '=', personId)
          .where('blob_key', '=', key)
          .execute();
    }
  }

  const take = async (trx: Transaction<IrisDb>, personId: string, eye?: Eye) => {
    let q = trx.deleteFrom('person_iris').where('person_id', '=', personId);
    if (eye) q = q.where('eye', '=', eye);
    return (await q.returningAll().execute()).map(row);
  };

  return {
    async put(r) {
      return db.transaction().execute(async (trx) => {
        const [before] = await take(trx, r.personId, r.eye);
        await trx
          .insertInto('person_iris')
          .values({
            person_id: r.personId,
            eye: r.eye,
            raw_key: r.rawKey,
            jp2_key: r.jp2Key,
            iris_radius: r.irisRadius,
            pupil_radius: r.pupilRadius,
            grey: r.grey,
            created_at: r.createdAt,
          })
          .execute();
        await trx
          .insertInto('person_blobs')
          .values([...new Set([r.rawKey, r.jp2Key])].map((blob_key) => ({ blob_key, person_id: r.personId })))
          .onConflict((oc) => oc.columns(['blob_key', 'person_id']).doNothing())
          .execute();
        if (before) await release(trx, r.personId, [before.rawKey, before.jp2Key]);
        return before;
      });
    },
    async ofPerson(personId) {
      const rows = await db
        .selectFrom('person_iris')
        .selectAll()
        .where('person_id', '=', personId)
        .orderBy('eye')
        .execute();
      return rows.map(row);
    },
    async ofPersons(personIds) {
      const out = new Map<string, PersonIrisRow[]>();
      if (personIds.length === 0) return out;
      const rows = await db
        .selectFrom('person_iris')
        .selectAll()
        .where('person_id', 'in', [...personIds])
        .orderBy('eye')
        .execute();
      for (const r of rows.map(row)) out.set(r.personId, [...(out.get(r.personId) ?? []), r]);
      return out;
    },
    async remove(personId, eye) {
      return db.transaction().execute(async (trx) => {
        const [gone] = await take(trx, personId, eye);
        if (gone) await release(trx, personId, [gone.rawKey, gone.jp2Key]);
        return gone;
      });
    },
    async removeAll(personId) {
      return db.transaction().execute(async (trx) => {
        const gone = await take(trx, personId);
        await release(
          trx,
          personId,
          gone.flatMap((g) => [g.rawKey, g.jp2Key]),
        );
        return gone;
      });
    },
    async blobUnused(key) {
      const iris = await db
        .selectFrom('person_iris')
        .select('person_id')
        .where((w) => w.or([w('raw_key', '=', key), w('jp2_key', '=', key)]))
        .limit(1)
        .executeTakeFirst();
      if (iris) return false;
      const owner = await db
        .selectFrom('person_blobs')
        .select('person_id')
        .where('blob_key', '=', key)
        .limit(1)
        .executeTakeFirst();
      return owner === undefined;
    },
  };
}

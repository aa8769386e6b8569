/**
 * Persons as platform-wide identities (§1.1(1), §1.1(7)); a site's roster is read through
 * site_assignments. The sealed fields stay sealed here. Lists are keyset pages in id
 * order; a site's roster drives from the assignments index (site, status, person).
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { assignment } from './assignments.js';
import type { Capabilities } from './dialect.js';
import { type FaceMatchRecord, NOT_CHECKED, type PersonRepo, type PersonRow } from './person-types.js';
import type { Database, PersonsTable } from './schema-types.js';
import { truncateWal } from './sqlite-truncate.js';
import { json, keys } from './task-rows.js';

export function person(r: Selectable<PersonsTable>): PersonRow {
  return {
    id: r.id,
    name: r.name,
    piiEnc: r.pii_enc,
    idNumberHash: r.id_number_hash,
    idNumberHead: r.id_number_head,
    idNumberTail: r.id_number_tail,
    photoKeys: keys(r.photo_keys) ?? [],
    idCardPhotoKey: r.id_card_photo_key,
    idCardFrontKey: r.id_card_front_key,
    idCardBackKey: r.id_card_back_key,
    faceMatch: {
      score: r.face_match_score === null ? null : Number(r.face_match_score),
      threshold: r.face_match_threshold === null ? null : Number(r.face_match_threshold),
      outcome: r.face_match_outcome,
      checkedAt: r.face_checked_at === null ? null : Number(r.face_checked_at),
      review: r.review_state,
      reviewedBy: r.reviewed_by,
      reviewedAt: r.reviewed_at === null ? null : Number(r.reviewed_at),
    },
    status: r.status,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    erasedAt: r.erased_at === null ? null : Number(r.erased_at),
  };
}

/** The columns of a person row, as the roster join selects them (no name clashes). */
const PERSON_COLUMNS = [
  'p.id',
  'p.name',
  'p.pii_enc',
  'p.id_number_hash',
  'p.id_number_head',
  'p.id_number_tail',
  'p.photo_keys',
  'p.id_card_photo_key',
  'p.id_card_front_key',
  'p.id_card_back_key',
  'p.face_match_score',
  'p.face_match_threshold',
  'p.face_match_outcome',
  'p.face_checked_at',
  'p.review_state',
  'p.reviewed_by',
  'p.reviewed_at',
  'p.status',
  'p.version',
  'p.created_at',
  'p.updated_at',
  'p.erased_at',
] as const;

/** Records blobs as the person's (for erasure); a blob already recorded is left alone. */
async function addBlobs(trx: Transaction<Database>, personId: string, blobKeys: readonly (string | null)[]) {
  const rows = [...new Set(blobKeys.filter((k): k is string => k !== null))].map((blob_key) => ({
    blob_key,
    person_id: personId,
  }));
  if (rows.length === 0) return;
  await trx
    .insertInto('person_blobs')
    .values(rows)
    .onConflict((oc) => oc.columns(['blob_key', 'person_id']).doNothing())
    .execute();
}

/** The 1:1 record as its columns (migration 0015). */
function faceMatchColumns(m: FaceMatchRecord) {
  return {
    face_match_score: m.score,
    face_match_threshold: m.threshold,
    face_match_outcome: m.outcome,
    face_checked_at: m.checkedAt,
    review_state: m.review,
    reviewed_by: m.reviewedBy,
    reviewed_at: m.reviewedAt,
  };
}

export function personRepo(db: Kysely<Database>, caps: Capabilities): PersonRepo {
  const activeOfSite = (siteId: string) =>
    db
      .selectFrom('site_assignments as a')
      .innerJoin('persons as p', 'p.id', 'a.person_id')
      .where('a.site_id', '=', siteId)
      .where('a.status', '=', 'active');

  return {
    async insert(p) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('persons')
          .values({
            id: p.id,
            name: p.name,
            pii_enc: p.piiEnc,
            id_number_hash: p.idNumberHash,
            id_number_head: p.idNumberHead,
            id_number_tail: p.idNumberTail,
            photo_keys: json(p.photoKeys),
            id_card_photo_key: p.idCardPhotoKey,
            id_card_front_key: p.idCardFrontKey,
            id_card_back_key: p.idCardBackKey,
            ...faceMatchColumns(p.faceMatch),
            status: p.status,
            version: p.version,
            created_at: p.createdAt,
            updated_at: p.updatedAt,
            erased_at: p.erasedAt,
          })
          .execute();
        await addBlobs(trx, p.id, [...p.photoKeys, p.idCardPhotoKey, p.idCardFrontKey, p.idCardBackKey]);
      });
    },
    async get(id) {
      const r = await db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
      return r && person(r);
    },
    async findByIdNumber(hash) {
      const r = await db
        .selectFrom('persons')
        .selectAll()
        .where('id_number_hash', '=', hash)
        .executeTakeFirst();
      return r && person(r);
    },
    async page(q) {
      if (q.siteIds !== undefined && q.siteIds.length === 0) return [];
      let s = db.selectFrom('persons').selectAll();
      if (q.afterId !== undefined) s = s.where('id', '>', q.afterId);
      if (q.status !== undefined) s = s.where('status', '=', q.status);
      if (q.idNumberHash !== undefined) s = s.where('id_number_hash', '=', q.idNumberHash);
      if (q.review !== undefined) s = s.where('review_state', '=', q.review);
      if (q.withIdCardPhoto) s = s.where('id_card_photo_key', 'is not', null);
      if (q.namePrefix !== undefined && q.namePrefix !== '') {
        // substr counts characters on both dialects, and compares case-sensitively (LIKE
        // would not on SQLite, and would need escaping).
        const n = [...q.namePrefix].length;
        s = s.where(sql<string>`substr(name, 1, ${n})`, '=', q.namePrefix);
      }
      if (q.siteIds !== undefined) {
        let ever = db
          .selectFrom('site_assignments')
          .select('person_id')
          .where('site_id', 'in', [...q.siteIds]);
        if (q.afterId !== undefined) ever = ever.where('person_id', '>', q.afterId);
        s = s.where('id', 'in', ever);
      }
      return (await s.orderBy('id').limit(q.limit).execute()).map(person);
    },
    async update(id, patch, now, ifVersion) {
      const r = await db.transaction().execute(async (trx) => {
        let u = trx
          .updateTable('persons')
          .set({
            updated_at: now,
            version: sql<number>`version + 1`,
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.piiEnc !== undefined ? { pii_enc: patch.piiEnc } : {}),
            ...(patch.idNumberHash !== undefined ? { id_number_hash: patch.idNumberHash } : {}),
            ...(patch.idNumberHead !== undefined ? { id_number_head: patch.idNumberHead } : {}),
            ...(patch.idNumberTail !== undefined ? { id_number_tail: patch.idNumberTail } : {}),
            ...(patch.photoKeys !== undefined ? { photo_keys: json(patch.photoKeys) } : {}),
            ...(patch.idCardPhotoKey !== undefined ? { id_card_photo_key: patch.idCardPhotoKey } : {}),
            ...(patch.idCardFrontKey !== undefined ? { id_card_front_key: patch.idCardFrontKey } : {}),
            ...(patch.idCardBackKey !== undefined ? { id_card_back_key: patch.idCardBackKey } : {}),
            ...(patch.faceMatch !== undefined ? faceMatchColumns(patch.faceMatch) : {}),
          })
          .where('id', '=', id)
          .where('status', '=', 'active');
        if (ifVersion !== undefined) u = u.where('version', '=', ifVersion);
        const row = await u.returningAll().executeTakeFirst();
        if (row)
          await addBlobs(trx, id, [
            ...(patch.photoKeys ?? []),
            patch.idCardPhotoKey ?? null,
            patch.idCardFrontKey ?? null,
            patch.idCardBackKey ?? null,
          ]);
        return row;
      });
      if (r) return person(r);
      const now_ = await db.selectFrom('persons').select('status').where('id', '=', id).executeTakeFirst();
      return now_?.status === 'active' ? 'stale' : 'not_found';
    },
    async activeOfSite(siteId) {
      const rows = await activeOfSite(siteId).select(PERSON_COLUMNS).orderBy('a.person_id').execute();
      return rows.map(person);
    },
    async activeIdsOfSite(siteId) {
      const rows = await db
        .selectFrom('site_assignments')
        .select('person_id')
        .where('site_id', '=', siteId)
        .where('status', '=', 'active')
        .execute();
      return rows.map((r) => r.person_id);
    },
    async countActive(siteId) {
      const r = await db
        .selectFrom('site_assignments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('site_id', '=', siteId)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async rosterPage(siteId, afterPersonId, limit) {
      let q = activeOfSite(siteId)
        .select(PERSON_COLUMNS)
        .select([
          'a.id as a_id',
          'a.site_id as a_site_id',
          'a.company as a_company',
          'a.team as a_team',
          'a.trade as a_trade',
          'a.joined_on as a_joined_on',
          'a.left_on as a_left_on',
          'a.status as a_status',
          'a.created_at as a_created_at',
          'a.updated_at as a_updated_at',
          'a.ended_at as a_ended_at',
        ]);
      if (afterPersonId !== undefined) q = q.where('a.person_id', '>', afterPersonId);
      const rows = await q.orderBy('a.person_id').limit(limit).execute();
      return rows.map((r) => ({
        person: person(r),
        assignment: assignment({
          id: r.a_id,
          person_id: r.id,
          site_id: r.a_site_id,
          company: r.a_company,
          team: r.a_team,
          trade: r.a_trade,
          joined_on: r.a_joined_on,
          left_on: r.a_left_on,
          status: r.a_status,
          created_at: r.a_created_at,
          updated_at: r.a_updated_at,
          ended_at: r.a_ended_at,
        }),
      }));
    },
    async blobInUse(key, exceptPersonId) {
      const r = await db
        .selectFrom('person_blobs')
        .select('person_id')
        .where('blob_key', '=', key)
        .where('person_id', '<>', exceptPersonId)
        .limit(1)
        .executeTakeFirst();
      return r !== undefined;
    },
    async erase(id, now) {
      const erased = await db.transaction().execute(async (trx) => {
        const r = await trx
          .selectFrom('persons')
          .selectAll()
          .where('id', '=', id)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (!r) return undefined;
        await trx
          .updateTable('persons')
          .set({
            name: '',
            pii_enc: '',
            id_number_hash: null,
            id_number_head: null,
            id_number_tail: '',
            photo_keys: '[]',
            id_card_photo_key: null,
            id_card_front_key: null,
            id_card_back_key: null,
            // The score is biometric data about the person: it goes too.
            ...faceMatchColumns(NOT_CHECKED),
            status: 'erased',
            version: sql<number>`version + 1`,
            updated_at: now,
            erased_at: now,
          })
          .where('id', '=', id)
          .execute();
        // The name also travels in frozen task rosters and in what devices uploaded; both
        // are read by person id only, so a scan here is the price of keeping their
        // inserts (an enrolment wave writes millions of items) free of another index.
        await trx
          .updateTable('task_items')
          .set({ name: null, photo_keys: null })
          .where('person_id', '=', id)
          .execute();
        await trx.updateTable('roster_uploads').set({ name: null }).where('person_id', '=', id).execute();
        // A remembered answer to POST /persons carries the name: a retry now gets a tombstone.
        await trx
          .updateTable('idempotency_keys')
          .set({ body: JSON.stringify({ personId: id, status: 'erased' }) })
          .where('body', 'like', `%"personId":"${id}"%`)
          .execute();
        const blobs = await trx
          .selectFrom('person_blobs')
          .select('blob_key')
          .where('person_id', '=', id)
          .execute();
        await trx.deleteFrom('person_blobs').where('person_id', '=', id).execute();
        return { before: person(r), blobKeys: blobs.map((b) => b.blob_key) };
      });
      // SQLite keeps old page images in its write-ahead log until a checkpoint overwrites
      // the main file; TRUNCATE also empties the log file (secure_delete, set at open,
      // zeroes the freed cells), retried past our own threads' checkpoints
      // (sqlite-truncate.ts). PostgreSQL's dead tuples go with (auto)vacuum.
      if (erased && caps.dialect === 'sqlite') await truncateWal(db);
      return erased;
    },
    async mergedInto(mergedId) {
      const r = await db
        .selectFrom('person_merges')
        .select('person_id')
        .where('merged_id', '=', mergedId)
        .executeTakeFirst();
      return r?.person_id;
    },
  };
}

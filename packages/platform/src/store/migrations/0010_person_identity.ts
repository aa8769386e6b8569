/**
 * §1.1(7) 一次采集，多台设备使用: a person becomes ONE identity on the platform, keyed by
 * the keyed hash of the ID number (unique among persons not erased), with any number of
 * site assignments (join and leave dates, company, team, trade). Before this migration a
 * person row belonged to one site, and a worker who moved was captured again.
 *
 * Schema:
 * - `persons` is rebuilt without `site_id` (SQLite cannot drop a NOT NULL column that a
 *   foreign key and indexes use, so the table is copied on both dialects alike), with
 *   `version` (the etag of If-Match), `id_number_head` (the first six characters, what a
 *   masked ID number shows; null on rows from before, whose ID number is sealed and is
 *   masked by opening it), `id_card_photo_key` (the ID card's own photo, §1.1(1)) and
 *   `erased_at`. `id_number_hash` becomes nullable (erasure clears it, so the ID number can
 *   be enrolled again) and unique. `status` is `active` or `erased`.
 * - `site_assignments`: at most one active assignment per (person, site) (a partial
 *   unique index); indexed for a site's roster, a person's assignments and the leave
 *   dates the periodic job ends.
 * - `person_merges`: which person ids were folded into which identity, below.
 * - `person_blobs`: every photo file a person ever had (faces, old ones replaced, the ID
 *   card's), so erasure removes them all, and only those no other person also uses
 *   (photos are stored by content).
 *
 * Data:
 * - Every existing person gets an assignment to its old site (the assignment's id is the
 *   old person id): active for an active person; ended, left on the day of its last
 *   change, for a removed one. Joined on the day the person was created (China time).
 * - Persons that shared an ID number (the same worker enrolled on two sites, or removed
 *   and enrolled again) are merged: the oldest row (created first, then lowest id) stays
 *   the identity with its name, sealed fields and photos; the others' assignments move to
 *   it and their rows are deleted. Each merged id is recorded in `person_merges`; their
 *   photos are the identity's in `person_blobs` (erasing the worker erases them too).
 *   Attendance rows keep the id they were recorded with (wages are paid from them; the
 *   merge table maps them), and a device that holds a merged id keeps it until its site
 *   is resynced (`kaoqin site resync`, or a reconciliation repair), which sends the
 *   identity's id in its place.
 */
import { type Kysely, type Migration, sql } from 'kysely';

interface OldPerson {
  id: string;
  site_id: string;
  status: string;
  id_number_hash: string;
  photo_keys: string;
  created_at: number;
  updated_at: number;
}

interface Tables {
  persons: OldPerson & {
    name: string;
    pii_enc: string;
    id_number_tail: string;
  };
  persons_next: {
    id: string;
    name: string;
    pii_enc: string;
    id_number_hash: string | null;
    id_number_head: string | null;
    id_number_tail: string;
    photo_keys: string;
    id_card_photo_key: string | null;
    status: string;
    version: number;
    created_at: number;
    updated_at: number;
    erased_at: number | null;
  };
  site_assignments: {
    id: string;
    person_id: string;
    site_id: string;
    company: string | null;
    team: string | null;
    trade: string | null;
    joined_on: string;
    left_on: string | null;
    status: string;
    created_at: number;
    updated_at: number;
    ended_at: number | null;
  };
  person_merges: { merged_id: string; person_id: string; merged_at: number };
  person_blobs: { blob_key: string; person_id: string };
}

const CST_MS = 8 * 60 * 60_000;
const cstDay = (ms: number): string => new Date(ms + CST_MS).toISOString().slice(0, 10);
/** Rows per multi-row INSERT: 12 columns, far below either dialect's bind limit. */
const CHUNK = 500;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

export const migration: Migration = {
  async up(raw: Kysely<unknown>): Promise<void> {
    const db = raw as unknown as Kysely<Tables>;
    await db.schema
      .createTable('persons_next')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('pii_enc', 'text', (c) => c.notNull())
      .addColumn('id_number_hash', 'text')
      .addColumn('id_number_head', 'text')
      .addColumn('id_number_tail', 'text', (c) => c.notNull())
      .addColumn('photo_keys', 'text', (c) => c.notNull())
      .addColumn('id_card_photo_key', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('erased_at', 'bigint')
      .execute();

    // Pass 1, the keys only (small rows): who is kept, who is merged, every assignment.
    const old = await db
      .selectFrom('persons')
      .select(['id', 'site_id', 'status', 'id_number_hash', 'photo_keys', 'created_at', 'updated_at'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const keeperOf = new Map<string, string>();
    const merged: { merged_id: string; person_id: string; merged_at: number }[] = [];
    const now = Date.now();
    for (const p of old) {
      const keeper = keeperOf.get(p.id_number_hash);
      if (keeper === undefined) keeperOf.set(p.id_number_hash, p.id);
      else merged.push({ merged_id: p.id, person_id: keeper, merged_at: now });
    }
    const activeAt = new Set<string>();
    const assignments: Tables['site_assignments'][] = old.map((p) => {
      const personId = keeperOf.get(p.id_number_hash)!;
      const created = Number(p.created_at);
      const updated = Number(p.updated_at);
      // One active assignment per (person, site): a second one (two rows of one worker
      // active on one site, which only a race could make) is ended now.
      const key = `${personId}\n${p.site_id}`;
      const active = p.status === 'active' && !activeAt.has(key);
      if (active) activeAt.add(key);
      const endedAt = active ? null : p.status === 'active' ? now : updated;
      return {
        id: p.id,
        person_id: personId,
        site_id: p.site_id,
        company: null,
        team: null,
        trade: null,
        joined_on: cstDay(created),
        left_on: endedAt === null ? null : cstDay(endedAt),
        status: active ? 'active' : 'ended',
        created_at: created,
        updated_at: updated,
        ended_at: endedAt,
      };
    });

    // Pass 2, in SQL: every row into the new table, then the merged ones out.
    await db
      .insertInto('persons_next')
      .columns([
        'id',
        'name',
        'pii_enc',
        'id_number_hash',
        'id_number_tail',
        'photo_keys',
        'status',
        'version',
        'created_at',
        'updated_at',
      ])
      .expression(
        db
          .selectFrom('persons')
          .select([
            'id',
            'name',
            'pii_enc',
            'id_number_hash',
            'id_number_tail',
            'photo_keys',
            sql<string>`'active'`.as('status'),
            sql<number>`1`.as('version'),
            'created_at',
            'updated_at',
          ]),
      )
      .execute();
    for (const part of chunks(merged))
      await db
        .deleteFrom('persons_next')
        .where(
          'id',
          'in',
          part.map((m) => m.merged_id),
        )
        .execute();

    await db.schema.dropTable('persons').execute();
    await db.schema.alterTable('persons_next').renameTo('persons').execute();
    await db.schema
      .createIndex('persons_id_number_hash_key')
      .on('persons')
      .column('id_number_hash')
      .unique()
      .execute();

    await db.schema
      .createTable('site_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id'))
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('company', 'text')
      .addColumn('team', 'text')
      .addColumn('trade', 'text')
      .addColumn('joined_on', 'text', (c) => c.notNull())
      .addColumn('left_on', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('site_assignments_active_key')
      .on('site_assignments')
      .columns(['person_id', 'site_id'])
      .unique()
      .where(sql.ref('status'), '=', 'active')
      .execute();
    await db.schema
      .createIndex('site_assignments_person_idx')
      .on('site_assignments')
      .columns(['person_id', 'id'])
      .execute();
    // A site's roster (active, in person order) and everyone it ever had (site managers' scope).
    await db.schema
      .createIndex('site_assignments_roster_idx')
      .on('site_assignments')
      .columns(['site_id', 'status', 'person_id'])
      .execute();
    await db.schema
      .createIndex('site_assignments_site_person_idx')
      .on('site_assignments')
      .columns(['site_id', 'person_id'])
      .execute();
    await db.schema
      .createIndex('site_assignments_due_idx')
      .on('site_assignments')
      .columns(['status', 'left_on'])
      .execute();
    for (const part of chunks(assignments)) await db.insertInto('site_assignments').values(part).execute();

    await db.schema
      .createTable('person_merges')
      .addColumn('merged_id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('merged_at', 'bigint', (c) => c.notNull())
      .execute();
    for (const part of chunks(merged)) await db.insertInto('person_merges').values(part).execute();

    await db.schema
      .createTable('person_blobs')
      .addColumn('blob_key', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('person_blobs_pkey', ['blob_key', 'person_id'])
      .execute();
    await db.schema.createIndex('person_blobs_person_idx').on('person_blobs').column('person_id').execute();
    const blobs = new Map<string, { blob_key: string; person_id: string }>();
    for (const p of old) {
      const personId = keeperOf.get(p.id_number_hash)!;
      for (const key of JSON.parse(p.photo_keys) as string[])
        blobs.set(`${key}\n${personId}`, { blob_key: key, person_id: personId });
    }
    for (const part of chunks([...blobs.values()]))
      await db.insertInto('person_blobs').values(part).execute();
  },
};

/** Chapter 3 repos on Kysely: one implementation for SQLite and PostgreSQL. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Capabilities } from './dialect.js';
import type {
  Database,
  DistributionTable,
  FirmwareTable,
  PersonsTable,
  RosterDiffsTable,
  TasksTable,
} from './schema-types.js';
import {
  type DistributionRow,
  type DistributionState,
  type FirmwareRow,
  OPEN_TASK_STATES,
  type PersonRow,
  type RosterDiffRow,
  type TaskItem,
  type TaskRow,
  type TaskState,
  type TaskStore,
} from './task-types.js';
import { chunk, rowsPerStatement } from './util.js';

const json = (v: unknown): string => JSON.stringify(v);
const keys = (text: string | null): string[] | null =>
  text === null ? null : (JSON.parse(text) as string[]);

function person(r: Selectable<PersonsTable>): PersonRow {
  return {
    id: r.id,
    siteId: r.site_id,
    name: r.name,
    piiEnc: r.pii_enc,
    idNumberHash: r.id_number_hash,
    idNumberTail: r.id_number_tail,
    photoKeys: keys(r.photo_keys) ?? [],
    status: r.status,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function task(r: Selectable<TasksTable>): TaskRow {
  const n = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    id: r.id,
    deviceId: r.device_id,
    apicode: r.apicode,
    state: r.state as TaskState,
    param: r.param,
    total: Number(r.total),
    reason: r.reason,
    createdAt: Number(r.created_at),
    offeredAt: n(r.offered_at),
    fetchedAt: n(r.fetched_at),
    finishedAt: n(r.finished_at),
    expiresAt: Number(r.expires_at),
    fetches: Number(r.fetches),
  };
}

function dist(r: Selectable<DistributionTable>): DistributionRow {
  return {
    personId: r.person_id,
    deviceId: r.device_id,
    state: r.state as DistributionState,
    reason: r.reason,
    taskId: r.task_id,
    updatedAt: Number(r.updated_at),
  };
}

function firmware(r: Selectable<FirmwareTable>): FirmwareRow {
  return {
    id: r.id,
    version: r.version,
    size: Number(r.size),
    sha256: r.sha256,
    fileName: r.file_name,
    createdAt: Number(r.created_at),
  };
}

function diff(r: Selectable<RosterDiffsTable>): RosterDiffRow {
  return {
    id: r.id,
    deviceId: r.device_id,
    taskId: r.task_id,
    personId: r.person_id,
    kind: r.kind,
    foundAt: Number(r.found_at),
    repairedBy: r.repaired_by,
  };
}

type Db = Kysely<Database> | Transaction<Database>;

async function upsertDistribution(
  db: Db,
  caps: Capabilities,
  rows: readonly DistributionRow[],
): Promise<void> {
  for (const part of chunk(rows, rowsPerStatement(caps.maxBindParams, 6))) {
    await db
      .insertInto('distribution')
      .values(
        part.map((d) => ({
          person_id: d.personId,
          device_id: d.deviceId,
          state: d.state,
          reason: d.reason,
          task_id: d.taskId,
          updated_at: d.updatedAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['person_id', 'device_id']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          reason: eb.ref('excluded.reason'),
          task_id: eb.ref('excluded.task_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

async function insertItems(
  db: Db,
  caps: Capabilities,
  taskId: string,
  first: number,
  items: readonly TaskItem[],
): Promise<void> {
  const rows = items.map((it, i) => ({
    task_id: taskId,
    seq: first + i,
    person_id: it.personId,
    name: it.name,
    photo_keys: it.photoKeys === null ? null : json(it.photoKeys),
  }));
  for (const part of chunk(rows, rowsPerStatement(caps.maxBindParams, 5))) {
    await db.insertInto('task_items').values(part).execute();
  }
}

export function taskStore(db: Kysely<Database>, caps: Capabilities): TaskStore {
  const open = [...OPEN_TASK_STATES];
  return {
    sites: {
      async create(row) {
        await db
          .insertInto('sites')
          .values({ id: row.id, name: row.name, created_at: row.createdAt })
          .execute();
      },
      async get(id) {
        const r = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
        return r && { id: r.id, name: r.name, createdAt: Number(r.created_at) };
      },
      async list() {
        const rows = await db.selectFrom('sites').selectAll().orderBy('created_at').execute();
        return rows.map((r) => ({ id: r.id, name: r.name, createdAt: Number(r.created_at) }));
      },
    },

    persons: {
      async insert(p) {
        await db
          .insertInto('persons')
          .values({
            id: p.id,
            site_id: p.siteId,
            name: p.name,
            pii_enc: p.piiEnc,
            id_number_hash: p.idNumberHash,
            id_number_tail: p.idNumberTail,
            photo_keys: json(p.photoKeys),
            status: p.status,
            created_at: p.createdAt,
            updated_at: p.updatedAt,
          })
          .execute();
      },
      async get(id) {
        const r = await db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
        return r && person(r);
      },
      async findByIdNumber(siteId, hash) {
        const r = await db
          .selectFrom('persons')
          .selectAll()
          .where('site_id', '=', siteId)
          .where('id_number_hash', '=', hash)
          .where('status', '=', 'active')
          .executeTakeFirst();
        return r && person(r);
      },
      async activeOfSite(siteId) {
        const rows = await db
          .selectFrom('persons')
          .selectAll()
          .where('site_id', '=', siteId)
          .where('status', '=', 'active')
          .orderBy('id')
          .execute();
        return rows.map(person);
      },
      async activeIdsOfSite(siteId) {
        const rows = await db
          .selectFrom('persons')
          .select('id')
          .where('site_id', '=', siteId)
          .where('status', '=', 'active')
          .execute();
        return rows.map((r) => r.id);
      },
      async countActive(siteId) {
        const r = await db
          .selectFrom('persons')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('site_id', '=', siteId)
          .where('status', '=', 'active')
          .executeTakeFirstOrThrow();
        return Number(r.n);
      },
      async update(id, patch, now) {
        await db
          .updateTable('persons')
          .set({
            updated_at: now,
            ...(patch.photoKeys ? { photo_keys: json(patch.photoKeys) } : {}),
            ...(patch.status ? { status: patch.status } : {}),
            ...(patch.name ? { name: patch.name } : {}),
          })
          .where('id', '=', id)
          .execute();
      },
    },

    tasks: {
      async create(t, distribution) {
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('tasks')
            .values({
              id: t.id,
              device_id: t.deviceId,
              apicode: t.apicode,
              state: 'queued',
              param: t.param,
              total: t.items.length,
              reason: null,
              created_at: t.createdAt,
              offered_at: null,
              fetched_at: null,
              finished_at: null,
              expires_at: t.expiresAt,
              fetches: 0,
            })
            .execute();
          await insertItems(trx, caps, t.id, 0, t.items);
          await upsertDistribution(trx, caps, distribution);
        });
      },
      async append(taskId, items, param, distribution) {
        return db.transaction().execute(async (trx) => {
          const t = await trx
            .selectFrom('tasks')
            .select(['state', 'total'])
            .where('id', '=', taskId)
            .executeTakeFirst();
          if (t?.state !== 'queued') return false;
          const first = Number(t.total);
          await insertItems(trx, caps, taskId, first, items);
          await trx
            .updateTable('tasks')
            .set({ total: first + items.length, param })
            .where('id', '=', taskId)
            .execute();
          await upsertDistribution(trx, caps, distribution);
          return true;
        });
      },
      async get(id) {
        const r = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
        return r && task(r);
      },
      async getMany(deviceId, ids) {
        if (ids.length === 0) return [];
        const rows = await db
          .selectFrom('tasks')
          .selectAll()
          .where('device_id', '=', deviceId)
          .where('id', 'in', [...ids])
          .orderBy('id')
          .execute();
        return rows.map(task);
      },
      async queuedOf(deviceId, apicode) {
        const r = await db
          .selectFrom('tasks')
          .selectAll()
          .where('device_id', '=', deviceId)
          .where('state', '=', 'queued')
          .where('apicode', '=', apicode)
          .orderBy('id', 'desc')
          .executeTakeFirst();
        return r && task(r);
      },
      async pendingIds(deviceId, reofferBefore) {
        const rows = await db
          .selectFrom('tasks')
          .select('id')
          .where('device_id', '=', deviceId)
          .where((eb) =>
            eb.or([
              eb('state', 'in', ['queued', 'offered']),
              eb.and([eb('state', '=', 'fetched'), eb('fetched_at', '<=', reofferBefore)]),
            ]),
          )
          .orderBy('id')
          .limit(1000)
          .execute();
        return rows.map((r) => r.id);
      },
      async markOffered(ids, now) {
        if (ids.length === 0) return;
        await db
          .updateTable('tasks')
          .set({ state: 'offered', offered_at: now })
          .where('id', 'in', [...ids])
          .where('state', '=', 'queued')
          .execute();
      },
      async markFetched(ids, now) {
        if (ids.length === 0) return;
        await db
          .updateTable('tasks')
          .set((eb) => ({ state: 'fetched', fetched_at: now, fetches: eb('fetches', '+', 1) }))
          .where('id', 'in', [...ids])
          .where('state', 'in', open)
          .execute();
      },
      async finish(id, state, reason, now) {
        const r = await db
          .updateTable('tasks')
          .set({ state, reason, finished_at: now })
          .where('id', '=', id)
          .where('state', 'in', open)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      },
      async supersede(deviceId, apicodes, reason, now) {
        return db.transaction().execute(async (trx) => {
          const rows = await trx
            .selectFrom('tasks')
            .select('id')
            .where('device_id', '=', deviceId)
            .where('state', 'in', open)
            .where('apicode', 'in', [...apicodes])
            .execute();
          const ids = rows.map((r) => r.id);
          if (ids.length) {
            await trx
              .updateTable('tasks')
              .set({ state: 'superseded', reason, finished_at: now })
              .where('id', 'in', ids)
              .execute();
          }
          return ids;
        });
      },
      async expire(now) {
        return db.transaction().execute(async (trx) => {
          const rows = await trx
            .selectFrom('tasks')
            .selectAll()
            .where('state', 'in', open)
            .where('expires_at', '<=', now)
            .limit(10_000)
            .execute();
          if (rows.length) {
            await trx
              .updateTable('tasks')
              .set({ state: 'expired', reason: 'expired', finished_at: now })
              .where(
                'id',
                'in',
                rows.map((r) => r.id),
              )
              .execute();
          }
          return rows.map((r) => ({ ...task(r), state: 'expired' as const, finishedAt: now }));
        });
      },
      async items(taskId, offset, limit) {
        const rows = await db
          .selectFrom('task_items')
          .selectAll()
          .where('task_id', '=', taskId)
          .where('seq', '>=', offset)
          .where('seq', '<', offset + limit)
          .orderBy('seq')
          .execute();
        return rows.map((r) => ({ personId: r.person_id, name: r.name, photoKeys: keys(r.photo_keys) }));
      },
      async allItems(taskId) {
        const rows = await db
          .selectFrom('task_items')
          .selectAll()
          .where('task_id', '=', taskId)
          .orderBy('seq')
          .execute();
        return rows.map((r) => ({ personId: r.person_id, name: r.name, photoKeys: keys(r.photo_keys) }));
      },
      async listForDevice(deviceId, limit = 100) {
        const rows = await db
          .selectFrom('tasks')
          .selectAll()
          .where('device_id', '=', deviceId)
          .orderBy('id', 'desc')
          .limit(limit)
          .execute();
        return rows.map(task);
      },
      async devicesWithQueued() {
        const rows = await db
          .selectFrom('tasks')
          .select('device_id')
          .distinct()
          .where('state', '=', 'queued')
          .execute();
        return rows.map((r) => r.device_id);
      },
      async devicesWithOpenTasks() {
        const rows = await db
          .selectFrom('tasks')
          .select('device_id')
          .distinct()
          .where('state', 'in', open)
          .execute();
        return rows.map((r) => r.device_id);
      },
    },

    distribution: {
      upsert: (rows) => upsertDistribution(db, caps, rows),
      async set(deviceId, personIds, state, reason, now) {
        for (const part of chunk([...personIds], rowsPerStatement(caps.maxBindParams, 1) - 10)) {
          await db
            .updateTable('distribution')
            .set({ state, reason, updated_at: now })
            .where('device_id', '=', deviceId)
            .where('person_id', 'in', part)
            .execute();
        }
      },
      async forDevice(deviceId, states) {
        let q = db.selectFrom('distribution').selectAll().where('device_id', '=', deviceId);
        if (states) q = q.where('state', 'in', [...states]);
        return (await q.orderBy('person_id').execute()).map(dist);
      },
      async forPerson(personId) {
        const rows = await db
          .selectFrom('distribution')
          .selectAll()
          .where('person_id', '=', personId)
          .orderBy('device_id')
          .execute();
        return rows.map(dist);
      },
      async forTask(deviceId, taskId) {
        const rows = await db
          .selectFrom('distribution')
          .selectAll()
          .where('task_id', '=', taskId)
          .where('device_id', '=', deviceId)
          .execute();
        return rows.map(dist);
      },
      async expectedAmong(deviceId, personIds) {
        const out: string[] = [];
        for (const part of chunk([...personIds], rowsPerStatement(caps.maxBindParams, 1) - 10)) {
          const rows = await db
            .selectFrom('distribution')
            .select('person_id')
            .where('device_id', '=', deviceId)
            .where('state', 'in', ['pending', 'on_device'])
            .where('person_id', 'in', part)
            .execute();
          for (const r of rows) out.push(r.person_id);
        }
        return out;
      },
      async expectedCount(deviceId) {
        const r = await db
          .selectFrom('distribution')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('device_id', '=', deviceId)
          .where('state', 'in', ['pending', 'on_device'])
          .executeTakeFirstOrThrow();
        return Number(r.n);
      },
      async counts(deviceId) {
        const rows = await db
          .selectFrom('distribution')
          .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
          .where('device_id', '=', deviceId)
          .groupBy('state')
          .execute();
        const out: Record<DistributionState, number> = {
          pending: 0,
          on_device: 0,
          failed: 0,
          refused: 0,
          removing: 0,
          removed: 0,
        };
        for (const r of rows) out[r.state as DistributionState] = Number(r.n);
        return out;
      },
    },

    firmware: {
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
          })
          .execute();
      },
      async byVersion(version) {
        const r = await db
          .selectFrom('firmware')
          .selectAll()
          .where('version', '=', version)
          .executeTakeFirst();
        return r && firmware(r);
      },
      async get(id) {
        const r = await db.selectFrom('firmware').selectAll().where('id', '=', id).executeTakeFirst();
        return r && firmware(r);
      },
      async list() {
        return (await db.selectFrom('firmware').selectAll().orderBy('created_at').execute()).map(firmware);
      },
    },

    roster: {
      async addUploads(taskId, rows) {
        const values = rows.map((r) => ({
          task_id: taskId,
          person_id: r.personId,
          name: r.name,
          has_img: r.hasImg,
        }));
        for (const part of chunk(values, rowsPerStatement(caps.maxBindParams, 4))) {
          // A page sent twice (lost answer) is harmless.
          await db
            .insertInto('roster_uploads')
            .values(part)
            .onConflict((oc) => oc.columns(['task_id', 'person_id']).doNothing())
            .execute();
        }
      },
      async uploadedIds(taskId) {
        const rows = await db
          .selectFrom('roster_uploads')
          .select('person_id')
          .where('task_id', '=', taskId)
          .orderBy('person_id')
          .execute();
        return rows.map((r) => r.person_id);
      },
      async addDiffs(rows) {
        const values = rows.map((d) => ({
          id: d.id,
          device_id: d.deviceId,
          task_id: d.taskId,
          person_id: d.personId,
          kind: d.kind,
          found_at: d.foundAt,
          repaired_by: d.repairedBy,
        }));
        for (const part of chunk(values, rowsPerStatement(caps.maxBindParams, 7))) {
          await db.insertInto('roster_diffs').values(part).execute();
        }
      },
      async openDiffs(deviceId) {
        const rows = await db
          .selectFrom('roster_diffs')
          .selectAll()
          .where('device_id', '=', deviceId)
          .where('repaired_by', 'is', null)
          .orderBy('id')
          .execute();
        return rows.map(diff);
      },
      async markRepaired(ids, taskId) {
        if (ids.length === 0) return;
        await db
          .updateTable('roster_diffs')
          .set({ repaired_by: taskId })
          .where('id', 'in', [...ids])
          .execute();
      },
    },

    deviceTasks: {
      async idsOfSite(siteId) {
        const rows = await db
          .selectFrom('devices')
          .select('id')
          .where('site_id', '=', siteId)
          .orderBy('id')
          .execute();
        return rows.map((r) => r.id);
      },
      async taskFields(deviceId) {
        const r = await db
          .selectFrom('devices')
          .select(['face_capacity', 'reported_person_count', 'reported_face_count', 'reported_at'])
          .where('id', '=', deviceId)
          .executeTakeFirst();
        const n = (v: number | null): number | null => (v === null ? null : Number(v));
        return (
          r && {
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
    },
  };
}

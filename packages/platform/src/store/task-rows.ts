/** Row mapping and shared writes of the chapter 3 repos. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Capabilities } from './dialect.js';
import type {
  Database,
  DistributionTable,
  FirmwareTable,
  RosterDiffsTable,
  TasksTable,
} from './schema-types.js';
import type {
  DistributionRow,
  DistributionState,
  FirmwareRow,
  RosterDiffRow,
  TaskItem,
  TaskRow,
  TaskState,
} from './task-types.js';
import { chunk, rowsPerStatement } from './util.js';

export const json = (v: unknown): string => JSON.stringify(v);
export const keys = (text: string | null): string[] | null =>
  text === null ? null : (JSON.parse(text) as string[]);

export function task(r: Selectable<TasksTable>): TaskRow {
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

export function dist(r: Selectable<DistributionTable>): DistributionRow {
  return {
    personId: r.person_id,
    deviceId: r.device_id,
    state: r.state as DistributionState,
    reason: r.reason,
    taskId: r.task_id,
    updatedAt: Number(r.updated_at),
  };
}

export function firmware(r: Selectable<FirmwareTable>): FirmwareRow {
  return {
    id: r.id,
    version: r.version,
    size: Number(r.size),
    sha256: r.sha256,
    fileName: r.file_name,
    createdAt: Number(r.created_at),
    vendorId: r.vendor_id,
  };
}

export function diff(r: Selectable<RosterDiffsTable>): RosterDiffRow {
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

export type Db = Kysely<Database> | Transaction<Database>;

export async function upsertDistribution(
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

export async function insertItems(
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

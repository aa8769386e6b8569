/**
 * The store's contract for chapter 3: sites and persons, the per-device task queue
 * (D11), the distribution state of every (person, device), firmware, reconciliation.
 * Persons and their site assignments have their own file (person-types.ts).
 */
import type { DeviceKind } from './device-kinds.js';
import type { AssignmentRepo, PersonRepo } from './person-types.js';
import type { SiteRepo } from './site-types.js';

export type * from './site-types.js';

/** D11 states. queued: not yet offered; offered: in a heartbeat answer or push; fetched: in a T_GET_TASKS answer. */
export type TaskState =
  | 'queued'
  | 'offered'
  | 'fetched'
  | 'done'
  | 'failed'
  | 'unsupported'
  | 'expired'
  | 'superseded'
  /** An operator withdrew it (the management API); the device gets 490_07 for it. */
  | 'cancelled';

export const OPEN_TASK_STATES: readonly TaskState[] = ['queued', 'offered', 'fetched'];

export interface TaskRow {
  id: string;
  deviceId: string;
  apicode: string;
  state: TaskState;
  param: string;
  total: number;
  reason: string | null;
  createdAt: number;
  offeredAt: number | null;
  fetchedAt: number | null;
  finishedAt: number | null;
  expiresAt: number;
  fetches: number;
}

export interface TaskItem {
  personId: string;
  name: string | null;
  photoKeys: string[] | null;
}

/** Per (person, device). */
export type DistributionState = 'pending' | 'on_device' | 'failed' | 'refused' | 'removing' | 'removed';

export interface DistributionRow {
  personId: string;
  deviceId: string;
  state: DistributionState;
  reason: string | null;
  taskId: string | null;
  updatedAt: number;
}

export interface FirmwareRow {
  id: string;
  version: string;
  size: number;
  sha256: string;
  fileName: string;
  createdAt: number;
  /** The vendor whose devices it is for; null = platform-wide (an operator's upload). */
  vendorId: string | null;
}

export interface RosterDiffRow {
  id: string;
  deviceId: string;
  taskId: string;
  personId: string;
  kind: 'missing' | 'extra';
  foundAt: number;
  repairedBy: string | null;
}

export interface NewTask {
  id: string;
  deviceId: string;
  apicode: string;
  param: string;
  createdAt: number;
  expiresAt: number;
  items: TaskItem[];
}

export interface TaskRepo {
  /** Writes the task, its frozen items and the distribution rows in one transaction. */
  create(task: NewTask, distribution: DistributionRow[]): Promise<void>;
  /** Adds items to a task still queued (coalescing); false when it is no longer queued. */
  append(taskId: string, items: TaskItem[], param: string, distribution: DistributionRow[]): Promise<boolean>;
  get(id: string): Promise<TaskRow | undefined>;
  getMany(deviceId: string, ids: readonly string[]): Promise<TaskRow[]>;
  /** The device's newest queued task of this apicode, for coalescing. */
  queuedOf(deviceId: string, apicode: string): Promise<TaskRow | undefined>;
  /** Open tasks to offer: queued, offered, or fetched before `reofferBefore`; oldest first. */
  pendingIds(deviceId: string, reofferBefore: number): Promise<string[]>;
  markOffered(ids: readonly string[], now: number): Promise<void>;
  markFetched(ids: readonly string[], now: number): Promise<void>;
  /** Moves an open task to a final state; false if it was already final. */
  finish(id: string, state: TaskState, reason: string | null, now: number): Promise<boolean>;
  /** Final-states every open task of the device with one of these apicodes (made moot by a clear + send). */
  supersede(deviceId: string, apicodes: readonly string[], reason: string, now: number): Promise<string[]>;
  /** Expires open tasks whose expiry has passed; returns them. */
  expire(now: number): Promise<TaskRow[]>;
  items(taskId: string, offset: number, limit: number): Promise<TaskItem[]>;
  allItems(taskId: string): Promise<TaskItem[]>;
  listForDevice(deviceId: string, limit?: number): Promise<TaskRow[]>;
  /** Devices with at least one open task (warms the engine's cache after a restart). */
  devicesWithOpenTasks(): Promise<string[]>;
  /** Devices with tasks not yet offered. */
  devicesWithQueued(): Promise<string[]>;
  /** Open tasks by state (OPEN_TASK_STATES, zeros included): the tasks_state_idx serves it. */
  openCounts(): Promise<Record<string, number>>;
}

export interface DistributionRepo {
  upsert(rows: readonly DistributionRow[]): Promise<void>;
  /** Sets state for these persons on one device. */
  set(
    deviceId: string,
    personIds: readonly string[],
    state: DistributionState,
    reason: string | null,
    now: number,
  ): Promise<void>;
  forDevice(deviceId: string, states?: readonly DistributionState[]): Promise<DistributionRow[]>;
  forPerson(personId: string): Promise<DistributionRow[]>;
  /** The rows a task last touched on its device (what its report settles). */
  forTask(deviceId: string, taskId: string): Promise<DistributionRow[]>;
  /**
   * A report's settlement in set-based statements (one transaction): every row the task
   * last touched on its device takes `state` and `reason`, then each person in `failed`
   * becomes `failed` with its reason. Returns the rows as they now are. What upserting
   * forTask's rows did, without reading and writing back one row per person.
   */
  settleTask(
    deviceId: string,
    taskId: string,
    state: DistributionState,
    reason: string | null,
    failed: ReadonlyMap<string, string>,
    now: number,
  ): Promise<{ personId: string; state: DistributionState }[]>;
  /** Of these persons, those pending or on the device. */
  expectedAmong(deviceId: string, personIds: readonly string[]): Promise<string[]>;
  /** Persons expected on the device (pending or on_device). */
  expectedCount(deviceId: string): Promise<number>;
  counts(deviceId: string): Promise<Record<DistributionState, number>>;
}

export interface FirmwareRepo {
  insert(row: FirmwareRow): Promise<void>;
  byVersion(version: string): Promise<FirmwareRow | undefined>;
  get(id: string): Promise<FirmwareRow | undefined>;
  list(): Promise<FirmwareRow[]>;
}

export interface RosterRepo {
  addUploads(
    taskId: string,
    rows: { personId: string; name: string | null; hasImg: number | null }[],
  ): Promise<void>;
  uploadedIds(taskId: string): Promise<string[]>;
  addDiffs(rows: readonly RosterDiffRow[]): Promise<void>;
  openDiffs(deviceId: string): Promise<RosterDiffRow[]>;
  markRepaired(ids: readonly string[], taskId: string): Promise<void>;
}

export interface DeviceTaskFields {
  kind: DeviceKind;
  faceCapacity: number | null;
  reportedPersonCount: number | null;
  reportedFaceCount: number | null;
  reportedAt: number | null;
}

export interface DeviceTaskRepo {
  /**
   * The devices bound to a site; `rosterHolders` leaves out phones (kind `mobile`), which
   * hold no roster: the platform checks a phone's selfie against the enrolled face itself.
   */
  idsOfSite(siteId: string, opts?: { rosterHolders?: boolean }): Promise<string[]>;
  taskFields(deviceId: string): Promise<DeviceTaskFields | undefined>;
  setReported(
    deviceId: string,
    personCount: number | null,
    faceCount: number | null,
    now: number,
  ): Promise<void>;
  setCapacity(deviceId: string, capacity: number | null): Promise<void>;
}

export interface TaskStore {
  sites: SiteRepo;
  persons: PersonRepo;
  assignments: AssignmentRepo;
  tasks: TaskRepo;
  distribution: DistributionRepo;
  firmware: FirmwareRepo;
  roster: RosterRepo;
  deviceTasks: DeviceTaskRepo;
}

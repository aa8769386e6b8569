/**
 * The store's contract for the management API's views of devices, tasks and firmware:
 * keyset pages over indexed columns (never a whole table), confined to a caller's scope
 * (a vendor's devices, a site manager's sites) in the query itself, so a page of an
 * out-of-scope caller costs what any page costs and leaks nothing.
 */

import type { DeviceKind } from './device-kinds.js';
import type { DeviceEventRow, DeviceRow } from './row-types.js';
import type { DistributionRow, DistributionState, FirmwareRow, TaskRow, TaskState } from './task-types.js';

export { DEVICE_KINDS, type DeviceKind } from './device-kinds.js';

/** A device row with the columns the gateway's cache does not carry. */
export interface DeviceDetail extends DeviceRow {
  kind: DeviceKind;
  /** Faces it holds at most; null = the configured default. */
  faceCapacity: number | null;
  reportedPersonCount: number | null;
  reportedFaceCount: number | null;
  reportedAt: number | null;
}

/** Where a caller may look: undefined members do not confine. */
export interface DeviceScope {
  vendorId?: string;
  /** Devices bound to one of these sites (an empty list sees nothing). */
  siteIds?: readonly string[];
}

export interface DevicePageQuery extends DeviceScope {
  /** A filter, within the scope: a vendor's devices. */
  filterVendorId?: string;
  /** A filter: one site's devices; null = unassigned ones. */
  siteId?: string | null;
  kind?: DeviceKind;
  disabled?: boolean;
  /** sn starts with this (exact, case-sensitive). */
  snPrefix?: string;
  /** Keyset: devices with id > afterId, in id order. */
  afterId?: string;
  limit: number;
}

export interface DevicePatch {
  kind?: DeviceKind;
  direction?: DeviceRow['direction'];
  /** null: back to the configured default. */
  faceCapacity?: number | null;
  /** null: unbind. */
  siteId?: string | null;
}

/** Newest first: keyset below (at, id). */
export interface EventPageQuery {
  deviceId: string;
  before?: readonly [number, string];
  limit: number;
}

/** A device's distribution rows in (state, personId) order. */
export interface DistributionPageQuery {
  deviceId: string;
  state?: DistributionState;
  after?: readonly [string, string];
  limit: number;
}

export interface DeviceApiRepo {
  page(q: DevicePageQuery): Promise<DeviceDetail[]>;
  get(id: string): Promise<DeviceDetail | undefined>;
  /** Every device with this sn within the scope (one per vendor at most). */
  bySn(sn: string, scope: DeviceScope): Promise<DeviceDetail[]>;
  /** Ids of a vendor's devices (firmware rollout to a vendor's fleet), at most `limit`. */
  idsOfVendor(vendorId: string, limit: number): Promise<string[]>;
  /** Writes the fields present; marks the row changed (wall clock) so serving processes re-read it. */
  patch(id: string, p: DevicePatch): Promise<void>;
  events(q: EventPageQuery): Promise<DeviceEventRow[]>;
  distribution(q: DistributionPageQuery): Promise<DistributionRow[]>;
}

/** A task with the device it is for. */
export interface TaskListRow extends TaskRow {
  sn: string;
  vendorId: string;
  siteId: string | null;
}

export interface TaskPageQuery extends DeviceScope {
  /** Tasks of these devices (an sn may name one per vendor). */
  deviceIds?: readonly string[];
  /** Tasks of the devices bound to this site now. */
  siteId?: string;
  apicode?: string;
  state?: TaskState;
  /** createdAt >= since, < until. */
  since?: number;
  until?: number;
  /** Newest first: ids below this. */
  beforeId?: string;
  limit: number;
}

export interface TaskApiRepo {
  page(q: TaskPageQuery): Promise<TaskListRow[]>;
  get(id: string): Promise<TaskListRow | undefined>;
}

export interface FirmwarePageQuery {
  /** A vendor's images; null = platform-wide ones; undefined = all. */
  vendorId?: string | null;
  /** Newest first: ids below this. */
  beforeId?: string;
  limit: number;
}

/** One device of a rollout: its latest task for the image and what it runs now. */
export interface RolloutRow {
  deviceId: string;
  sn: string;
  vendorId: string;
  siteId: string | null;
  deviceVersion: string | null;
  /** The store's presence column (a cluster node reads it for devices held elsewhere). */
  online: boolean;
  taskId: string;
  state: TaskState;
  reason: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface FirmwareApiRepo {
  page(q: FirmwarePageQuery): Promise<FirmwareRow[]>;
  /** Records (or replaces) each device's latest rollout task of the image. */
  recordRollout(
    firmwareId: string,
    tasks: readonly { deviceId: string; taskId: string }[],
    now: number,
  ): Promise<void>;
  /** Rollout rows in device id order, after `afterDeviceId`. */
  progress(firmwareId: string, afterDeviceId: string | undefined, limit: number): Promise<RolloutRow[]>;
  /** Devices of the rollout by the state of their task. */
  progressCounts(firmwareId: string): Promise<Partial<Record<TaskState, number>>>;
}

export interface DeviceApiStore {
  deviceApi: DeviceApiRepo;
  taskApi: TaskApiRepo;
  firmwareApi: FirmwareApiRepo;
}

/**
 * Live events (api.md "Live"): what the domain tells whoever watches — a device came
 * online or went offline, a clock-in was stored, a task finished, persons' distribution
 * to a device changed. The domain emits facts through a LiveSink; the hub (hub.ts) numbers
 * and keeps them; the management API renders and streams them (api/events/). The domain
 * never imports the API.
 *
 * Payloads carry ids and states only, never personal data beyond ids (PIPL): no names,
 * no ID numbers, no photos. Times are epoch ms here; the API renders them as ISO 8601.
 */

import type { DistributionState, TaskState } from '../../store/task-types.js';
import type { AttendanceFlag, AttendanceInput } from '../../store/types.js';

export const LIVE_EVENT_TYPES = [
  'device.online',
  'device.offline',
  'attendance.created',
  'task.finished',
  'distribution.changed',
] as const;

export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface DevicePayload {
  deviceId: string;
  sn: string;
  /** When it happened: the first request, or the last request + offlineAfterMs. */
  at: number;
}

export interface AttendancePayload {
  /** The attendance row's id. */
  id: string;
  personId: string;
  deviceId: string;
  sn: string;
  recordTime: number;
  receivedAt: number;
  type: number;
  flags: AttendanceFlag[];
  realName: boolean;
  hasPhoto: boolean;
}

export interface TaskPayload {
  taskId: string;
  deviceId: string;
  sn: string;
  apicode: string;
  state: TaskState;
  reason: string | null;
  finishedAt: number;
}

export interface DistributionPayload {
  deviceId: string;
  sn: string;
  /** The task the rows now point at; null for rows no task carries (refused for capacity). */
  taskId: string | null;
  /** Persons per state they moved to, summed over the coalescing window. */
  counts: Partial<Record<DistributionState, number>>;
  /** The persons concerned while they are few (DISTRIBUTION_IDS_MAX); null beyond. */
  personIds: string[] | null;
  updatedAt: number;
}

export interface LivePayloads {
  'device.online': DevicePayload;
  'device.offline': DevicePayload;
  'attendance.created': AttendancePayload;
  'task.finished': TaskPayload;
  'distribution.changed': DistributionPayload;
}

interface EventBase {
  /** Position in this process's stream: 1, 2, 3… without gaps. */
  readonly seq: number;
  /** When the hub took it (epoch ms): what the replay window is measured by. */
  readonly at: number;
  /** Scope for filtering: the site and vendor of the device concerned (null = none). */
  readonly siteId: string | null;
  readonly vendorId: string | null;
  /** The serialized form, filled once by the first reader that renders it. */
  wire?: string;
}

export type LiveEvent = {
  [K in LiveEventType]: EventBase & { readonly type: K; readonly data: LivePayloads[K] };
}[LiveEventType];

/** A task as far as its final state matters. */
export interface FinishedTask {
  id: string;
  deviceId: string;
  apicode: string;
}

/**
 * What the domain calls. Every method is synchronous and cheap (no I/O on the caller's
 * path): the attendance writer calls it thousands of times a second.
 */
export interface LiveSink {
  deviceOnline(deviceId: string, at: number): void;
  deviceOffline(deviceId: string, at: number): void;
  /** A row newly stored (not a duplicate), after its durable commit. */
  attendanceCreated(record: AttendanceInput, id: string): void;
  taskFinished(task: FinishedTask, state: TaskState, reason: string | null, at: number): void;
  /** Rows of one device moved to these states (coalesced before they become events). */
  distributionChanged(
    deviceId: string,
    taskId: string | null,
    rows: readonly { personId: string; state: DistributionState }[],
    at: number,
  ): void;
}

/** Where no one listens (the operator CLI, tests of a part alone). */
export const NO_LIVE: LiveSink = {
  deviceOnline() {},
  deviceOffline() {},
  attendanceCreated() {},
  taskFinished() {},
  distributionChanged() {},
};

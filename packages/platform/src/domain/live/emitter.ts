/**
 * The domain's LiveSink on the hub: turns what happened into events with the scope
 * (site, vendor) a reader is filtered by.
 *
 * - Device and task events name a device: its site and vendor come from the Devices
 *   cache, synchronously. A device not cached in this process (a task expiring for a
 *   device that never connected here) is read from the store first; events of such a
 *   device wait for that read in order, so a device's events are never reordered.
 * - A clock-in carries its own site and vendor: published at once, O(1).
 * - Distribution changes are coalesced per (device, task) over coalesceMs, so enrolling
 *   10,000 persons, which changes 10,000 rows on every device of the site, is a few
 *   events per device, not 10,000: counts per state, and the person ids while they are few.
 */

import type { DistributionState, TaskState } from '../../store/task-types.js';
import type { AttendanceInput, DeviceRow } from '../../store/types.js';
import type { EventHub } from './hub.js';
import type { FinishedTask, LiveSink } from './types.js';

/** Where LiveEvents puts its events: the hub, or the hub and the cluster (cluster/live-bus.ts). */
export type EventOutlet = Pick<EventHub, 'emit'>;

/** Person ids listed in one distribution.changed event; beyond this, counts only. */
export const DISTRIBUTION_IDS_MAX = 100;

export interface DeviceLookup {
  cachedById(id: string): DeviceRow | undefined;
  byId(id: string): Promise<DeviceRow | undefined>;
}

export interface LiveEventsOptions {
  /** How long distribution changes of one (device, task) are summed before they go out. */
  coalesceMs: number;
  /** A failed device read (the event is dropped). */
  onError(err: unknown): void;
}

interface PendingDistribution {
  deviceId: string;
  taskId: string | null;
  counts: Partial<Record<DistributionState, number>>;
  personIds: Set<string> | null;
  updatedAt: number;
}

export class LiveEvents implements LiveSink {
  readonly #hub: EventOutlet;
  readonly #devices: DeviceLookup;
  readonly #opts: LiveEventsOptions;
  /** Devices whose events wait for a store read, chained in order. */
  readonly #waiting = new Map<string, Promise<void>>();
  #distribution = new Map<string, PendingDistribution>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(hub: EventOutlet, devices: DeviceLookup, opts: LiveEventsOptions) {
    this.#hub = hub;
    this.#devices = devices;
    this.#opts = opts;
  }

  deviceOnline(deviceId: string, at: number): void {
    this.#forDevice(deviceId, (d) =>
      this.#hub.emit('device.online', d.siteId, d.vendorId, { deviceId, sn: d.sn, at }),
    );
  }

  deviceOffline(deviceId: string, at: number): void {
    this.#forDevice(deviceId, (d) =>
      this.#hub.emit('device.offline', d.siteId, d.vendorId, { deviceId, sn: d.sn, at }),
    );
  }

  attendanceCreated(r: AttendanceInput, id: string): void {
    this.#hub.emit('attendance.created', r.siteId, r.vendorId, {
      id,
      personId: r.personId,
      deviceId: r.deviceId,
      sn: r.sn,
      recordTime: r.recordTime,
      receivedAt: r.receivedAt,
      type: r.type,
      flags: r.flags,
      realName: r.realName,
      hasPhoto: r.photoKey !== null,
    });
  }

  taskFinished(task: FinishedTask, state: TaskState, reason: string | null, at: number): void {
    this.#forDevice(task.deviceId, (d) =>
      this.#hub.emit('task.finished', d.siteId, d.vendorId, {
        taskId: task.id,
        deviceId: task.deviceId,
        sn: d.sn,
        apicode: task.apicode,
        state,
        reason,
        finishedAt: at,
      }),
    );
  }

  distributionChanged(
    deviceId: string,
    taskId: string | null,
    rows: readonly { personId: string; state: DistributionState }[],
    at: number,
  ): void {
    if (rows.length === 0 || this.#closed) return;
    const key = `${deviceId}\u0000${taskId ?? ''}`;
    let p = this.#distribution.get(key);
    if (!p) {
      p = { deviceId, taskId, counts: {}, personIds: new Set(), updatedAt: at };
      this.#distribution.set(key, p);
    }
    for (const r of rows) {
      p.counts[r.state] = (p.counts[r.state] ?? 0) + 1;
      if (p.personIds) {
        p.personIds.add(r.personId);
        if (p.personIds.size > DISTRIBUTION_IDS_MAX) p.personIds = null;
      }
    }
    if (at > p.updatedAt) p.updatedAt = at;
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), this.#opts.coalesceMs);
      this.#timer.unref();
    }
  }

  /** Publishes the coalesced distribution changes now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#distribution;
    this.#distribution = new Map();
    for (const p of pending.values()) {
      this.#forDevice(p.deviceId, (d) =>
        this.#hub.emit('distribution.changed', d.siteId, d.vendorId, {
          deviceId: p.deviceId,
          sn: d.sn,
          taskId: p.taskId,
          counts: p.counts,
          personIds: p.personIds ? [...p.personIds] : null,
          updatedAt: p.updatedAt,
        }),
      );
    }
  }

  /** Stops coalescing for good; what is pending is dropped (the streams have closed). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#distribution.clear();
  }

  #forDevice(deviceId: string, publish: (d: DeviceRow) => void): void {
    const before = this.#waiting.get(deviceId);
    if (!before) {
      const cached = this.#devices.cachedById(deviceId);
      if (cached) {
        publish(cached);
        return;
      }
    }
    const next = (before ?? Promise.resolve())
      .then(async () => {
        const row = this.#devices.cachedById(deviceId) ?? (await this.#devices.byId(deviceId));
        if (row) publish(row);
      })
      .catch((err: unknown) => this.#opts.onError(err))
      .finally(() => {
        if (this.#waiting.get(deviceId) === next) this.#waiting.delete(deviceId);
      });
    this.#waiting.set(deviceId, next);
  }
}

/**
 * What operators do to one device, for the CLI and the management API alike: find it by
 * its sn, bind it to a site (the site's roster follows), unbind it (the device is
 * cleared: a device that left a site must not keep its workers' faces, PIPL), resync and
 * clear it, and read its distribution (what the platform expects on it against what it
 * reported). Changes to the site reach the serving gateway's cache at once.
 */
import type { Devices } from '../domain/devices.js';
import type { DeviceDetail, DistributionState, Store } from '../store/index.js';
import type { DeviceRow } from '../store/types.js';
import type { Enqueued, TaskEngine } from './engine.js';
import type { Persons } from './persons.js';

interface Data {
  store: Store;
  persons: Persons;
  engine: TaskEngine;
  devices: Devices;
}

/** Every device with this sn (one per vendor at most: D5 makes an sn unique per vendor only). */
export function devicesBySn(store: Store, sn: string): Promise<DeviceDetail[]> {
  return store.deviceApi.bySn(sn, {});
}

/** The one device an sn names, or an error that says why not (none, or several vendors). */
export async function deviceBySn(store: Store, sn: string): Promise<DeviceDetail> {
  const matches = await devicesBySn(store, sn);
  if (matches.length !== 1)
    throw new Error(matches.length ? `sn ${sn} is used by several vendors` : `no device ${sn}`);
  return matches[0]!;
}

/** Binds the device to a site: clear, then the site's whole roster (persons.bindDevice). */
export async function bindDevice(data: Data, deviceId: string, siteId: string): Promise<Enqueued> {
  const sent = await data.persons.bindDevice(deviceId, siteId);
  await data.devices.reload(deviceId);
  return sent;
}

/** Unbinds the device and clears it; returns the clear task's id. */
export async function unbindDevice(data: Data, deviceId: string): Promise<string> {
  await data.store.deviceApi.patch(deviceId, { siteId: null });
  await data.devices.reload(deviceId);
  return data.engine.clear(deviceId, 'superseded: the device was unbound from its site');
}

export interface DistributionSummary {
  deviceId: string;
  sn: string;
  siteId: string | null;
  /** The engine refuses persons beyond this (§3(11)). */
  faceCapacity: number;
  expectedPersons: number;
  reportedPersonCount: number | null;
  reportedFaceCount: number | null;
  reportedAt: number | null;
  states: Record<DistributionState, number>;
  openDifferences: { missing: number; extra: number };
}

/** What the platform expects on a device against what the device last reported (T_UPDATE_TASKS_STATUS). */
export async function distributionSummary(
  store: Store,
  defaultCapacity: number,
  device: DeviceRow,
): Promise<DistributionSummary> {
  const counts = await store.distribution.counts(device.id);
  const fields = await store.deviceTasks.taskFields(device.id);
  const diffs = await store.roster.openDiffs(device.id);
  return {
    deviceId: device.id,
    sn: device.sn,
    siteId: device.siteId,
    faceCapacity: fields?.faceCapacity ?? defaultCapacity,
    expectedPersons: counts.pending + counts.on_device,
    reportedPersonCount: fields?.reportedPersonCount ?? null,
    reportedFaceCount: fields?.reportedFaceCount ?? null,
    reportedAt: fields?.reportedAt ?? null,
    states: counts,
    openDifferences: {
      missing: diffs.filter((d) => d.kind === 'missing').length,
      extra: diffs.filter((d) => d.kind === 'extra').length,
    },
  };
}

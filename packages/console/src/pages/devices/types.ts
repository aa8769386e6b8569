/** The shapes the device routes answer with (platform/src/api/routes/device-*.ts, tasks.ts). */
export const DEVICE_KINDS = ['face', 'iris', 'gate', 'mobile', 'qr', 'capture'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const DIRECTIONS = ['in', 'out', 'both'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface Device {
  deviceId: string;
  sn: string;
  vendorId: string;
  siteId: string | null;
  kind: DeviceKind;
  direction: Direction;
  disabled: boolean;
  online: boolean;
  connected: boolean;
  lastSeenAt: string | null;
  firstSeenAt: string | null;
  deviceVersion: string | null;
  deviceIp: string | null;
  faceCapacity: number;
  faceCapacityIsDefault: boolean;
  reportedPersonCount: number | null;
  reportedFaceCount: number | null;
  reportedAt: string | null;
  createdAt: string;
  /**
   * A phone's worker (kind `mobile`: the person who registered it with their one-time
   * code). Absent on other kinds, and on platforms that do not report it.
   */
  personId?: string | null;
}

export type DistributionState = 'pending' | 'on_device' | 'failed' | 'refused' | 'removing' | 'removed';

export interface DistributionRow {
  personId: string;
  state: DistributionState;
  reason: string | null;
  taskId: string | null;
  updatedAt: string;
}

export interface Distribution {
  faceCapacity: number;
  expectedPersons: number;
  reportedPersonCount: number | null;
  reportedFaceCount: number | null;
  reportedAt: string | null;
  states: Record<DistributionState, number>;
  openDifferences: { missing: number; extra: number };
  items: DistributionRow[];
  nextCursor: string | null;
}

export interface Task {
  taskId: string;
  sn: string;
  apicode: string;
  state: string;
  total: number | null;
  reason: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface DeviceEvent {
  eventId: string;
  at: string;
  kind: string;
  code: string | null;
  detail: string | null;
}

/** The path of one device (sn in the URL, vendorId when vendors share the sn). */
export const devicePath = (d: Pick<Device, 'sn'>) => `/devices/${encodeURIComponent(d.sn)}`;

import type { ApiStore } from './api-types.js';
import type { AttendanceApiRepo } from './attendance-api-types.js';
import type { DeviceApiStore } from './device-api-types.js';
import type { ImportStore } from './import-types.js';
import type { TaskStore } from './task-types.js';

/**
 * The store's contract: what the domain reads and writes, whatever database is behind
 * it. SQLite (embedded default) and PostgreSQL both implement it and both pass the one
 * shared suite in test/store/store.suite.ts. Times are epoch milliseconds; ids are text.
 */

export type VendorStatus = 'active' | 'revoked';

export interface VendorRow {
  id: string;
  name: string;
  accessId: string;
  accessKey: string;
  /** accessSecret encrypted under the master key (domain/secrets.ts); never stored in clear. */
  secretEnc: string;
  /** Bumped by every rotation, so tokens issued under an older secret fail with 401_02. */
  secretVersion: number;
  status: VendorStatus;
  /** RSA public key for response encryption (D12); null = off. */
  publicKeyPem: string | null;
  createdAt: number;
  updatedAt: number;
}

export type Direction = 'in' | 'out' | 'both';

export interface DeviceRow {
  id: string;
  vendorId: string;
  sn: string;
  /** Site (工地) the device is bound to; null = unassigned. */
  siteId: string | null;
  disabled: boolean;
  /** 'auto': registered by its first valid C_AUTH; 'operator': pre-registered. */
  registeredBy: 'auto' | 'operator';
  deviceVersion: string | null;
  deviceIp: string | null;
  firstSeenAt: number | null;
  lastSeenAt: number | null;
  online: boolean;
  direction: Direction;
  createdAt: number;
}

export type DeviceEventKind = 'registered' | 'online' | 'offline' | 'auth_failed' | 'disabled' | 'enabled';

export interface DeviceEventRow {
  id: string;
  deviceId: string;
  at: number;
  kind: DeviceEventKind;
  /** Error code for auth_failed. */
  code: string | null;
  detail: string | null;
}

/** Why a record was kept but flagged (D9: a clock-in is never refused for these). */
export type AttendanceFlag =
  | 'photo_too_large'
  | 'photo_bad_format'
  | 'photo_undecodable'
  | 'photo_too_small'
  | 'photo_bad_base64'
  | 'unknown_person'
  | 'not_real_name'
  | 'device_unassigned';

export interface AttendanceInput {
  deviceId: string;
  vendorId: string;
  sn: string;
  siteId: string | null;
  personId: string;
  /** 2.3.2 recordTime, epoch ms. */
  recordTime: number;
  type: number;
  bitType: number | null;
  /** 2.3.2 qrCodeInfo as compact JSON text. */
  qrCodeInfo: string | null;
  /** Blob key of the stored photo (content address); null when none or rejected. */
  photoKey: string | null;
  temperature: number | null;
  irisInfo: string | null;
  longitude: number | null;
  latitude: number | null;
  realName: boolean;
  flags: AttendanceFlag[];
  receivedAt: number;
  /** receivedAt - recordTime: the standard's upload delay (3(14): at most 10 s). */
  latencyMs: number;
}

export interface AttendanceRow extends AttendanceInput {
  id: string;
}

/** Outcome of inserting one record of a batch: the id it has now, and whether it existed. */
export interface InsertOutcome {
  id: string;
  duplicate: boolean;
}

export interface AttendanceQuery {
  sn?: string;
  deviceId?: string;
  /** recordTime >= since */
  since?: number;
  limit?: number;
}

export interface DeviceQuery {
  vendorId?: string;
  siteId?: string | null;
  online?: boolean;
  limit?: number;
}

export interface VendorRepo {
  insert(v: VendorRow): Promise<void>;
  byId(id: string): Promise<VendorRow | undefined>;
  byAccessId(accessId: string): Promise<VendorRow | undefined>;
  list(): Promise<VendorRow[]>;
  /** Up to `limit` vendors with id > `after`, by id (the primary key: a keyset page). */
  page(after: string | undefined, limit: number): Promise<VendorRow[]>;
  update(id: string, patch: Partial<Omit<VendorRow, 'id' | 'createdAt'>>): Promise<void>;
}

/** A batched presence write: what the gateway learnt of a device since the last flush. */
export interface DeviceSeen {
  id: string;
  lastSeenAt: number;
  online: boolean;
  deviceVersion?: string;
  deviceIp?: string;
}

export interface DeviceRepo {
  insert(d: DeviceRow): Promise<void>;
  byId(id: string): Promise<DeviceRow | undefined>;
  byVendorSn(vendorId: string, sn: string): Promise<DeviceRow | undefined>;
  list(q?: DeviceQuery): Promise<DeviceRow[]>;
  update(id: string, patch: Partial<Omit<DeviceRow, 'id' | 'vendorId' | 'sn' | 'createdAt'>>): Promise<void>;
  /** Devices an operator changed (update()) at or after `since`: what a cache must re-read. */
  changedSince(since: number): Promise<DeviceRow[]>;
  /** Many presence updates in one transaction; firstSeenAt is set where it was null. */
  seen(updates: DeviceSeen[]): Promise<void>;
}

export interface EventRepo {
  insertMany(events: DeviceEventRow[]): Promise<void>;
  listForDevice(deviceId: string, limit?: number): Promise<DeviceEventRow[]>;
}

/** The ingest path and the CLI's reads, and the management API's (attendance-api-types.ts). */
export interface AttendanceRepo extends AttendanceApiRepo {
  /**
   * Inserts a batch in one durable transaction, idempotent on
   * (deviceId, personId, recordTime, type) (D9): an existing record is reported as a
   * duplicate with its id and left unchanged. Outcomes are in input order.
   */
  insertBatch(records: AttendanceInput[]): Promise<InsertOutcome[]>;
  list(q?: AttendanceQuery): Promise<AttendanceRow[]>;
  count(q?: AttendanceQuery): Promise<number>;
}

/** Chapter 3's repos (task-types.ts) are part of the one store. */
export interface Store extends TaskStore, ApiStore, DeviceApiStore, ImportStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly vendors: VendorRepo;
  readonly devices: DeviceRepo;
  readonly events: EventRepo;
  readonly attendance: AttendanceRepo;
  /** Cheap liveness probe (SELECT 1). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

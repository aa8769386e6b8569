import type { ApiStore } from './api-types.js';
import type { AttendanceApiRepo } from './attendance-api-types.js';
import type { AttendancePartitions } from './attendance-partitions-types.js';
import type { AttendanceRulesRepo } from './attendance-rules-types.js';
import type { AttendanceStatsRepo } from './attendance-stats-types.js';
import type { DeviceApiStore } from './device-api-types.js';
import type { ImportStore } from './import-types.js';
import type { MobileRepo } from './mobile-types.js';
import type { PersonIrisRepo } from './person-iris-types.js';
import type { QrRepo } from './qr-types.js';
import type { AttendanceInput, AttendanceRow, DeviceEventRow, DeviceRow, VendorRow } from './row-types.js';
import type { TaskStore } from './task-types.js';
import type { WebhookRepo } from './webhook-types.js';

/**
 * The store's contract: what the domain reads and writes, whatever database is behind
 * it. SQLite (embedded default) and PostgreSQL both implement it and both pass the one
 * shared suite in test/store/store.suite.ts. Times are epoch milliseconds; ids are text.
 * The core tables' rows are in row-types.ts.
 */

export type {
  AttendanceFlag,
  AttendanceInput,
  AttendanceRow,
  DeviceEventKind,
  DeviceEventRow,
  DeviceRow,
  Direction,
  UploadClass,
  VendorRow,
  VendorStatus,
} from './row-types.js';

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
  /** Only devices whose stored last request came before this (epoch ms). */
  seenBefore?: number;
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

/** What an operator controls of a device, as a cache re-reads it after a change. */
export interface DeviceChange {
  id: string;
  disabled: boolean;
  siteId: string | null;
  direction: DeviceRow['direction'];
  changedAt: number;
}

export interface DeviceRepo {
  insert(d: DeviceRow): Promise<void>;
  byId(id: string): Promise<DeviceRow | undefined>;
  byVendorSn(vendorId: string, sn: string): Promise<DeviceRow | undefined>;
  list(q?: DeviceQuery): Promise<DeviceRow[]>;
  update(id: string, patch: Partial<Omit<DeviceRow, 'id' | 'vendorId' | 'sn' | 'createdAt'>>): Promise<void>;
  /**
   * Devices an operator changed (update()) at or after `since`: what a cache must re-read,
   * only the fields an operator controls, in (changedAt, id) order, `limit` at a time
   * after `after` (the last row of the page before).
   */
  changedSince(since: number, page?: { after?: DeviceChange; limit?: number }): Promise<DeviceChange[]>;
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
  /** The clock-in rules' reads: flag counts, upload delay (attendance-rules.ts). */
  readonly attendanceRules: AttendanceRulesRepo;
  /** Daily attendance statistics (attendance-stats.ts, docs/attendance-statistics.md). */
  readonly stats: AttendanceStatsRepo;
  /** Iris images per person and eye (person-iris.ts). */
  readonly personIris: PersonIrisRepo;
  /** Person QR codes: site keys and issued codes (qr.ts). */
  readonly qr: QrRepo;
  /** Outbound webhooks: registrations, the outbox, the follower's mark (webhooks.ts). */
  readonly webhooks: WebhookRepo;
  /** Mobile attendance: registration codes, phones' credentials, the mobile vendor (mobile.ts). */
  readonly mobile: MobileRepo;
  /** Attendance partitioned by month on PostgreSQL (attendance-partitions.ts); nothing on SQLite. */
  readonly partitions: AttendancePartitions;
  /** Cheap liveness probe (SELECT 1). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

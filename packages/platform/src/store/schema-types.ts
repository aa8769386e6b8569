/**
 * The tables as Kysely sees them (snake_case, one interface per table). Booleans are
 * integers 0/1 and times are epoch-ms bigints on both dialects, so one row shape serves
 * SQLite and PostgreSQL; the repos map these rows to and from the contract's types.
 */
import type { DeviceEventKind, Direction, VendorStatus } from './types.js';

/** 0 = false, 1 = true: SQLite has no boolean type, and one encoding keeps the repos dialect-free. */
export type Bool01 = 0 | 1;

export interface VendorsTable {
  id: string;
  name: string;
  access_id: string;
  access_key: string;
  secret_enc: string;
  secret_version: number;
  status: VendorStatus;
  public_key_pem: string | null;
  created_at: number;
  updated_at: number;
}

export interface SitesTable {
  id: string;
  name: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  vendor_id: string;
  sn: string;
  site_id: string | null;
  disabled: Bool01;
  registered_by: 'auto' | 'operator';
  device_version: string | null;
  device_ip: string | null;
  first_seen_at: number | null;
  last_seen_at: number | null;
  online: Bool01;
  direction: Direction;
  created_at: number;
  /** Last operator change (migration 0004); null on rows from before it. */
  changed_at: number | null;
}

export interface DeviceEventsTable {
  id: string;
  device_id: string;
  at: number;
  kind: DeviceEventKind;
  code: string | null;
  detail: string | null;
}

export interface AttendanceTable {
  id: string;
  device_id: string;
  vendor_id: string;
  sn: string;
  site_id: string | null;
  person_id: string;
  record_time: number;
  type: number;
  bit_type: number | null;
  qr_code_info: string | null;
  photo_key: string | null;
  temperature: number | null;
  iris_info: string | null;
  longitude: number | null;
  latitude: number | null;
  real_name: Bool01;
  /** JSON text array of AttendanceFlag. */
  flags: string;
  received_at: number;
  latency_ms: number;
}

export interface Database {
  vendors: VendorsTable;
  sites: SitesTable;
  devices: DevicesTable;
  device_events: DeviceEventsTable;
  attendance: AttendanceTable;
}

/**
 * The tables as Kysely sees them (snake_case, one interface per table). Booleans are
 * integers 0/1 and times are epoch-ms bigints on both dialects, so one row shape serves
 * SQLite and PostgreSQL; the repos map these rows to and from the contract's types.
 */
import type { Generated } from 'kysely';
import type { DeviceKind } from './device-api-types.js';
import type { ImportRowsTable, ImportsTable } from './import-types.js';
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
  /** Migration 0009: the site's own fields, its geofence (JSON text) and its version. */
  address: string | null;
  general_contractor: string | null;
  lat: number | null;
  lng: number | null;
  geofence: string | null;
  /** Migration 0017: metres outside the geofence still counted inside. */
  fence_tolerance_m: Generated<number>;
  version: Generated<number>;
  updated_at: Generated<number>;
}

export interface SiteSubcontractorsTable {
  id: string;
  site_id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface SiteTeamsTable {
  id: string;
  site_id: string;
  name: string;
  subcontractor_id: string | null;
  created_at: number;
  updated_at: number;
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
  /** Faces the device holds at most (§3(11)); null = the configured default. */
  face_capacity: number | null;
  /** personCount / faceCount of its last T_UPDATE_TASKS_STATUS (3.2). */
  reported_person_count: number | null;
  reported_face_count: number | null;
  reported_at: number | null;
  /** What the device is (migration 0011); 'face' unless set. */
  kind: Generated<DeviceKind>;
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
  /**
   * Why the photo is gone (migration 0012): 'expired' (retention) or 'erased' (the person
   * was erased). Optional: the ingest insert leaves it out, and null is its default.
   */
  photo_removed?: 'expired' | 'erased' | null;
  /** Migration 0017: the 10-second clause's class ('live' | 'late' | 'backlog'); null before. */
  upload_class: string | null;
  /** Migration 0017: metres outside the site's fence (0 inside); null when not checked. */
  fence_distance_m: number | null;
  /** Migration 0022: coordinate.accuracy in metres (kaoqin extension); null when not sent. */
  coordinate_accuracy_m: number | null;
}

/** How far a job has gone through attendance in id order (migration 0012). */
export interface AttendanceRetentionMarksTable {
  name: string;
  last_id: string;
  updated_at: number;
}

/** Platform-wide identities (migration 0010: no site of their own; see site_assignments). */
export interface PersonsTable {
  id: string;
  name: string;
  /** Sealed JSON of PersonPii (domain/secrets.ts); '' once erased. */
  pii_enc: string;
  /** Keyed hash of the ID number, unique; null once erased. */
  id_number_hash: string | null;
  /** First six characters of the ID number (the masked view); null on rows from before 0010. */
  id_number_head: string | null;
  id_number_tail: string;
  /** JSON text array of photo blob keys. */
  photo_keys: string;
  /** Blob key of the ID card's own photo (§1.1(1)). */
  id_card_photo_key: string | null;
  /** Face-vs-ID-card 1:1 (migration 0015): similarity, the threshold used, outcome, when. */
  face_match_score: number | null;
  face_match_threshold: number | null;
  face_match_outcome: Generated<'match' | 'mismatch' | 'not_checked'>;
  face_checked_at: number | null;
  /** A flagged mismatch's review: none, required, accepted, rejected; by whom, when. */
  review_state: Generated<'none' | 'required' | 'accepted' | 'rejected'>;
  reviewed_by: string | null;
  reviewed_at: number | null;
  /** Sealed blobs of the ID card's front and back images (§1.1(2)). */
  id_card_front_key: string | null;
  id_card_back_key: string | null;
  status: 'active' | 'erased';
  /** Bumped by every change: the etag of If-Match. */
  version: number;
  created_at: number;
  updated_at: number;
  erased_at: number | null;
}

/** A person's work on a site (migration 0010). Dates are yyyy-MM-dd, China time. */
export interface SiteAssignmentsTable {
  id: string;
  person_id: string;
  site_id: string;
  company: string | null;
  team: string | null;
  trade: string | null;
  joined_on: string;
  left_on: string | null;
  status: 'active' | 'ended';
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

/** Every photo file a person ever had (faces, replaced ones, the ID card's): what erasure deletes. */
export interface PersonBlobsTable {
  blob_key: string;
  person_id: string;
}

/** Person ids folded into another identity by migration 0010 (they shared an ID number). */
export interface PersonMergesTable {
  merged_id: string;
  person_id: string;
  merged_at: number;
}

export interface TasksTable {
  id: string;
  device_id: string;
  apicode: string;
  state: string;
  /** The task's own data as JSON text (paging hint, excludeFields, firmware id). */
  param: string;
  /** Persons in the frozen roster (person tasks), else 0. */
  total: number;
  reason: string | null;
  created_at: number;
  offered_at: number | null;
  fetched_at: number | null;
  finished_at: number | null;
  expires_at: number;
  fetches: number;
}

export interface TaskItemsTable {
  task_id: string;
  seq: number;
  person_id: string;
  name: string | null;
  photo_keys: string | null;
}

export interface DistributionTable {
  person_id: string;
  device_id: string;
  state: string;
  reason: string | null;
  task_id: string | null;
  updated_at: number;
}

export interface FirmwareTable {
  id: string;
  version: string;
  size: number;
  sha256: string;
  file_name: string;
  created_at: number;
  /** The vendor whose devices it is for (migration 0011); null = platform-wide. */
  vendor_id: string | null;
}

/** The latest rollout task of an image per device (migration 0011). */
export interface FirmwareRolloutsTable {
  firmware_id: string;
  device_id: string;
  task_id: string;
  created_at: number;
}

export interface RosterUploadsTable {
  task_id: string;
  person_id: string;
  name: string | null;
  has_img: number | null;
}

export interface RosterDiffsTable {
  id: string;
  device_id: string;
  task_id: string;
  person_id: string;
  kind: 'missing' | 'extra';
  found_at: number;
  repaired_by: string | null;
}

export interface AccountsTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  /** JSON text array of site ids (site_manager). */
  site_ids: string;
  vendor_id: string | null;
  disabled: Bool01;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** sha256 of the bearer token, hex: the token itself is never stored. */
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  ip: string | null;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor_id: string | null;
  actor: string;
  role: string | null;
  action: string;
  resource: string;
  resource_id: string | null;
  site_id: string | null;
  ip: string | null;
  /** JSON text: what changed or was revealed (field names, never the values revealed). */
  detail: string | null;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  request_hash: string;
  /** null while the first request is still being handled. */
  status: number | null;
  headers: string | null;
  body: string | null;
  created_at: number;
}

export interface Database {
  vendors: VendorsTable;
  sites: SitesTable;
  site_subcontractors: SiteSubcontractorsTable;
  site_teams: SiteTeamsTable;
  devices: DevicesTable;
  device_events: DeviceEventsTable;
  attendance: AttendanceTable;
  attendance_retention_marks: AttendanceRetentionMarksTable;
  persons: PersonsTable;
  site_assignments: SiteAssignmentsTable;
  person_merges: PersonMergesTable;
  person_blobs: PersonBlobsTable;
  tasks: TasksTable;
  task_items: TaskItemsTable;
  distribution: DistributionTable;
  firmware: FirmwareTable;
  firmware_rollouts: FirmwareRolloutsTable;
  roster_uploads: RosterUploadsTable;
  roster_diffs: RosterDiffsTable;
  accounts: AccountsTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  imports: ImportsTable;
  import_rows: ImportRowsTable;
}

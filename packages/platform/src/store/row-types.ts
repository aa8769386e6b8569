/**
 * The rows of the core tables (vendors, devices, device events, attendance) as the store's
 * contract (types.ts) gives them. Apart from types.ts so the contract's other parts
 * (device-api-types.ts, attendance-api-types.ts) can use them without importing the
 * module that composes them into the Store (an import cycle).
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
  | 'device_unassigned'
  // Issue 12's clock-in rules (domain/attendance-rules/, docs/attendance-rules.md).
  | 'indirect'
  | 'bit_type_mismatch'
  | 'qr_missing'
  | 'qr_invalid'
  | 'qr_expired'
  | 'qr_forged'
  | 'qr_other_site'
  | 'qr_person_mismatch'
  | 'health_code_red'
  | 'health_code_yellow'
  | 'coordinate_missing'
  | 'outside_fence'
  | 'no_fence'
  | 'face_unverified'
  // Issue 14's 1:1 of a mobile clock-in's selfie (domain/attendance-rules/face-verify.ts).
  | 'face_mismatch'
  | 'face_not_found'
  | 'face_multiple'
  | 'face_not_enrolled'
  // A registered phone (issue 14) clocks in its own worker, as type 64 only.
  | 'phone_other_person'
  | 'phone_wrong_type'
  | 'temperature_implausible'
  | 'fever'
  | 'upload_late'
  | 'upload_backlog'
  | 'clock_ahead';

/**
 * The 10-second clause (§5(5)): uploaded within 10 s of recordTime (live), later while
 * the device was online (late), or made while it was offline and sent after (backlog).
 */
export type UploadClass = 'live' | 'late' | 'backlog';

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
  /** The 10-second clause's class; null when the rules were off (or before migration 0017). */
  uploadClass?: UploadClass | null;
  /** Metres outside the site's fence (0 inside); null when not checked. */
  fenceDistanceM?: number | null;
  /**
   * The position's accuracy in metres: coordinate.accuracy, kaoqin's extension of 2.3.2
   * (our phone page sends it); null when not sent or not a usable number.
   */
  coordinateAccuracyM?: number | null;
}

export interface AttendanceRow extends AttendanceInput {
  id: string;
  uploadClass: UploadClass | null;
  fenceDistanceM: number | null;
  coordinateAccuracyM: number | null;
}

/** Attendance records between the contract's shape and the table's. */
import type { Selectable } from 'kysely';
import type { AttendanceTable } from './schema-types.js';
import type { AttendanceFlag, AttendanceInput, AttendanceRow, UploadClass } from './types.js';
import { toBool01 } from './util.js';

/** D9's idempotency key, as the unique constraint spells it. */
export const KEY_COLUMNS = ['device_id', 'person_id', 'record_time', 'type'] as const;

export type KeyFields = Pick<AttendanceTable, (typeof KEY_COLUMNS)[number]>;

/** The key as one string; NUL cannot occur in the protocol's text fields. */
export function keyOf(r: KeyFields): string {
  return `${r.device_id}\u0000${r.person_id}\u0000${r.record_time}\u0000${r.type}`;
}

/**
 * Every column is set, nullable ones to null when a caller left them out: a row with an
 * undefined value would make Kysely write DEFAULT there and change the statement's shape,
 * which the batch insert's cached SQL relies on staying the same.
 */
export function toDb(a: AttendanceInput, id: string): AttendanceTable {
  return {
    id,
    device_id: a.deviceId,
    vendor_id: a.vendorId,
    sn: a.sn,
    site_id: a.siteId ?? null,
    person_id: a.personId,
    record_time: a.recordTime,
    type: a.type,
    bit_type: a.bitType ?? null,
    qr_code_info: a.qrCodeInfo ?? null,
    photo_key: a.photoKey ?? null,
    temperature: a.temperature ?? null,
    iris_info: a.irisInfo ?? null,
    longitude: a.longitude ?? null,
    latitude: a.latitude ?? null,
    real_name: toBool01(a.realName),
    flags: JSON.stringify(a.flags ?? []),
    received_at: a.receivedAt,
    latency_ms: a.latencyMs,
    upload_class: a.uploadClass ?? null,
    fence_distance_m: a.fenceDistanceM ?? null,
    coordinate_accuracy_m: a.coordinateAccuracyM ?? null,
  };
}

export function fromDb(r: Selectable<AttendanceTable>): AttendanceRow {
  return {
    id: r.id,
    deviceId: r.device_id,
    vendorId: r.vendor_id,
    sn: r.sn,
    siteId: r.site_id,
    personId: r.person_id,
    recordTime: r.record_time,
    type: r.type,
    bitType: r.bit_type,
    qrCodeInfo: r.qr_code_info,
    photoKey: r.photo_key,
    temperature: r.temperature,
    irisInfo: r.iris_info,
    longitude: r.longitude,
    latitude: r.latitude,
    realName: r.real_name === 1,
    flags: JSON.parse(r.flags) as AttendanceFlag[],
    receivedAt: r.received_at,
    latencyMs: r.latency_ms,
    uploadClass: r.upload_class as UploadClass | null,
    // double precision may come back as text from some drivers: a number either way.
    fenceDistanceM: r.fence_distance_m === null ? null : Number(r.fence_distance_m),
    coordinateAccuracyM: r.coordinate_accuracy_m === null ? null : Number(r.coordinate_accuracy_m),
  };
}

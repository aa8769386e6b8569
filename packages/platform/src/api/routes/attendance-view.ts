/**
 * What the attendance list, record and export share: the filter a caller may give, cut
 * down to the caller's scope (a site manager's sites), and a record
 * as the API shows it. A photo is shown only as a signed URL that expires
 * (docs/downloads.md); iris data is never shown.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AttendanceFilter, AttendanceFlag, AttendanceRecord } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { siteScope } from '../auth/principal.js';
import { publicBaseUrl } from '../base-url.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { invalid } from '../problems.js';
import { isoCst, isoTime } from '../time.js';
import type { ApiDeps } from '../types.js';
import { boolQuery, ID, SN } from './device-common.js';

export const ATTENDANCE_FLAGS = [
  'photo_too_large',
  'photo_bad_format',
  'photo_undecodable',
  'photo_too_small',
  'photo_bad_base64',
  'unknown_person',
  'not_real_name',
  'device_unassigned',
  'indirect',
  'bit_type_mismatch',
  'qr_missing',
  'qr_invalid',
  'qr_expired',
  'qr_forged',
  'qr_other_site',
  'qr_person_mismatch',
  'health_code_red',
  'health_code_yellow',
  'coordinate_missing',
  'outside_fence',
  'no_fence',
  'face_unverified',
  'face_mismatch',
  'face_not_found',
  'face_multiple',
  'face_not_enrolled',
  'phone_other_person',
  'phone_wrong_type',
  'temperature_implausible',
  'fever',
  'upload_late',
  'upload_backlog',
  'clock_ahead',
] as const satisfies readonly AttendanceFlag[];
// Every flag the store knows is listed: a new one fails to compile here until added.
type Unlisted = Exclude<AttendanceFlag, (typeof ATTENDANCE_FLAGS)[number]>;
const allListed: [Unlisted] extends [never] ? true : never = true;
void allListed;

/** The standard's attendance types (2.3.2 type), by bit. */
export const ATTENDANCE_TYPES: Record<number, { zh: string; en: string }> = {
  1: { zh: '人脸', en: 'face' },
  2: { zh: 'IC卡', en: 'IC card' },
  4: { zh: '健康码', en: 'health code' },
  8: { zh: '身份证', en: 'ID card' },
  16: { zh: '二维码', en: 'QR code' },
  32: { zh: '虹膜', en: 'iris' },
  64: { zh: '移动考勤', en: 'mobile' },
};

/** Query parameters that select records, the same for the list and the export. */
export const attendanceFilterQuery = {
  siteId: ID.optional(),
  personId: ID.optional(),
  deviceSn: SN.optional(),
  deviceId: ID.optional(),
  type: z
    .enum(Object.keys(ATTENDANCE_TYPES) as [string, ...string[]])
    .transform(Number)
    .optional(),
  flag: z.enum(ATTENDANCE_FLAGS).optional(),
  realName: boolQuery.optional(),
  /** recordTime ≥ since */
  since: isoTime.optional(),
  /** recordTime < until */
  until: isoTime.optional(),
};

const filterSchema = z.object(attendanceFilterQuery);
export type AttendanceFilterQuery = z.output<typeof filterSchema>;

/**
 * The store filter for what the caller asked within what the caller may see. Outside the
 * scope is not an error for a list, just nothing: a manager asking for another site's
 * records gets an empty page, as for a site with none.
 */
export async function scopedFilter(
  deps: ApiDeps,
  p: Principal,
  q: AttendanceFilterQuery,
): Promise<AttendanceFilter> {
  if (q.since !== undefined && q.until !== undefined && q.until < q.since)
    throw invalid('query.until', 'until must not be before since');
  const f: AttendanceFilter = {};
  const sites = siteScope(p);
  if (q.siteId !== undefined) f.siteIds = sites === undefined || sites.includes(q.siteId) ? [q.siteId] : [];
  else if (sites !== undefined) f.siteIds = sites;
  if (q.deviceSn !== undefined) {
    const ids = await deps.data.store.attendance.deviceIdsBySn(q.deviceSn);
    f.deviceIds = q.deviceId === undefined ? ids : ids.filter((id) => id === q.deviceId);
  } else if (q.deviceId !== undefined) f.deviceIds = [q.deviceId];
  if (q.personId !== undefined) f.personId = q.personId;
  if (q.type !== undefined) f.type = q.type;
  if (q.flag !== undefined) f.flag = q.flag;
  if (q.realName !== undefined) f.realName = q.realName;
  if (q.since !== undefined) f.since = q.since;
  if (q.until !== undefined) f.until = q.until;
  return f;
}

/** The filter as the audit log records it: what was asked, times as the caller wrote them. */
export function filterDetail(q: AttendanceFilterQuery): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    out[k] = (k === 'since' || k === 'until') && typeof v === 'number' ? isoCst(v) : v;
  }
  return out;
}

export const cursorOf = (r: AttendanceRecord): string => encodeCursor([r.recordTime, r.id]);

/** A list cursor: the (recordTime, id) of the last record served. */
export function afterOf(cursor: string | undefined): { recordTime: number; id: string } | undefined {
  const key = decodeCursor(cursor, 2);
  if (key === undefined) return undefined;
  const [recordTime, id] = key;
  // Record ids are decimal: anything else (a NUL, which PostgreSQL refuses in text) is not ours.
  if (
    typeof recordTime !== 'number' ||
    !Number.isSafeInteger(recordTime) ||
    typeof id !== 'string' ||
    !/^\d{1,32}$/.test(id)
  )
    throw invalid('query.cursor', 'not a cursor this list gave out');
  return { recordTime, id };
}

function parsedJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Signs photo URLs for one request: same base and clock for the whole page. */
export function photoSigner(deps: ApiDeps, req: FastifyRequest): (key: string | null) => string | null {
  const base = publicBaseUrl(deps.config, req);
  const now = deps.now();
  return (key) => (key === null ? null : deps.data.urls.clockInPhotoUrl(base, key, now));
}

export function attendanceView(
  r: AttendanceRecord,
  names: ReadonlyMap<string, string>,
  photoUrl: (key: string | null) => string | null,
) {
  return {
    id: r.id,
    personId: r.personId,
    personName: names.get(r.personId) ?? null,
    siteId: r.siteId,
    deviceId: r.deviceId,
    deviceSn: r.sn,
    vendorId: r.vendorId,
    recordTime: isoCst(r.recordTime),
    receivedAt: isoCst(r.receivedAt),
    latencyMs: r.latencyMs,
    /** The 10-second clause: 'live', 'late' or 'backlog'; null when not judged (docs/attendance-rules.md). */
    uploadClass: r.uploadClass,
    type: r.type,
    bitType: r.bitType,
    realName: r.realName,
    flags: r.flags,
    temperature: r.temperature,
    lat: r.latitude,
    lng: r.longitude,
    /** The position's accuracy in metres, as the phone reported it (kaoqin extension); null when not sent. */
    coordinateAccuracyM: r.coordinateAccuracyM,
    /** Metres outside the site's fence (0 inside); null when not checked. */
    fenceDistanceM: r.fenceDistanceM,
    qrCodeInfo: parsedJson(r.qrCodeInfo),
    photoUrl: photoUrl(r.photoKey),
    /** Why there is no photo any more: 'expired' (retention) or 'erased' (the person was); null otherwise. */
    photoRemoved: r.photoRemoved,
  };
}

export type AttendanceView = ReturnType<typeof attendanceView>;

/**
 * The geofence check of mobile (64) and QR (16) clock-ins, 技术要求 5(2) "电子围栏定位验证"
 * and 6(2) "实时定位比对". Pure.
 *
 * - Only those two types are checked: the other devices are fixed on site, and their
 *   coordinate (when sent) says nothing the binding does not.
 * - No coordinate: `coordinate_missing` (flagged by the real-name rule), nothing measured.
 * - The site has no fence: `no_fence`; such a record is never inside.
 * - Otherwise the distance to the fence in metres is kept (0 inside); beyond the site's
 *   tolerance it is `outside_fence`.
 * Coordinates are taken as WGS-84 (the standard names no datum; GPS gives WGS-84).
 * Phones using Chinese map SDKs often report GCJ-02, 300–600 m off in mainland China:
 * the platform does not convert (a record does not say which datum it is in, and
 * converting WGS-84 again would move it the other way). A site whose devices send GCJ-02
 * draws its fence in GCJ-02, or sets fenceToleranceMeters to cover the offset; see
 * docs/attendance-rules.md.
 */
import type { AttendanceFlag, Geofence, LatLng } from '../../store/index.js';
import { distanceToFenceMeters } from '../geofence.js';
import { MOBILE, QR_CODE } from './real-name.js';

export interface SiteFence {
  geofence: Geofence | null;
  toleranceMeters: number;
}

export interface FenceJudgement {
  /** Whether the type is one the fence applies to. */
  checked: boolean;
  insideFence: boolean;
  /** Metres from the fence (0 inside); null when nothing was measured. */
  distanceMeters: number | null;
  flags: AttendanceFlag[];
}

/** Whether a clock-in of this type is checked against the fence. */
export const fenceApplies = (type: number): boolean => type === MOBILE || type === QR_CODE;

export function judgeFence(type: number, point: LatLng | null, site: SiteFence | undefined): FenceJudgement {
  if (!fenceApplies(type) || point === null)
    return { checked: fenceApplies(type), insideFence: false, distanceMeters: null, flags: [] };
  if (!site?.geofence)
    return { checked: true, insideFence: false, distanceMeters: null, flags: ['no_fence'] };
  const d = distanceToFenceMeters(site.geofence, point);
  // Centimetres are below any GPS's error: kept to one, so the column reads as measured.
  const distanceMeters = Math.round(d * 100) / 100;
  const insideFence = d <= site.toleranceMeters;
  return { checked: true, insideFence, distanceMeters, flags: insideFence ? [] : ['outside_fence'] };
}

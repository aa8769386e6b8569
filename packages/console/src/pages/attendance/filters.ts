/**
 * The attendance filter as URL search parameters (a filtered view is a link a manager can
 * bookmark or send) and as the API's query (GET /attendance and /attendance/export take
 * the same one). Times go to the API as ISO 8601 with their offset.
 */
import type { Query } from '../../api/client';

export const FILTER_KEYS = [
  'siteId',
  'personId',
  'deviceSn',
  'type',
  'flag',
  'realName',
  'since',
  'until',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type AttendanceFilter = Partial<Record<FilterKey, string>>;

export function filterOf(params: URLSearchParams): AttendanceFilter {
  const f: AttendanceFilter = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

export function paramsOf(f: AttendanceFilter): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v) p.set(k, v);
  }
  return p;
}

export function queryOf(f: AttendanceFilter): Query {
  return { ...f };
}

/**
 * The shapes the attendance, statistics and sheet routes answer (docs/api.md
 * "Attendance and exports", docs/attendance-statistics.md), as the console reads them.
 * Times are ISO 8601 with +08:00: the site's wall clock.
 */

export interface AttendanceRow {
  id: string;
  personId: string;
  personName: string | null;
  siteId: string | null;
  deviceId: string | null;
  deviceSn: string;
  recordTime: string;
  receivedAt: string;
  latencyMs: number | null;
  uploadClass: 'live' | 'late' | 'backlog' | null;
  type: number;
  realName: boolean;
  flags: string[];
  temperature: number | null;
  photoUrl: string | null;
  photoRemoved: 'expired' | 'erased' | null;
}

export interface GroupCount {
  name: string | null;
  headcount: number;
}

export interface SiteDay {
  siteId: string;
  day: string;
  headcount: number;
  workers: number;
  punches: number;
  byCompany: GroupCount[];
  byTeam: GroupCount[];
  byTrade: GroupCount[];
  anomalies: Record<string, number>;
}

export interface WorkerDay {
  personId: string;
  name: string | null;
  day: string;
  punches: number;
  realNamePunches: number;
  firstIn: string | null;
  lastOut: string | null;
  firstAt: string | null;
  lastAt: string | null;
  minutes: number;
  hours: number;
  anomalies: string[];
}

export interface SheetCell {
  day: string;
  minutes: number;
  hours: number;
  punches: number;
  firstIn: string | null;
  lastOut: string | null;
  attended: boolean;
  anomalies: string[];
}

export interface SheetWorker {
  personId: string;
  name: string | null;
  company: string | null;
  team: string | null;
  trade: string | null;
  cells: SheetCell[];
  attendedDays: number;
  totalMinutes: number;
  totalHours: number;
}

export interface SheetPage {
  siteId: string;
  month: string;
  days: string[];
  items: SheetWorker[];
  dayTotals?: { day: string; headcount: number; minutes: number }[];
  nextCursor: string | null;
}

/** The standard's attendance types by bit (2.3.2). */
export const ATTENDANCE_TYPES = [1, 2, 4, 8, 16, 32, 64] as const;

/**
 * Every flag the platform may set on a record (platform attendance-view.ts); test/flags.test.ts
 * checks this list and the flags' names against the API's.
 */
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
] as const;

/** A time from the API as the site's wall clock: `2026-12-04 08:01:02`. */
export function wallClock(iso: string | null): string {
  return iso === null ? '' : iso.slice(0, 19).replace('T', ' ');
}

/** Today (or this month) in China time, whatever the browser's zone: the sites' calendar. */
export function chinaToday(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The 10-second clause: "考勤数据远程实时上传,上传延时不超过10秒钟" (技术要求 4(9), 5(5);
 * 3(14) for face devices). Pure. Each record is one of:
 * - live: received at most 10 s after its recordTime;
 * - late: later than that, though the device was online (presence, D10) when it made
 *   the record: the device held it back, which the clause forbids;
 * - backlog: made before the device's current online spell began, i.e. while the
 *   platform saw it offline, and sent after it reconnected ("断网本地存储和联网续传",
 *   5(4)): allowed, and not the device's fault.
 * Online is D10's: a device is offline 60 s after its last request, so a record made in
 * an outage shorter than that is `late`, not `backlog` (the platform could not know).
 * A negative delay beyond CLOCK_AHEAD_TOLERANCE_MS means the device's clock is ahead
 * (`clock_ahead`); such a record is still `live` (it arrived at once).
 */
import type { AttendanceFlag, UploadClass } from '../../store/index.js';

export const UPLOAD_LIMIT_MS = 10_000;
/** Clocks disagree by a little even with NTP; more than this ahead is the device's clock. */
export const CLOCK_AHEAD_TOLERANCE_MS = 2_000;

export interface UploadTiming {
  recordTime: number;
  receivedAt: number;
  /** When the device's current online spell began (presence); undefined when not known. */
  onlineSince: number | undefined;
}

export interface UploadJudgement {
  uploadClass: UploadClass;
  flags: AttendanceFlag[];
}

export function classifyUpload(u: UploadTiming): UploadJudgement {
  const delay = u.receivedAt - u.recordTime;
  if (delay < -CLOCK_AHEAD_TOLERANCE_MS) return { uploadClass: 'live', flags: ['clock_ahead'] };
  if (delay <= UPLOAD_LIMIT_MS) return { uploadClass: 'live', flags: [] };
  // Unknown onlineSince: the device is online now and nothing says it was not then.
  if (u.onlineSince === undefined || u.recordTime >= u.onlineSince)
    return { uploadClass: 'late', flags: ['upload_late'] };
  return { uploadClass: 'backlog', flags: ['upload_backlog'] };
}

/**
 * What the clock-in rules' API reads (issue 12, docs/attendance-rules.md): how often each
 * flag was raised on a device, and the upload delay against the 10-second clause, over a
 * period of recordTime. Times are epoch milliseconds.
 */
import type { AttendanceFlag, UploadClass } from './row-types.js';

/** Records of these devices, or of this site, with since ≤ recordTime < until. */
export interface RulesPeriod {
  deviceIds?: readonly string[];
  siteId?: string;
  since: number;
  until: number;
}

export interface FlagCounts {
  /** Records in the period. */
  records: number;
  /** Records carrying each flag (a flag absent from the map was never raised). */
  flags: Partial<Record<AttendanceFlag, number>>;
}

export interface UploadDelayStats {
  records: number;
  /** Records by class; `unjudged` are those stored with the rules off or before migration 0017. */
  byClass: Record<UploadClass | 'unjudged', number>;
  /** Records received within 10 s of recordTime (clock-ahead ones included). */
  withinLimit: number;
  /** Nearest-rank percentiles of receivedAt − recordTime, ms; null without records. */
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface AttendanceRulesRepo {
  flagCounts(q: RulesPeriod): Promise<FlagCounts>;
  uploadDelay(q: RulesPeriod): Promise<UploadDelayStats>;
}

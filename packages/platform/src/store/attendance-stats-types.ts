/**
 * The store's contract for daily attendance statistics (migration 0019,
 * docs/attendance-statistics.md): the projector's step and the reads of the day rows.
 */
import type { Direction } from './row-types.js';

/** One clock-in as the statistics see it. */
export interface Punch {
  id: string;
  recordTime: number;
  direction: Direction;
  realName: boolean;
  flags: readonly string[];
}

/** A worker's day on a site: what domain/stats/day.ts computes from the day's punches. */
export interface DayStats {
  punches: number;
  /** Punches that count as real-name (the headcount's test). */
  realNamePunches: number;
  firstAt: number;
  lastAt: number;
  /** First punch on an 'in' or 'both' device; null when there is none. */
  firstIn: number | null;
  /** Last punch on an 'out' or 'both' device after firstIn; null when there is none. */
  lastOut: number | null;
  /** Time on site in ms: in→out pairs, or last − first when every punch is on a 'both' device. */
  onSiteMs: number;
  /** In/out punches left without a partner (an in never closed, an out never opened). */
  unpaired: number;
  /** Punches flagged outside_fence. */
  outsideFence: number;
  /** Every punch is indirect (flag `indirect`) or not real-name. */
  indirectOnly: boolean;
  /** Some punch is of a person the platform does not know (flag `unknown_person`). */
  unknownPerson: boolean;
}

/** The rule that turns a person-day's punches into its figures (the domain's, passed in). */
export type DayRule = (punches: readonly Punch[]) => DayStats;

/** One worker's day on one site as stored. */
export interface DayRow extends DayStats {
  siteId: string;
  personId: string;
  /** China Standard Time calendar day, 'YYYY-MM-DD'. */
  day: string;
  updatedAt: number;
}

/** A worker's month on a site: their day figures by day ('YYYY-MM-DD'), days with punches only. */
export interface MonthRow {
  siteId: string;
  personId: string;
  /** 'YYYY-MM'. */
  month: string;
  days: Map<string, DayStats>;
}

/** What one projector step did. */
export interface ProjectStep {
  /** Attendance rows read past the mark (0: caught up). */
  records: number;
  /** Person-days recomputed and written. */
  days: number;
  /** The mark after the step. */
  mark: string;
}

/** A person's assignment fields on a site, as the headcount groups them. */
export interface WorkerGroup {
  personId: string;
  company: string | null;
  team: string | null;
  trade: string | null;
}

export interface AttendanceStatsRepo {
  /**
   * Reads up to `limit` attendance rows past the mark in id order, recomputes every
   * person-day they touch from that person-day's own punches, writes those day rows and
   * moves the mark, all in one transaction.
   */
  project(limit: number, now: number, rule: DayRule): Promise<ProjectStep>;
  /** How far the projector has read (the last attendance id), '' before the first step. */
  mark(): Promise<string>;
  /** A site's day rows, by person, after `afterPersonId`. */
  siteDay(siteId: string, day: string, afterPersonId: string | undefined, limit: number): Promise<DayRow[]>;
  /** Every day row of a site's day (the summary). */
  siteDayAll(siteId: string, day: string): Promise<DayRow[]>;
  /** A person's day rows over [from, to] (days inclusive), by day then site. */
  personDays(
    personId: string,
    from: string,
    to: string,
    siteIds: readonly string[] | undefined,
  ): Promise<DayRow[]>;
  /**
   * Up to `limit` workers' month rows of the site (person id order) after `afterPersonId`:
   * each worker's day figures of the month, read as one row (attendance_months).
   */
  monthRows(
    siteId: string,
    month: string,
    afterPersonId: string | undefined,
    limit: number,
  ): Promise<MonthRow[]>;
  /** Each person's assignment on the site that covers `day` (else their latest there). */
  groups(siteId: string, personIds: readonly string[], day: string): Promise<Map<string, WorkerGroup>>;
  /** count(*) of a site's day rows in [from, to]: the sheet benchmark's baseline. */
  countRows(siteId: string, from: string, to: string): Promise<number>;
}

/** The attendance partitions' port (attendance-partitions.ts), apart so the store's types need no Kysely. */
export interface PartitionInfo {
  name: string;
  /** 'YYYY-MM', or 'default'. */
  month: string;
  rows: number;
}

export interface AttendancePartitions {
  /** Whether attendance is a partitioned table (always false on SQLite). */
  partitioned(): Promise<boolean>;
  /** The partitions with their (estimated) row counts, months in order, default last. */
  list(): Promise<PartitionInfo[]>;
  /** Creates the partitions of the month of `now` and `ahead` months after; returns those made. */
  ensureAhead(now: number, ahead: number): Promise<string[]>;
  /**
   * Converts a plain attendance table into a partitioned one with every record (one
   * transaction, the table locked meanwhile): months from the oldest record's to `ahead`
   * after `now`. Returns the records moved; 0 and nothing done when already partitioned.
   */
  convert(now: number, ahead: number): Promise<number>;
}

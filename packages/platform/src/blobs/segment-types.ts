/** Types the segment store's modules share (segments.ts is the store; segment-*.ts its parts). */

/** Where the store reports damage it found and worked around. pino's Logger fits. */
export interface SegmentStoreLogger {
  warn(obj: object, msg?: string): void;
}

export type Item = { bytes: Uint8Array; ext: string };

/**
 * The points of a compaction where a test may make it fail (throw) or the process die:
 * - `copied`: the segment's kept records are in the temp file, fsync'd; nothing swapped;
 * - `swapped`: the temp file has replaced the segment (renamed); the old sidecar is stale;
 * - `indexed`: the new sidecar is in place; the directory is not fsync'd yet.
 */
export type CompactionStep = 'copied' | 'swapped' | 'indexed';

/** What a removal did. */
export interface RemoveResult {
  /** Keys that had at least one copy on disk and now have none. */
  removed: number;
  /** Segment files rewritten (or deleted, when nothing in them was kept). */
  segmentsRewritten: number;
  /** Bytes the rewritten segments gave back. */
  bytesFreed: number;
}

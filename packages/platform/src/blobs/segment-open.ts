/**
 * Opening a segment store's directory (segments.ts): leftovers of interrupted work are
 * removed, sealed segments are indexed from their sidecars (or read when a sidecar will
 * not do), and the highest segment becomes the active one with any torn tail cut off.
 */
import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSidecar, type Entry, parseSegmentName, segmentName, sidecarName } from './segment-format.js';
import type { SegmentIndex } from './segment-index.js';
import { fsyncDir, isNotFound, unlinkIfThere, writeSidecar } from './segment-io.js';
import { TEMP_SUFFIX } from './segment-limits.js';
import { type Damage, type ScanResult, scanSegment } from './segment-scan.js';
import type { SegmentStoreLogger } from './segment-types.js';

export interface Active {
  seg: number;
  fh: FileHandle;
  /** Length of the acknowledged records: where the next write goes. */
  size: number;
  /** Its records in log order, for its sidecar. */
  entries: Entry[];
}

const SIDECAR_NAME = /^(\d{8})\.idx$/;

/**
 * The segment numbers in the directory, in order, after removing what interrupted work
 * left: temp files (a sidecar or a compacted copy not yet renamed into place) and
 * sidecars whose segment is gone (a compaction that emptied a segment deletes the
 * segment first, then its sidecar).
 */
export async function segmentsIn(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  const segs = names.flatMap((n) => parseSegmentName(n) ?? []).sort((a, b) => a - b);
  const have = new Set(segs);
  for (const name of names) {
    const orphan = SIDECAR_NAME.exec(name);
    if (name.endsWith(TEMP_SUFFIX) || (orphan && !have.has(Number(orphan[1])))) {
      await unlinkIfThere(join(dir, name));
    }
  }
  return segs;
}

/** A sealed segment's records from its sidecar, or, when that will not do, by reading the segment. */
export async function sealedEntries(
  dir: string,
  seg: number,
  logger: SegmentStoreLogger,
): Promise<{ entries: Entry[]; size: number; fromScan: boolean }> {
  const path = join(dir, segmentName(seg));
  const { size } = await stat(path);
  let why: string;
  try {
    const entries = decodeSidecar(await readFile(join(dir, sidecarName(seg))), seg, size);
    if (typeof entries !== 'string') return { entries, size, fromScan: false };
    why = entries;
  } catch (e) {
    why = isNotFound(e) ? 'no sidecar' : String(e);
  }
  logger.warn({ segment: segmentName(seg), why }, 'reading a sealed segment to rebuild its sidecar');
  const fh = await open(path, 'r');
  let scan: ScanResult;
  try {
    scan = await scanSegment(fh, seg, size);
  } finally {
    await fh.close();
  }
  // A sealed segment was fsync'd whole before the next was made, so damage here is rot,
  // not a torn write: say so, and keep the file as it is.
  reportDamage(logger, seg, scan.damaged);
  return { entries: scan.entries, size, fromScan: true };
}

/** Indexes a sealed segment, rewriting its sidecar if it had to be read. */
export async function loadSealed(
  dir: string,
  seg: number,
  index: SegmentIndex,
  logger: SegmentStoreLogger,
): Promise<void> {
  const { entries, size, fromScan } = await sealedEntries(dir, seg, logger);
  index.add(entries);
  if (!fromScan) return;
  await writeSidecar(dir, seg, size, entries);
  await fsyncDir(dir);
}

/** Makes the highest segment the active one, cutting off a torn tail. */
export async function recoverActive(
  dir: string,
  seg: number,
  index: SegmentIndex,
  logger: SegmentStoreLogger,
): Promise<Active> {
  const fh = await open(join(dir, segmentName(seg)), 'r+');
  try {
    const { size } = await fh.stat();
    const scan = await scanSegment(fh, seg, size);
    reportDamage(
      logger,
      seg,
      scan.damaged.filter((d) => d.offset < scan.end),
    );
    if (scan.end < size) {
      // Writes that were never acknowledged: their fsync did not return before the end.
      logger.warn(
        {
          segment: segmentName(seg),
          offset: scan.end,
          bytes: size - scan.end,
          problem: scan.damaged.at(-1)?.problem,
        },
        'cutting an unacknowledged tail off the active segment',
      );
      await fh.truncate(scan.end);
      await fh.sync();
    }
    index.add(scan.entries);
    return { seg, fh, size: scan.end, entries: scan.entries };
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

/** Damaged ranges between good records: what they held is lost, what follows is kept. */
export function reportDamage(logger: SegmentStoreLogger, seg: number, damaged: Damage[]): void {
  for (const { offset, bytes, problem } of damaged) {
    logger.warn(
      { segment: segmentName(seg), offset, bytes, problem },
      'damaged records in a segment: skipped, the records after them are kept',
    );
  }
}

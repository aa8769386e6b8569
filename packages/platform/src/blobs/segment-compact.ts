/**
 * Removing blobs from the append-only segment log for good (PIPL erasure, photo
 * retention): compaction. Each sealed segment holding a copy of a key to remove is
 * rewritten without it:
 *
 *   1. its records are listed from its sidecar (or by reading it), and those to keep are
 *      the ones served from it whose key is not being removed (copies nothing serves,
 *      an older duplicate or one that failed its check, go too);
 *   2. they are copied, each checked against its header and CRC on the way, to
 *      NNNNNNNN.seg.tmp, which is fsync'd;                               [copied]
 *   3. reads of the segment wait; its open file is dropped; the copy is renamed over the
 *      segment (the old file's blocks are freed when the last reader closes it), and
 *      the index points at the new offsets; reads resume;                  [swapped]
 *   4. its sidecar is rewritten (temp, fsync, rename)                      [indexed]
 *   5. and the directory fsync'd: only then has the removal happened.
 *   A segment left with nothing is deleted instead, then its sidecar.
 *
 * A crash anywhere leaves a consistent directory: before the rename, the old segment and
 * its sidecar (the temp file is deleted on open); after it, the new segment with a
 * sidecar whose recorded length no longer matches, which opening notices and rebuilds by
 * reading the segment. Kept records are never at risk: every state on disk holds them.
 * A removal interrupted before step 5 has not happened and is done again by calling
 * remove again (the caller forgets its references only after remove resolves).
 *
 * The active segment is sealed first if it holds a key (sealing is the writer's job, so
 * it runs between appends). A put of the same bytes during a removal is written afresh,
 * to the new active segment, and survives it: the bytes were stored again.
 *
 * Cost: a rewrite copies a whole segment (up to segmentBytes) to drop even one record,
 * so removing keys spread over many segments rewrites each of them once per call; batch
 * keys into one call where possible (retention does).
 */
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeHeader, type Entry, HEADER_BYTES, segmentName, sidecarName } from './segment-format.js';
import type { SegmentIndex } from './segment-index.js';
import { fsyncDir, unlinkIfThere, writeSidecar } from './segment-io.js';
import { KEY, TEMP_SUFFIX, WRITE_CHUNK_BYTES } from './segment-limits.js';
import { reportDamage, sealedEntries } from './segment-open.js';
import type { ReadHandles } from './segment-reads.js';
import type { CompactionStep, RemoveResult, SegmentStoreLogger } from './segment-types.js';

export interface CompactorDeps {
  dir: string;
  index: SegmentIndex;
  reads: ReadHandles;
  logger: SegmentStoreLogger;
  /** Seals the active segment if it holds any of the keys; resolves to the active segment after. */
  sealHolding(keys: ReadonlySet<string>): Promise<number | undefined>;
  /** Test seam: called at each step of each segment's compaction; a throw fails the removal there. */
  faults?: (step: CompactionStep, seg: number) => void | Promise<void>;
}

export class Compactor {
  readonly #d: CompactorDeps;
  /** Removals run one at a time. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(deps: CompactorDeps) {
    this.#d = deps;
  }

  /** Resolves once no removal is running or waiting. */
  async idle(): Promise<void> {
    await this.#chain;
  }

  remove(keys: readonly string[]): Promise<RemoveResult> {
    const run = this.#chain.then(() => this.#remove(keys));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #remove(keys: readonly string[]): Promise<RemoveResult> {
    const { index } = this.#d;
    const doomed = new Set(keys.filter((k) => KEY.test(k)));
    const result: RemoveResult = { removed: 0, segmentsRewritten: 0, bytesFreed: 0 };
    if (doomed.size === 0) return result;
    for (const k of doomed) index.removing.add(k);
    try {
      const active = await this.#d.sealHolding(doomed);
      const segs = new Set<number>();
      for (const k of doomed) {
        // A copy in the active segment now was put after the removal began: it stays.
        const copies = index.copies(k).filter((e) => e.seg !== active);
        if (copies.length > 0) result.removed++;
        for (const e of copies) segs.add(e.seg);
      }
      for (const seg of [...segs].sort((a, b) => a - b)) {
        const freed = await this.#compact(seg, doomed);
        if (freed === undefined) continue;
        result.segmentsRewritten++;
        result.bytesFreed += freed;
      }
      return result;
    } finally {
      for (const k of doomed) index.removing.delete(k);
    }
  }

  /** Rewrites one sealed segment without the doomed keys; the bytes it gave back, or undefined if nothing was to go. */
  async #compact(seg: number, doomed: ReadonlySet<string>): Promise<number | undefined> {
    const { dir, index, reads, logger, faults } = this.#d;
    const { entries, size } = await sealedEntries(dir, seg, logger);
    const keep = entries.filter((e) => !doomed.has(e.key) && index.isServed(e));
    if (keep.length === entries.length) return undefined;
    const kept = new Set(keep);
    const dropped = entries.filter((e) => !kept.has(e));
    const path = join(dir, segmentName(seg));
    const temp = `${path}${TEMP_SUFFIX}`;
    let copy: Copy | undefined;
    let damaged: Entry[] = [];
    try {
      if (keep.length > 0) {
        copy = await copyRecords(path, temp, seg, keep, index);
        damaged = copy.damaged;
        const problem = 'failed its check while being compacted: not copied';
        reportDamage(
          logger,
          seg,
          damaged.map((e) => ({ offset: e.off, bytes: HEADER_BYTES + e.len, problem })),
        );
        if (copy.moved.length === 0) {
          await unlink(temp);
          copy = undefined;
        }
      }
      await faults?.('copied', seg);
      const release = index.beginSwap(seg);
      try {
        reads.retire(seg);
        if (copy) await rename(temp, path);
        else await unlink(path);
        index.rewrote(copy?.moved ?? [], [...dropped, ...damaged]);
      } finally {
        release();
      }
    } catch (e) {
      await unlinkIfThere(temp).catch(() => {});
      throw e;
    }
    await faults?.('swapped', seg);
    if (copy)
      await writeSidecar(
        dir,
        seg,
        copy.size,
        copy.moved.map(([, to]) => to),
      );
    else await unlinkIfThere(join(dir, sidecarName(seg)));
    await faults?.('indexed', seg);
    await fsyncDir(dir);
    return size - (copy?.size ?? 0);
  }
}

interface Copy {
  /** Each kept record's old and new place. */
  moved: [Entry, Entry][];
  /** Records that failed their check on the way: not copied. */
  damaged: Entry[];
  size: number;
}

/** Copies the records to a new file, checking each; the file is fsync'd. */
async function copyRecords(
  from: string,
  to: string,
  seg: number,
  keep: readonly Entry[],
  index: SegmentIndex,
): Promise<Copy> {
  const src = await open(from, 'r');
  const dst = await open(to, 'w');
  const out: Copy = { moved: [], damaged: [], size: 0 };
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  const buf = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  try {
    for (const e of [...keep].sort((a, b) => a.off - b.off)) {
      const start = out.size;
      const { bytesRead } = await src.read(header, 0, HEADER_BYTES, e.off);
      const h = bytesRead === HEADER_BYTES ? decodeHeader(header) : 'short read';
      if (typeof h === 'string' || h.key !== e.key || h.len !== e.len) {
        out.damaged.push(e);
        continue;
      }
      await writeAll(dst, header, start);
      let crc = 0;
      let whole = true;
      for (let done = 0; done < e.len; ) {
        const n = Math.min(e.len - done, buf.length);
        const got = (await src.read(buf, 0, n, e.off + HEADER_BYTES + done)).bytesRead;
        if (got !== n) {
          whole = false;
          break;
        }
        crc = crc32(buf.subarray(0, n), crc);
        await writeAll(dst, buf.subarray(0, n), start + HEADER_BYTES + done);
        done += n;
      }
      if (!whole || crc !== h.crc) {
        // Rot: not carried into the new file, where it would look whole to the next open.
        await dst.truncate(start);
        out.damaged.push(e);
        continue;
      }
      out.moved.push([e, { key: e.key, seg, off: start, len: e.len, ext: index.intern(e.ext) }]);
      out.size = start + HEADER_BYTES + e.len;
    }
    await dst.sync();
    return out;
  } finally {
    await src.close();
    await dst.close();
  }
}

async function writeAll(fh: FileHandle, bytes: Buffer, pos: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.length - at, pos + at);
    if (bytesWritten === 0) throw new Error('write made no progress while compacting a segment');
    at += bytesWritten;
  }
}

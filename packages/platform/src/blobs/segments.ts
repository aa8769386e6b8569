/**
 * A BlobStore that appends photos to a log of segment files, so that a batch of photos
 * becomes durable with one fsync instead of two per photo.
 *
 * Why: a sign-in photo must survive kill -9 and a power cut before the clock-in is
 * acknowledged. The file-per-blob store (local.ts) pays a file fsync and a directory
 * fsync for every photo; on a virtual disk that caps it near 600 photos/s. Here a
 * putMany writes all its new records at the end of the active segment (positional
 * writevs of 1 MiB: writevAt in segment-io.ts says why not one), then fsyncs that one file once: the group
 * commit of ~1000 photos costs one device flush. bench/blobs measures both stores side
 * by side.
 *
 * Layout: root/segments/NNNNNNNN.seg, numbered from 00000001; records are appended to
 * the highest, the active segment. A record is a 64-byte header (magic, format version,
 * raw sha256 key, ext, payload length, CRC-32 of the payload, CRC-32 of the header)
 * followed by the payload; segment-format.ts has the exact layout. Once the active
 * segment would pass segmentBytes (256 MiB by default; a single larger record gets a
 * segment of its own) it is sealed: fsync'd, and its index written beside it as
 * NNNNNNNN.idx (to a temp file, fsync'd, renamed), then the next segment is created and
 * the directory fsync'd once. The directory is also fsync'd when the first segment is
 * created, and before any record in a new segment is acknowledged.
 *
 * Index: a Map from key to (segment, offset, length, ext) in memory, about 200 bytes per
 * photo. Opening loads each sealed segment's sidecar and reads only the active segment
 * record by record, checking payloads too (segment-scan.ts says why), so opening costs
 * the sidecars plus at most segmentBytes read. A sealed segment whose sidecar is missing,
 * damaged or stale is read the same way and its sidecar rewritten. If a key is in the log
 * twice, the later copy wins.
 *
 * Crash safety: records are only acknowledged after their fsync. Writes whose fsync
 * never returned can leave a torn tail on the active segment: an incomplete record, or
 * records whose header or payload fails its CRC. Opening reads the active segment,
 * indexes every good record, and truncates the file right after the last one (then
 * fsyncs it); records before it are intact. A damaged record in the middle (rot, not a
 * torn write) is logged and skipped: the scan finds the next record by its magic and
 * goes on, so it costs only the records it hit (segment-scan.ts). A write or fsync that
 * fails truncates the segment back to its last acknowledged record and rejects the
 * batch; the next batch rewrites those bytes and its own fsync covers them.
 *
 * Reads: get does one positional read of header and payload through a small bounded
 * cache of open segment files, and serves the bytes only if the header matches the key
 * and the payload matches its CRC-32 (zlib.crc32, far cheaper than hashing the payload
 * again with sha256). Bytes that fail are never served: get logs a warning through
 * opts.logger and returns undefined, and the key is dropped from the index, so has()
 * says false and putting the same bytes again stores a fresh copy, which wins on reopen.
 *
 * Concurrency: one writer per store. putMany calls that arrive while an append runs wait
 * and join the next append together, which is itself group commit. Bytes already stored,
 * or already on their way in another put, are not written again. Callers must not change
 * the bytes they pass until the put resolves. Opening the same root again in the same
 * process shares one store (the same writer and index, and the options it was first
 * opened with) until the last one is closed.
 * One process owns a root: a second process appending to the same segment, or
 * truncating what it takes for a torn tail, would corrupt it. Nothing enforces this.
 *
 * Removal (PIPL erasure, photo retention): remove(keys) rewrites every sealed segment
 * holding a copy of a key without it, crash-safe at every step, while reads go on
 * (segment-compact.ts). It costs a copy of each segment touched, so callers batch keys.
 */
import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Engine } from './segment-engine.js';
import { mkdirDurable } from './segment-io.js';
import { DEFAULT_OPEN_SEGMENTS, DEFAULT_SEGMENT_BYTES } from './segment-limits.js';
import type { CompactionStep, Item, RemoveResult, SegmentStoreLogger } from './segment-types.js';
import type { ErasableBlobStore } from './types.js';

export type { CompactionStep, RemoveResult, SegmentStoreLogger };
export { DEFAULT_SEGMENT_BYTES };

/** The segment log: a blob store whose blobs can also be removed, many at once. */
export interface SegmentBlobStore extends ErasableBlobStore {
  /** Removes every copy of these keys from the log (compaction); resolves once that is durable. */
  remove(keys: readonly string[]): Promise<RemoveResult>;
}

export interface SegmentBlobStoreOptions {
  /** Size at which the active segment is sealed and a new one started; default 256 MiB. */
  segmentBytes?: number;
  /** Segment files kept open for reading, at most; default 16. */
  maxOpenSegments?: number;
  /** Receives warnings about damaged records; default process.emitWarning. */
  logger?: SegmentStoreLogger;
  /** Test seam: called at each step of a compaction (segment-types.ts); a throw fails it there. */
  compactionFaults?: (step: CompactionStep, seg: number) => void | Promise<void>;
}

const warningLogger: SegmentStoreLogger = {
  warn(obj, msg) {
    process.emitWarning(`${msg ?? 'segment blob store'} ${JSON.stringify(obj)}`, 'BlobStoreWarning');
  },
};

interface Shared {
  engine: Promise<Engine>;
  /** Stores open on it; the engine closes with the last. */
  refs: number;
  closing?: Promise<void>;
}

/** Engines open in this process, by the real path of their segments directory. */
const openEngines = new Map<string, Shared>();

export async function openSegmentBlobStore(
  root: string,
  opts: SegmentBlobStoreOptions = {},
): Promise<SegmentBlobStore> {
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
    throw new RangeError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
  }
  const maxOpenSegments = opts.maxOpenSegments ?? DEFAULT_OPEN_SEGMENTS;
  if (!Number.isInteger(maxOpenSegments) || maxOpenSegments < 1) {
    throw new RangeError(`maxOpenSegments must be a positive integer, got ${maxOpenSegments}`);
  }
  const dir = join(resolve(root), 'segments');
  await mkdirDurable(dir);
  const id = await realpath(dir);
  for (;;) {
    const shared = openEngines.get(id);
    if (!shared) break;
    if (shared.closing) {
      // Closing: let it finish (and leave the map), then open afresh from disk.
      await shared.closing.catch(() => {});
      continue;
    }
    shared.refs++;
    try {
      return new SegmentStore(await shared.engine, shared, id);
    } catch (e) {
      shared.refs--;
      throw e;
    }
  }
  const shared: Shared = {
    engine: Engine.open(id, {
      segmentBytes,
      maxOpenSegments,
      logger: opts.logger ?? warningLogger,
      ...(opts.compactionFaults ? { faults: opts.compactionFaults } : {}),
    }),
    refs: 1,
  };
  openEngines.set(id, shared);
  try {
    return new SegmentStore(await shared.engine, shared, id);
  } catch (e) {
    if (openEngines.get(id) === shared) openEngines.delete(id);
    throw e;
  }
}

/** One opening of a root; several share the root's engine. */
class SegmentStore implements SegmentBlobStore {
  readonly #engine: Engine;
  readonly #shared: Shared;
  readonly #id: string;
  #closed = false;

  constructor(engine: Engine, shared: Shared, id: string) {
    this.#engine = engine;
    this.#shared = shared;
    this.#id = id;
  }

  async put(bytes: Uint8Array, ext: string): Promise<string> {
    const [key] = await this.putMany([{ bytes, ext }]);
    return key!;
  }

  async putMany(items: Item[]): Promise<string[]> {
    this.#checkOpen();
    return this.#engine.putMany(items);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    return this.#engine.get(key);
  }

  async has(key: string): Promise<boolean> {
    this.#checkOpen();
    return this.#engine.has(key);
  }

  async remove(keys: readonly string[]): Promise<RemoveResult> {
    this.#checkOpen();
    return this.#engine.remove(keys);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.remove([key])).removed > 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const shared = this.#shared;
    if (--shared.refs > 0) {
      await this.#engine.idle();
      return;
    }
    shared.closing = this.#engine.close().finally(() => {
      if (openEngines.get(this.#id) === shared) openEngines.delete(this.#id);
    });
    await shared.closing;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('blob store is closed');
  }
}

/**
 * The segment store's single writer and its index: appends, seals, reads, and removals
 * by compaction (see segments.ts). Opening is in segment-open.ts, compaction in
 * segment-compact.ts, the index in segment-index.ts.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Compactor } from './segment-compact.js';
import {
  decodeHeader,
  type Entry,
  EXT,
  encodeHeader,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  segmentName,
} from './segment-format.js';
import { SegmentIndex } from './segment-index.js';
import { fsyncDir, unlinkIfThere, writeSidecar, writevAt } from './segment-io.js';
import { KEY } from './segment-limits.js';
import { type Active, loadSealed, recoverActive, segmentsIn } from './segment-open.js';
import { ReadHandles } from './segment-reads.js';
import type { CompactionStep, Item, RemoveResult, SegmentStoreLogger } from './segment-types.js';

export interface EngineOptions {
  segmentBytes: number;
  maxOpenSegments: number;
  logger: SegmentStoreLogger;
  faults?: (step: CompactionStep, seg: number) => void | Promise<void>;
}

interface Pending {
  key: string;
  raw: Buffer;
  bytes: Uint8Array;
  ext: string;
  crc: number;
}

interface Batch {
  items: Pending[];
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export class Engine {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #logger: SegmentStoreLogger;
  readonly #reads: ReadHandles;
  readonly #index = new SegmentIndex();
  readonly #compactor: Compactor;
  /** Keys queued or being written, to the promise of their batch. */
  readonly #inflight = new Map<string, Promise<void>>();
  #active: Active | undefined;
  #nextSeg = 1;
  /** The batch the next append takes; puts join it until then. */
  #queued: Batch | undefined;
  /** Work that must not overlap an append (sealing for a removal), run by the writer before the next append. */
  #ops: (() => Promise<void>)[] = [];
  #writer: Promise<void> | undefined;
  #closed = false;

  private constructor(dir: string, opts: EngineOptions) {
    this.#dir = dir;
    this.#segmentBytes = opts.segmentBytes;
    this.#logger = opts.logger;
    this.#reads = new ReadHandles(dir, opts.maxOpenSegments);
    this.#compactor = new Compactor({
      dir,
      index: this.#index,
      reads: this.#reads,
      logger: opts.logger,
      sealHolding: (keys) => this.#exclusive(() => this.#sealHolding(keys)),
      ...(opts.faults ? { faults: opts.faults } : {}),
    });
  }

  static async open(dir: string, opts: EngineOptions): Promise<Engine> {
    const engine = new Engine(dir, opts);
    const segs = await segmentsIn(dir);
    const last = segs.pop();
    for (const seg of segs) await loadSealed(dir, seg, engine.#index, opts.logger);
    if (last !== undefined) {
      engine.#active = await recoverActive(dir, last, engine.#index, opts.logger);
      engine.#nextSeg = last + 1;
    }
    return engine;
  }

  async putMany(items: Item[]): Promise<string[]> {
    this.#checkOpen();
    for (const { bytes, ext } of items) {
      if (!EXT.test(ext)) throw new TypeError(`blob ext must match ${EXT}, got ${ext}`);
      if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
        throw new RangeError(`blob of ${bytes.byteLength} bytes is too large`);
      }
    }
    const raws = items.map(({ bytes }) => createHash('sha256').update(bytes).digest());
    const keys = raws.map((raw) => raw.toString('hex'));
    // Nothing here awaits, so two puts of the same bytes cannot both miss the maps.
    const waits = new Set<Promise<void>>();
    for (const [i, key] of keys.entries()) {
      // A key being removed is written afresh: the copy it has is about to go.
      if (this.#index.has(key) && !this.#index.removing.has(key)) continue;
      const pending = this.#inflight.get(key);
      if (pending) {
        waits.add(pending);
        continue;
      }
      const { bytes, ext } = items[i]!;
      const batch = this.#queue();
      batch.items.push({ key, raw: raws[i]!, bytes, ext, crc: crc32(bytes) });
      this.#inflight.set(key, batch.done);
      waits.add(batch.done);
    }
    await Promise.all(waits);
    return keys;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    if (!KEY.test(key)) return undefined;
    for (;;) {
      const e = this.#index.get(key);
      if (!e) return undefined;
      const swap = this.#index.swapOf(e.seg);
      if (swap) {
        // The segment is being replaced by its compacted copy: read where it says after.
        await swap;
        continue;
      }
      const gen = this.#index.generation(e.seg);
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      // Its own memory, not a slice of Buffer's shared pool: the caller keeps it.
      const payload = Buffer.allocUnsafeSlow(e.len);
      const { bytesRead } = await this.#reads.use(e.seg, (fh) =>
        fh.readv(e.len > 0 ? [header, payload] : [header], e.off),
      );
      let problem: string | undefined;
      const h = bytesRead === HEADER_BYTES + e.len ? decodeHeader(header) : 'short read';
      if (typeof h === 'string') problem = h;
      else if (h.key !== key || h.len !== e.len) problem = 'record does not match the index';
      else if (crc32(payload) !== h.crc) problem = 'payload checksum mismatch';
      if (problem === undefined) return payload;
      // A compaction swapped the file under this read, or the key was stored again: read again.
      if (this.#index.generation(e.seg) !== gen || this.#index.get(key) !== e) continue;
      this.#logger.warn(
        { key, segment: segmentName(e.seg), offset: e.off, problem },
        'blob failed its integrity check: not served, and forgotten until stored again',
      );
      this.#index.forget(e);
      return undefined;
    }
  }

  has(key: string): boolean {
    this.#checkOpen();
    return KEY.test(key) && this.#index.has(key);
  }

  /** Removes every copy of the keys from the log, by compaction (segment-compact.ts). */
  async remove(keys: readonly string[]): Promise<RemoveResult> {
    this.#checkOpen();
    return this.#compactor.remove(keys);
  }

  /** Resolves once no append is queued or running. */
  async idle(): Promise<void> {
    while (this.#writer) await this.#writer;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#compactor.idle();
    await this.idle();
    const active = this.#active;
    this.#active = undefined;
    try {
      await active?.fh.close();
    } finally {
      await this.#reads.closeAll();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('blob store is closed');
  }

  #queue(): Batch {
    if (this.#queued) return this.#queued;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch = { items: [], done, resolve, reject };
    this.#queued = batch;
    this.#writer ??= this.#drain();
    return batch;
  }

  /** The writer: takes the queued batch, appends it, and again until none is queued. */
  async #drain(): Promise<void> {
    try {
      for (;;) {
        // Yield a turn first, so that every put made meanwhile (callers whose last put
        // just resolved, among them) joins this append rather than the one after.
        await new Promise<void>((r) => setImmediate(r));
        for (const op of this.#ops.splice(0)) await op();
        const batch = this.#queued;
        if (!batch) {
          if (this.#ops.length > 0) continue;
          return;
        }
        this.#queued = undefined;
        try {
          await this.#append(batch.items);
          batch.resolve();
        } catch (e) {
          batch.reject(e);
        } finally {
          for (const { key } of batch.items) {
            if (this.#inflight.get(key) === batch.done) this.#inflight.delete(key);
          }
        }
      }
    } finally {
      this.#writer = undefined;
    }
  }

  /** Appends records, filling the active segment and rolling over as needed; one fsync per segment written. */
  async #append(items: Pending[]): Promise<void> {
    let i = 0;
    while (i < items.length) {
      if (!this.#active) {
        this.#active = await this.#create(this.#nextSeg);
        this.#nextSeg++;
      }
      const active = this.#active;
      const group: Pending[] = [];
      let end = active.size;
      while (i < items.length) {
        const size = HEADER_BYTES + items[i]!.bytes.byteLength;
        // An empty segment takes any record, however large.
        if (end > 0 && end + size > this.#segmentBytes) break;
        group.push(items[i]!);
        end += size;
        i++;
      }
      if (group.length > 0) await this.#write(active, group);
      if (i < items.length) await this.#roll();
    }
  }

  /** One writev of the group at the end of the segment, one fsync, then into the index. */
  async #write(active: Active, group: Pending[]): Promise<void> {
    const headers = Buffer.allocUnsafe(HEADER_BYTES * group.length);
    const bufs: Uint8Array[] = [];
    let total = 0;
    for (const [k, { raw, ext, bytes, crc }] of group.entries()) {
      const at = k * HEADER_BYTES;
      encodeHeader(headers, at, raw, ext, bytes.byteLength, crc);
      bufs.push(headers.subarray(at, at + HEADER_BYTES));
      if (bytes.byteLength > 0) bufs.push(bytes);
      total += HEADER_BYTES + bytes.byteLength;
    }
    const start = active.size;
    try {
      await writevAt(active.fh, bufs, start, total, segmentName(active.seg));
      await active.fh.sync();
    } catch (e) {
      // Nothing of this write was acknowledged: cut it off, so the next write lands right
      // after the last acknowledged record and its own fsync covers the pages again.
      await active.fh.truncate(start).catch(() => {});
      throw e;
    }
    let off = start;
    for (const { key, ext, bytes } of group) {
      const entry: Entry = { key, seg: active.seg, off, len: bytes.byteLength, ext: this.#index.intern(ext) };
      active.entries.push(entry);
      this.#index.add([entry]);
      off += HEADER_BYTES + bytes.byteLength;
    }
    active.size = off;
  }

  /** Seals the active segment (fsync, sidecar) and starts the next. */
  async #roll(): Promise<void> {
    const old = this.#active!;
    // Its length is final; this also makes a truncation after a failed write durable.
    await old.fh.sync();
    await writeSidecar(this.#dir, old.seg, old.size, old.entries);
    // Creating the next segment fsyncs the directory, which makes the sidecar's name durable.
    const next = await this.#create(this.#nextSeg);
    this.#nextSeg++;
    this.#active = next;
    // Everything in it is fsync'd: a failure to close loses nothing.
    await old.fh.close().catch(() => {});
  }

  /** A new, empty segment whose name is durable before anything is written to it. */
  async #create(seg: number): Promise<Active> {
    const path = join(this.#dir, segmentName(seg));
    const fh = await open(path, 'wx');
    try {
      await fsyncDir(this.#dir);
    } catch (e) {
      await fh.close().catch(() => {});
      await unlinkIfThere(path).catch(() => {});
      throw e;
    }
    return { seg, fh, size: 0, entries: [] };
  }

  /** Runs fn on the writer, between appends; resolves with its result. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#ops.push(() => fn().then(resolve, reject));
      this.#writer ??= this.#drain();
    });
  }

  /** Seals the active segment if it holds a copy of any of the keys (compaction reads only sealed ones). */
  async #sealHolding(keys: ReadonlySet<string>): Promise<number | undefined> {
    const active = this.#active;
    if (active?.entries.some((e) => keys.has(e.key))) await this.#roll();
    return this.#active?.seg;
  }
}

/** The segment store's single writer and its index: appends, seals, recovers, reads (see segments.ts). */
import { createHash } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  decodeHeader,
  decodeSidecar,
  type Entry,
  EXT,
  encodeHeader,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  parseSegmentName,
  segmentName,
  sidecarName,
} from './segment-format.js';
import { fsyncDir, isNotFound, unlinkIfThere, writeSidecar, writevAt } from './segment-io.js';
import { KEY, TEMP_SUFFIX } from './segment-limits.js';
import { ReadHandles } from './segment-reads.js';
import { type Damage, type ScanResult, scanSegment } from './segment-scan.js';
import type { Item, SegmentStoreLogger } from './segments.js';

interface Active {
  seg: number;
  fh: FileHandle;
  /** Length of the acknowledged records: where the next write goes. */
  size: number;
  /** Its records in log order, for its sidecar. */
  entries: Entry[];
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
  readonly #index = new Map<string, Entry>();
  /** Keys queued or being written, to the promise of their batch. */
  readonly #inflight = new Map<string, Promise<void>>();
  /** One string per ext, shared by every entry that has it. */
  readonly #exts = new Map<string, string>();
  #active: Active | undefined;
  #nextSeg = 1;
  /** The batch the next append takes; puts join it until then. */
  #queued: Batch | undefined;
  #writer: Promise<void> | undefined;
  #closed = false;

  private constructor(
    dir: string,
    segmentBytes: number,
    maxOpenSegments: number,
    logger: SegmentStoreLogger,
  ) {
    this.#dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#logger = logger;
    this.#reads = new ReadHandles(dir, maxOpenSegments);
  }

  static async open(
    dir: string,
    segmentBytes: number,
    maxOpenSegments: number,
    logger: SegmentStoreLogger,
  ): Promise<Engine> {
    const engine = new Engine(dir, segmentBytes, maxOpenSegments, logger);
    const names = await readdir(dir);
    for (const name of names) if (name.endsWith(TEMP_SUFFIX)) await unlinkIfThere(join(dir, name));
    const segs = names.flatMap((n) => parseSegmentName(n) ?? []).sort((a, b) => a - b);
    const last = segs.pop();
    for (const seg of segs) await engine.#loadSealed(seg);
    if (last !== undefined) {
      await engine.#recoverActive(last);
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
      if (this.#index.has(key)) continue;
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
    const e = this.#index.get(key);
    if (!e) return undefined;
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
    this.#logger.warn(
      { key, segment: segmentName(e.seg), offset: e.off, problem },
      'blob failed its integrity check: not served, and forgotten until stored again',
    );
    if (this.#index.get(key) === e) this.#index.delete(key);
    return undefined;
  }

  has(key: string): boolean {
    this.#checkOpen();
    return KEY.test(key) && this.#index.has(key);
  }

  /** Resolves once no append is queued or running. */
  async idle(): Promise<void> {
    while (this.#writer) await this.#writer;
  }

  async close(): Promise<void> {
    this.#closed = true;
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
        const batch = this.#queued;
        if (!batch) return;
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
      const entry: Entry = { key, seg: active.seg, off, len: bytes.byteLength, ext: this.#intern(ext) };
      active.entries.push(entry);
      this.#index.set(key, entry);
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

  /** Indexes a sealed segment from its sidecar, or by reading it when the sidecar will not do. */
  async #loadSealed(seg: number): Promise<void> {
    const path = join(this.#dir, segmentName(seg));
    const { size } = await stat(path);
    let why: string;
    try {
      const entries = decodeSidecar(await readFile(join(this.#dir, sidecarName(seg))), seg, size);
      if (typeof entries !== 'string') {
        this.#add(entries);
        return;
      }
      why = entries;
    } catch (e) {
      why = isNotFound(e) ? 'no sidecar' : String(e);
    }
    this.#logger.warn({ segment: segmentName(seg), why }, 'reading a sealed segment to rebuild its sidecar');
    const fh = await open(path, 'r');
    let scan: ScanResult;
    try {
      scan = await scanSegment(fh, seg, size);
    } finally {
      await fh.close();
    }
    // A sealed segment was fsync'd whole before the next was made, so damage here is rot,
    // not a torn write: say so, and keep the file as it is.
    this.#reportDamage(seg, scan.damaged);
    this.#add(scan.entries);
    await writeSidecar(this.#dir, seg, size, scan.entries);
    await fsyncDir(this.#dir);
  }

  /** Makes the highest segment the active one, cutting off a torn tail. */
  async #recoverActive(seg: number): Promise<void> {
    const fh = await open(join(this.#dir, segmentName(seg)), 'r+');
    try {
      const { size } = await fh.stat();
      const scan = await scanSegment(fh, seg, size);
      this.#reportDamage(
        seg,
        scan.damaged.filter((d) => d.offset < scan.end),
      );
      if (scan.end < size) {
        // Writes that were never acknowledged: their fsync did not return before the end.
        this.#logger.warn(
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
      this.#add(scan.entries);
      this.#active = { seg, fh, size: scan.end, entries: scan.entries };
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** Damaged ranges between good records: what they held is lost, what follows is kept. */
  #reportDamage(seg: number, damaged: Damage[]): void {
    for (const { offset, bytes, problem } of damaged) {
      this.#logger.warn(
        { segment: segmentName(seg), offset, bytes, problem },
        'damaged records in a segment: skipped, the records after them are kept',
      );
    }
  }

  /** Into the index, in log order: a later copy of a key wins over an earlier one. */
  #add(entries: Entry[]): void {
    for (const e of entries) {
      e.ext = this.#intern(e.ext);
      this.#index.set(e.key, e);
    }
  }

  #intern(ext: string): string {
    let s = this.#exts.get(ext);
    if (s === undefined) {
      s = ext;
      this.#exts.set(ext, s);
    }
    return s;
  }
}

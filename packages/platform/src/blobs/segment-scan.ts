/**
 * Reads a segment file from the start and checks every record, header and payload, to
 * index its good records and find where they end. Payloads are checked, not skipped:
 * after a power cut a file can be long enough for its last record while that record's
 * blocks were never written, so a whole-looking header proves nothing about its payload.
 * Only the active segment is read this way on open (a sealed one has a sidecar), so the
 * cost is bounded by segmentBytes.
 *
 * A damaged record does not end the scan: the scan looks for the next record magic and
 * goes on from there, so rot in the middle of a segment loses only the records it hit.
 * From the first damage on, a record is accepted only if its payload also hashes to its
 * key: a payload can itself contain bytes shaped like records (anyone can upload a photo),
 * and only the sha256 tells a real record found by searching from a planted one.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { decodeHeader, type Entry, HEADER_BYTES, RECORD_MAGIC } from './segment-format.js';

/** Reading buffer: large sequential reads, a few per megabyte of segment. */
const READ_BYTES = 4 * 1024 * 1024;
const MAGIC = Buffer.alloc(4);
MAGIC.writeUInt32BE(RECORD_MAGIC);

/** A range holding no good record. */
export interface Damage {
  offset: number;
  bytes: number;
  /** What was wrong with the record expected at offset. */
  problem: string;
}

export interface ScanResult {
  /** The good records, in log order. */
  entries: Entry[];
  /** Where the last good record ends: the file's length, unless the file has a damaged tail. */
  end: number;
  /** Damaged ranges in file order; one that reaches the end of the file starts at `end`. */
  damaged: Damage[];
}

export async function scanSegment(fh: FileHandle, seg: number, size: number): Promise<ScanResult> {
  const reader = new FileReader(fh);
  const entries: Entry[] = [];
  const damaged: Damage[] = [];
  let current: Damage | undefined;
  let off = 0;
  let end = 0;
  while (off < size) {
    const r = await readRecord(reader, seg, off, size, damaged.length > 0);
    if (typeof r !== 'string') {
      if (current) current.bytes = off - current.offset;
      current = undefined;
      entries.push(r);
      off += HEADER_BYTES + r.len;
      end = off;
      continue;
    }
    if (!current) {
      current = { offset: off, bytes: size - off, problem: r };
      damaged.push(current);
    }
    const next = await reader.find(MAGIC, off + 1, size);
    if (next < 0) break;
    off = next;
  }
  return { entries, end, damaged };
}

/** The record at off, or why there is none. */
async function readRecord(
  reader: FileReader,
  seg: number,
  off: number,
  size: number,
  checkKey: boolean,
): Promise<Entry | string> {
  if (size - off < HEADER_BYTES) return 'incomplete header';
  const raw = await reader.view(off, HEADER_BYTES);
  if (!raw) return 'incomplete header';
  const h = decodeHeader(raw);
  if (typeof h === 'string') return h;
  if (h.len > size - off - HEADER_BYTES) return 'incomplete payload';
  let crc = 0;
  const sha = checkKey ? createHash('sha256') : undefined;
  const whole = await reader.each(off + HEADER_BYTES, h.len, (chunk) => {
    crc = crc32(chunk, crc);
    sha?.update(chunk);
  });
  if (!whole) return 'incomplete payload';
  if (crc !== h.crc) return 'payload checksum mismatch';
  if (sha && sha.digest('hex') !== h.key) return 'payload does not hash to its key';
  return { key: h.key, seg, off, len: h.len, ext: h.ext };
}

/** Reads a file through one buffer, mostly front to back. */
class FileReader {
  readonly #fh: FileHandle;
  readonly #buf = Buffer.allocUnsafe(READ_BYTES);
  /** File offset of #buf[0], and how many bytes from there are read. */
  #bufPos = 0;
  #len = 0;

  constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  /** Bytes [pos, pos + n) of the file (n ≤ READ_BYTES), valid until the next call; undefined past its end. */
  async view(pos: number, n: number): Promise<Buffer | undefined> {
    if (pos < this.#bufPos || pos + n > this.#bufPos + this.#len) {
      if (pos >= this.#bufPos && pos < this.#bufPos + this.#len) {
        this.#buf.copyWithin(0, pos - this.#bufPos, this.#len);
        this.#len -= pos - this.#bufPos;
      } else {
        this.#len = 0;
      }
      this.#bufPos = pos;
      while (this.#len < n) {
        const { bytesRead } = await this.#fh.read(
          this.#buf,
          this.#len,
          this.#buf.length - this.#len,
          pos + this.#len,
        );
        if (bytesRead === 0) return undefined;
        this.#len += bytesRead;
      }
    }
    return this.#buf.subarray(pos - this.#bufPos, pos - this.#bufPos + n);
  }

  /** Hands fn the bytes [pos, pos + n) in order, chunk by chunk; false if the file ends first. */
  async each(pos: number, n: number, fn: (chunk: Buffer) => void): Promise<boolean> {
    while (n > 0) {
      const k = Math.min(n, READ_BYTES);
      const chunk = await this.view(pos, k);
      if (!chunk) return false;
      fn(chunk);
      pos += k;
      n -= k;
    }
    return true;
  }

  /** Where needle first starts in [from, to), or -1. */
  async find(needle: Buffer, from: number, to: number): Promise<number> {
    while (from + needle.length <= to) {
      const chunk = await this.view(from, Math.min(READ_BYTES, to - from));
      if (!chunk) return -1;
      const i = chunk.indexOf(needle);
      if (i >= 0) return from + i;
      from += chunk.length - needle.length + 1;
    }
    return -1;
  }
}

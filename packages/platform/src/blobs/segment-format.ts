/**
 * The on-disk format of the segment blob store (segments.ts): record headers in
 * NNNNNNNN.seg and the sidecar index NNNNNNNN.idx of a sealed segment. Pure encoding and
 * decoding, no I/O. All integers are big-endian.
 *
 * Record, a 64-byte header then the payload:
 *
 *   0   4  magic "KQBR"
 *   4   1  format version (1)
 *   5   1  ext length n, 1..10
 *   6   2  reserved, zero
 *   8   4  payload length
 *  12   4  CRC-32 of the payload
 *  16  32  sha256 of the payload, raw: the key
 *  48  12  ext, ASCII, zero-padded
 *  60   4  CRC-32 of bytes 0..59
 *
 * The header has its own CRC so that a torn or rotten header is never trusted for its
 * length, which is what finds the next record.
 *
 * Sidecar index, written once when a segment is sealed:
 *
 *   0   4  magic "KQBI"
 *   4   1  format version (1)
 *   5   3  reserved, zero
 *   8   4  segment number
 *  12   8  segment length in bytes: the sidecar is stale if the segment's differs
 *  20   4  entry count
 *  24      entries, 56 bytes each: key (32, raw) | record offset (8) | payload length (4) | ext (12, zero-padded)
 *  end  4  CRC-32 of everything before it
 */
import { crc32 } from 'node:zlib';

export const RECORD_MAGIC = 0x4b514252; // "KQBR"
export const SIDECAR_MAGIC = 0x4b514249; // "KQBI"
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const SIDECAR_HEAD_BYTES = 24;
export const SIDECAR_ENTRY_BYTES = 56;
/** The payload length field is 32 bits. */
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;
export const EXT = /^[a-z0-9]{1,10}$/;
const EXT_FIELD = 12;

const SEGMENT_NAME = /^(\d{8})\.seg$/;

export function segmentName(seg: number): string {
  return `${String(seg).padStart(8, '0')}.seg`;
}

export function sidecarName(seg: number): string {
  return `${String(seg).padStart(8, '0')}.idx`;
}

/** The segment number of a file name, or undefined if it is not a segment. */
export function parseSegmentName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Where a record lives; key is its sha256 hex, ext how it was first stored. */
export interface Entry {
  key: string;
  seg: number;
  /** Offset of the record's header in the segment. */
  off: number;
  /** Payload length. */
  len: number;
  ext: string;
}

export interface RecordHeader {
  key: string;
  len: number;
  crc: number;
  ext: string;
}

/** Writes a record header for a payload into out (64 bytes at `at`). */
export function encodeHeader(
  out: Buffer,
  at: number,
  key: Buffer,
  ext: string,
  len: number,
  crc: number,
): void {
  const h = out.subarray(at, at + HEADER_BYTES);
  h.fill(0);
  h.writeUInt32BE(RECORD_MAGIC, 0);
  h.writeUInt8(FORMAT_VERSION, 4);
  h.writeUInt8(ext.length, 5);
  h.writeUInt32BE(len, 8);
  h.writeUInt32BE(crc, 12);
  key.copy(h, 16, 0, 32);
  h.write(ext, 48, EXT_FIELD, 'latin1');
  h.writeUInt32BE(crc32(h.subarray(0, 60)), 60);
}

/** The header in h (64 bytes), or why it cannot be trusted. */
export function decodeHeader(h: Buffer): RecordHeader | string {
  if (h.length < HEADER_BYTES) return 'short header';
  if (h.readUInt32BE(0) !== RECORD_MAGIC) return 'bad magic';
  if (h.readUInt32BE(60) !== crc32(h.subarray(0, 60))) return 'header checksum mismatch';
  if (h.readUInt8(4) !== FORMAT_VERSION) return `unknown format version ${h.readUInt8(4)}`;
  const n = h.readUInt8(5);
  const ext = n <= 10 ? h.toString('latin1', 48, 48 + n) : '';
  if (!EXT.test(ext)) return 'bad ext';
  return {
    key: h.toString('hex', 16, 48),
    len: h.readUInt32BE(8),
    crc: h.readUInt32BE(12),
    ext,
  };
}

/** The sidecar of a sealed segment: its records in log order. */
export function encodeSidecar(seg: number, segmentLength: number, entries: readonly Entry[]): Buffer {
  const size = SIDECAR_HEAD_BYTES + entries.length * SIDECAR_ENTRY_BYTES + 4;
  const out = Buffer.alloc(size);
  out.writeUInt32BE(SIDECAR_MAGIC, 0);
  out.writeUInt8(FORMAT_VERSION, 4);
  out.writeUInt32BE(seg, 8);
  out.writeBigUInt64BE(BigInt(segmentLength), 12);
  out.writeUInt32BE(entries.length, 20);
  let at = SIDECAR_HEAD_BYTES;
  for (const e of entries) {
    out.write(e.key, at, 32, 'hex');
    out.writeBigUInt64BE(BigInt(e.off), at + 32);
    out.writeUInt32BE(e.len, at + 40);
    out.write(e.ext, at + 44, EXT_FIELD, 'latin1');
    at += SIDECAR_ENTRY_BYTES;
  }
  out.writeUInt32BE(crc32(out.subarray(0, at)), at);
  return out;
}

/**
 * The entries of a sidecar, or why it cannot be used: damaged, for another segment, or
 * stale (the segment's length is not the one it was written for).
 */
export function decodeSidecar(buf: Buffer, seg: number, segmentLength: number): Entry[] | string {
  if (buf.length < SIDECAR_HEAD_BYTES + 4) return 'short sidecar';
  if (buf.readUInt32BE(0) !== SIDECAR_MAGIC) return 'bad sidecar magic';
  const count = buf.readUInt32BE(20);
  if (buf.length !== SIDECAR_HEAD_BYTES + count * SIDECAR_ENTRY_BYTES + 4) return 'sidecar length mismatch';
  const end = buf.length - 4;
  if (buf.readUInt32BE(end) !== crc32(buf.subarray(0, end))) return 'sidecar checksum mismatch';
  if (buf.readUInt8(4) !== FORMAT_VERSION) return `unknown sidecar version ${buf.readUInt8(4)}`;
  if (buf.readUInt32BE(8) !== seg) return 'sidecar names another segment';
  if (buf.readBigUInt64BE(12) !== BigInt(segmentLength)) return 'stale sidecar (segment length differs)';
  const entries: Entry[] = [];
  for (let at = SIDECAR_HEAD_BYTES; at < end; at += SIDECAR_ENTRY_BYTES) {
    const off = Number(buf.readBigUInt64BE(at + 32));
    const len = buf.readUInt32BE(at + 40);
    const extBytes = buf.subarray(at + 44, at + 44 + EXT_FIELD);
    const zero = extBytes.indexOf(0);
    const ext = extBytes.toString('latin1', 0, zero < 0 ? EXT_FIELD : zero);
    if (!EXT.test(ext) || off + HEADER_BYTES + len > segmentLength) return 'sidecar entry out of range';
    entries.push({ key: buf.toString('hex', at, at + 32), seg, off, len, ext });
  }
  return entries;
}

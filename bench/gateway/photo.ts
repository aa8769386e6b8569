/**
 * Face photos for the photo workload: a real, decodable PNG of about 50 KiB, different
 * in every request. A platform that stores photos by content hash writes a repeated
 * photo only once, so one fixed photo would measure a cache, not a durable write.
 *
 * The PNG is signature, IHDR, a tEXt chunk holding a per-request tag, IDAT (random
 * pixels, stored uncompressed), IEND. The tag chunk is sized so the bytes before IDAT
 * are a multiple of 3: their base64 then ends cleanly, and each photo's base64 is a
 * ~100-character fresh head plus one shared ~68 KB tail, at the cost of one small CRC.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** The photo size the targets name ("50 KB"): the PNG file, before base64. */
export const PHOTO_TARGET_BYTES = 50 * 1024;
/** Characters of the per-request tag inside the tEXt chunk. */
export const TAG_CHARS = 36;
const TEXT_KEYWORD = 'bench';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: readonly Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([head.subarray(4), data]), 0);
  return Buffer.concat([head, data, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Builds one random-noise RGB PNG of about PHOTO_TARGET_BYTES and serves unique variants of it. */
export class PhotoFactory {
  readonly width: number;
  readonly height: number;
  /** IHDR and everything before the tag chunk. */
  private readonly head: Buffer;
  /** IDAT + IEND, shared by every variant, and its base64. */
  private readonly tail: Buffer;
  private readonly tailBase64: string;
  readonly bytes: number;

  constructor(targetBytes = PHOTO_TARGET_BYTES) {
    this.width = 128;
    const rowBytes = 1 + this.width * 3; // filter byte + RGB
    this.height = Math.max(1, Math.round(targetBytes / rowBytes));
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type RGB
    this.head = Buffer.concat([SIGNATURE, chunk('IHDR', ihdr)]);
    const raw = randomBytes(rowBytes * this.height);
    for (let y = 0; y < this.height; y++) raw[y * rowBytes] = 0; // filter: none
    // Noise does not compress: level 0 stores it, and the file stays near the target size.
    const tail = Buffer.concat([
      chunk('IDAT', deflateSync(raw, { level: 0 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    this.tail = tail;
    this.tailBase64 = tail.toString('base64');
    const tagChunkBytes = 12 + TEXT_KEYWORD.length + 1 + TAG_CHARS;
    if ((this.head.length + tagChunkBytes) % 3 !== 0)
      throw new Error('photo head must be a multiple of 3 bytes');
    this.bytes = this.head.length + tagChunkBytes + tail.length;
  }

  /** The whole PNG for tag: what a device's camera hands its SDK. */
  png(tag: string): Buffer {
    return Buffer.concat([this.head, this.tagChunk(tag), this.tail]);
  }

  /** base64 of a PNG that differs from every other tag's (tags of up to TAG_CHARS latin-1 characters). */
  base64(tag: string): string {
    return Buffer.concat([this.head, this.tagChunk(tag)]).toString('base64') + this.tailBase64;
  }

  private tagChunk(tag: string): Buffer {
    if (tag.length > TAG_CHARS) throw new RangeError(`photo tag longer than ${TAG_CHARS}: ${tag}`);
    return chunk('tEXt', Buffer.from(`${TEXT_KEYWORD}\0${tag.padEnd(TAG_CHARS, '.')}`, 'latin1'));
  }
}

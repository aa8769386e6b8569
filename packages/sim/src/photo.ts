/**
 * Face photos for the simulator: one real, decodable JPEG of about 50 KB, made once
 * with sharp, and a different variant of it for every use. The platform stores photos
 * by content hash, so one fixed photo would measure a cache, not a write, and would
 * merge every enrolment onto one blob.
 *
 * A variant is the JPEG with a comment segment (COM, 0xFFFE) right after the start
 * marker, holding a per-use tag: still a valid JPEG, decoded exactly like the original.
 * The marker, the segment header and the tag come to 30 bytes, a multiple of 3, so a
 * variant's base64 is a fresh 40-character head plus the one shared base64 tail: at
 * 2,000 clock-ins/s the simulator does not re-encode 50 KB per record.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** Characters of the per-use tag inside the COM segment (with the 6 bytes before it: 30, a multiple of 3). */
const TAG_CHARS = 24;
const SOI = Buffer.from([0xff, 0xd8]);

export interface PhotoFactoryOptions {
  /** The JPEG's size to aim at, bytes. Default 50 KiB. */
  targetBytes?: number;
  /** Square side in pixels; at least 128 (the enrolment minimum, 技术要求 1.2). Default 256. */
  side?: number;
}

export class PhotoFactory {
  /** Size of every variant, bytes. */
  readonly bytes: number;
  readonly side: number;
  /** The JPEG after its start marker. */
  readonly #rest: Buffer;
  readonly #restBase64: string;
  /** Distinguishes this run's photos from another run's on the same platform. */
  readonly #nonce = randomBytes(4).toString('hex');
  #counter = 0;

  private constructor(jpeg: Buffer, side: number) {
    this.#rest = jpeg.subarray(2);
    this.#restBase64 = this.#rest.toString('base64');
    this.bytes = jpeg.length + 4 + TAG_CHARS;
    this.side = side;
  }

  /** Encodes random noise (it compresses like a photo, not like a flat image) near the target size. */
  static async create(opts: PhotoFactoryOptions = {}): Promise<PhotoFactory> {
    const target = opts.targetBytes ?? 50 * 1024;
    const side = Math.max(128, opts.side ?? 256);
    const raw = randomBytes(side * side * 3);
    const encode = (quality: number) =>
      sharp(raw, { raw: { width: side, height: side, channels: 3 } })
        .jpeg({ quality })
        .toBuffer();
    // Size grows with quality: bisect for the closest, a handful of encodes of a small image.
    let lo = 1;
    let hi = 100;
    let best = await encode(hi);
    while (lo <= hi) {
      const q = Math.floor((lo + hi) / 2);
      const jpeg = await encode(q);
      if (Math.abs(jpeg.length - target) < Math.abs(best.length - target)) best = jpeg;
      if (jpeg.length < target) lo = q + 1;
      else hi = q - 1;
    }
    return new PhotoFactory(best, side);
  }

  /** A new variant, as JPEG bytes. */
  next(): Buffer {
    return Buffer.concat([this.#head(), this.#rest]);
  }

  /** A new variant, as the base64 a C_SIGN_IN `img` carries. */
  nextBase64(): string {
    return this.#head().toString('base64') + this.#restBase64;
  }

  #head(): Buffer {
    const n = this.#counter++;
    const tag = `ksim${this.#nonce}${String(n).padStart(TAG_CHARS - 12, '0')}`.slice(-TAG_CHARS);
    const seg = Buffer.alloc(4 + TAG_CHARS);
    seg[0] = 0xff;
    seg[1] = 0xfe;
    seg.writeUInt16BE(2 + TAG_CHARS, 2); // the length counts itself, not the marker
    seg.write(tag.padStart(TAG_CHARS, '0'), 4, 'latin1');
    return Buffer.concat([SOI, seg]);
  }
}

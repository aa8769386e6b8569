/**
 * Enrolment photos: a real 160 × 160 JPEG per person (the standard asks for at least
 * 128 × 128), about 6–8 KB, made with sharp. Every photo is one shared textured image
 * (a gradient with fixed noise, so it does not compress to nothing) with the person's
 * number drawn on it as a strip of black and white 8 × 8 blocks, and a tinted patch.
 * Different numbers differ by whole blocks, which JPEG cannot quantize away, so every
 * photo is different: the platform stores photos by content hash and would otherwise
 * keep a repeated one once.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

export const PHOTO_EDGE = 160;
const CHANNELS = 3;
const BLOCK = 8;
/** Bits drawn: two rows of 20 blocks. */
const BITS = 2 * (PHOTO_EDGE / BLOCK);
const QUALITY = 85;

let base: Buffer | undefined;

/** The shared background: a colour gradient with deterministic noise (xorshift). */
function baseImage(): Buffer {
  if (base) return base;
  const px = Buffer.alloc(PHOTO_EDGE * PHOTO_EDGE * CHANNELS);
  let s = 0x9e3779b9;
  for (let y = 0; y < PHOTO_EDGE; y++) {
    for (let x = 0; x < PHOTO_EDGE; x++) {
      const i = (y * PHOTO_EDGE + x) * CHANNELS;
      const grad = [x * 1.5, y * 1.5, (x + y) * 0.7];
      for (let c = 0; c < CHANNELS; c++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const noise = ((s >>> 0) % 48) - 24;
        px[i + c] = Math.max(0, Math.min(255, Math.round(grad[c]! + noise)));
      }
    }
  }
  base = px;
  return px;
}

function fillBlock(px: Buffer, bx: number, by: number, size: number, rgb: readonly number[]): void {
  for (let y = by; y < by + size; y++) {
    for (let x = bx; x < bx + size; x++) {
      const i = (y * PHOTO_EDGE + x) * CHANNELS;
      px[i] = rgb[0]!;
      px[i + 1] = rgb[1]!;
      px[i + 2] = rgb[2]!;
    }
  }
}

/** The JPEG of person number n (0 ≤ n < 2^40). */
export async function makePhoto(n: number): Promise<Buffer> {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** BITS) throw new RangeError(`photo number ${n}`);
  const px = Buffer.from(baseImage());
  const perRow = PHOTO_EDGE / BLOCK;
  let v = n;
  for (let bit = 0; bit < BITS; bit++) {
    const on = v % 2 === 1;
    v = Math.floor(v / 2);
    fillBlock(
      px,
      (bit % perRow) * BLOCK,
      Math.floor(bit / perRow) * BLOCK,
      BLOCK,
      on ? [235, 235, 235] : [20, 20, 20],
    );
  }
  // A "face" patch whose colour also varies with n: not needed for uniqueness, but the
  // photos then look different to a person too.
  fillBlock(px, 56, 64, 48, [(n * 37) % 256, (n * 91) % 256, (n * 53) % 256]);
  return sharp(px, { raw: { width: PHOTO_EDGE, height: PHOTO_EDGE, channels: CHANNELS } })
    .jpeg({ quality: QUALITY })
    .toBuffer();
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

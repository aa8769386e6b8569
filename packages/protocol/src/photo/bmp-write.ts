/**
 * Writes an 8-bit grey image as the single-channel BMP of 技术要求 1.2(2): BITMAPINFOHEADER,
 * 8 bits a pixel, an identity grey palette, rows bottom-up (or top-down on request) padded
 * to 4 bytes. For synthetic test images and for devices that store what they capture.
 */
import type { GreyImage } from './bmp.js';

export interface GreyBmpOptions {
  /** Write rows top-down (a negative height) instead of the usual bottom-up. */
  topDown?: boolean;
}

const HEADERS = 14 + 40;
const PALETTE_BYTES = 256 * 4;

export function writeGreyBmp(image: GreyImage, opts: GreyBmpOptions = {}): Uint8Array {
  const { width, height, pixels } = image;
  const stride = Math.ceil(width / 4) * 4;
  const dataOffset = HEADERS + PALETTE_BYTES;
  const out = new Uint8Array(dataOffset + stride * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, dataOffset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, opts.topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 8, true);
  view.setUint32(34, stride * height, true);
  view.setUint32(46, 256, true);
  for (let i = 0; i < 256; i++) out.fill(i, HEADERS + i * 4, HEADERS + i * 4 + 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (opts.topDown ? y : height - 1 - y) * stride;
    out.set(pixels.subarray(y * width, (y + 1) * width), row);
  }
  return out;
}

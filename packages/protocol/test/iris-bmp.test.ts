/** The iris BMP reader (技术要求 1.2(2)): what it reads, and every header it refuses. */
import { describe, expect, it } from 'vitest';
import {
  IRIS_IMAGE_HEIGHT,
  IRIS_IMAGE_WIDTH,
  readGreyBmp,
  syntheticEye,
  writeGreyBmp,
} from '../src/photo/index.js';

const eye = syntheticEye({ pupilRadius: 30, irisRadius: 100, seed: 7 });
const good = writeGreyBmp(eye);

/** A copy of the good BMP with one header field changed. */
function patched(change: (view: DataView, bytes: Uint8Array) => void, from: Uint8Array = good): Uint8Array {
  const bytes = Uint8Array.from(from);
  change(new DataView(bytes.buffer), bytes);
  return bytes;
}

function reason(bytes: Uint8Array): string {
  const read = readGreyBmp(bytes);
  return read.ok ? 'read' : read.reason;
}

describe('readGreyBmp', () => {
  it('reads a bottom-up BMP back to the same pixels', () => {
    const read = readGreyBmp(good);
    expect(read.ok && read.image.width).toBe(IRIS_IMAGE_WIDTH);
    expect(read.ok && read.image.height).toBe(IRIS_IMAGE_HEIGHT);
    expect(read.ok && Buffer.from(read.image.pixels).equals(Buffer.from(eye.pixels))).toBe(true);
  });

  it('reads a top-down BMP (negative height) to the same pixels', () => {
    const topDown = writeGreyBmp(eye, { topDown: true });
    expect(new DataView(topDown.buffer).getInt32(22, true)).toBe(-IRIS_IMAGE_HEIGHT);
    const read = readGreyBmp(topDown);
    expect(read.ok && Buffer.from(read.image.pixels).equals(Buffer.from(eye.pixels))).toBe(true);
  });

  it('maps pixels through a grey palette that is not the identity', () => {
    const inverted = patched((_v, b) => {
      for (let i = 0; i < 256; i++) b.fill(255 - i, 54 + i * 4, 54 + i * 4 + 3);
    });
    const read = readGreyBmp(inverted);
    expect(read.ok && read.image.pixels[0]).toBe(255 - (eye.pixels[0] ?? 0));
  });

  it('reads a BMP with a smaller palette whose pixels stay inside it', () => {
    const flat = writeGreyBmp({ width: 640, height: 480, pixels: new Uint8Array(640 * 480).fill(3) });
    expect(reason(patched((v) => v.setUint32(46, 16, true), flat))).toBe('read');
    expect(reason(patched((v) => v.setUint32(46, 2, true), flat))).toBe(
      'pixel (0, 0) indexes colour 3 of a 2-colour palette',
    );
  });

  it.each([
    ['empty', () => new Uint8Array(0), '0 bytes, too short for a BMP header'],
    ['not BMP', () => patched((_v, b) => b.set([0x89, 0x50])), 'not a BMP (no "BM" signature)'],
    [
      'OS/2 header',
      () => patched((v) => v.setUint32(14, 12, true)),
      'info header of 12 bytes, needs BITMAPINFOHEADER',
    ],
    ['too narrow', () => patched((v) => v.setInt32(18, 320, true)), '320×480 px, needs 640×480'],
    ['too tall', () => patched((v) => v.setInt32(22, 960, true)), '640×960 px, needs 640×480'],
    ['2 planes', () => patched((v) => v.setUint16(26, 2, true)), '2 planes, needs 1'],
    [
      '24-bit',
      () => patched((v) => v.setUint16(28, 24, true)),
      '24 bits per pixel, needs 8 (single channel)',
    ],
    ['RLE8', () => patched((v) => v.setUint32(30, 1, true)), 'compression 1, needs none (BI_RGB)'],
    [
      'huge palette',
      () => patched((v) => v.setUint32(46, 70000, true)),
      'palette of 70000 colours, at most 256 for 8 bits',
    ],
    [
      'colour palette',
      () => patched((_v, b) => b.set([10, 20, 30], 54 + 5 * 4)),
      'palette entry 5 is not grey',
    ],
    [
      'data offset inside headers',
      () => patched((v) => v.setUint32(10, 100, true)),
      'pixel data overlaps the headers',
    ],
    [
      'data offset past the end (a forged header)',
      () => patched((v) => v.setUint32(10, 0xffff_fff0, true)),
      `pixel data needs 307200 bytes at offset ${0xffff_fff0}, file has ${good.length}`,
    ],
    [
      'truncated',
      () => good.subarray(0, good.length - 1),
      `pixel data needs 307200 bytes at offset 1078, file has ${good.length - 1}`,
    ],
    ['palette cut off', () => good.subarray(0, 300), 'palette runs past the end of the file'],
  ])('refuses %s', (_name, bytes, expected) => {
    expect(reason(bytes())).toBe(expected);
  });
});

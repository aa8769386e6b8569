/**
 * The JPEG 2000 export is lossless: the .jp2 made from an eye decodes back to every
 * pixel of the BMP it came from, and so does a worst case for a wavelet coder (uniform
 * noise, nothing to predict). The JP2 boxes are what ISO/IEC 15444-1 Annex I says.
 */

import { readGreyBmp } from '@kaoqin/protocol/photo';
import { eyeBmp } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { decodeJpeg2000, encodeJ2k, encodeJp2, jp2Codestream } from '../../src/iris/jp2.js';

function greyOf(bmp: Uint8Array) {
  const r = readGreyBmp(bmp);
  if (!r.ok) throw new Error(r.reason);
  return r.image;
}

/** The first pixel index where two images differ, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('JPEG 2000 export', () => {
  it('decodes back to every pixel of a synthetic eye', async () => {
    const image = greyOf(eyeBmp({ pupilRadius: 35, irisRadius: 100, seed: 3, reflection: 6 }));
    const jp2 = await encodeJp2(image);
    const back = await decodeJpeg2000(jp2);
    expect([back.width, back.height]).toEqual([640, 480]);
    expect(back.reversible).toBe(true);
    expect(firstDifference(back.pixels, image.pixels)).toBe(-1);
    // Lossless yet smaller than the 307,200 pixel bytes: it is compressed, not stored.
    expect(jp2.length).toBeLessThan(image.pixels.length);
  });

  it('decodes back to every pixel of uniform noise (nothing for the wavelet to predict)', async () => {
    const pixels = new Uint8Array(640 * 480);
    let s = 12345;
    for (let i = 0; i < pixels.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      pixels[i] = s >>> 24;
    }
    const image = { width: 640, height: 480, pixels };
    const back = await decodeJpeg2000(await encodeJ2k(image));
    expect(firstDifference(back.pixels, pixels)).toBe(-1);
  });

  it('writes a JP2 file: signature, ftyp jp2, header (640 × 480, one 8-bit component, greyscale), codestream', async () => {
    const image = greyOf(eyeBmp({ pupilRadius: 30, irisRadius: 90 }));
    const file = Buffer.from(await encodeJp2(image));
    expect(file.subarray(0, 12).toString('hex')).toBe('0000000c6a5020200d0a870a');
    expect(file.toString('latin1', 16, 24)).toBe('ftypjp2 ');
    const ihdr = file.indexOf('ihdr', 0, 'latin1');
    expect(file.readUInt32BE(ihdr + 4)).toBe(480);
    expect(file.readUInt32BE(ihdr + 8)).toBe(640);
    expect(file.readUInt16BE(ihdr + 12)).toBe(1);
    expect(file[ihdr + 14]).toBe(7);
    const colr = file.indexOf('colr', 0, 'latin1');
    expect(file.readUInt32BE(colr + 7)).toBe(17);
    // The codestream starts with SOC and SIZ.
    const stream = jp2Codestream(file);
    expect(Buffer.from(stream!.subarray(0, 4)).toString('hex')).toBe('ff4fff51');
  });

  it('refuses to decode what is not JPEG 2000', async () => {
    await expect(decodeJpeg2000(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(
      /not a JPEG 2000/,
    );
  });
});

/**
 * A fake camera for browser tests: Chromium plays a file as its camera when started with
 * `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=<absolute path>.y4m`.
 * Its file capture reads YUV4MPEG2 (chosen by the `.y4m` extension): a header line with
 * W, H and F, then each frame as `FRAME\n` and its I420 planes, looping at the end.
 * ffmpeg is not on this machine and the project must not need it, so the frames are
 * converted here from sharp's raw RGB (BT.601, limited range: what Chromium assumes for
 * I420 it is given).
 */
import { open } from 'node:fs/promises';
import sharp from 'sharp';

export interface Y4mFormat {
  /** Even, in pixels (I420 halves both sides for the chroma planes). */
  width: number;
  height: number;
  /** Frames per second: a whole number, as Chromium's reader takes `F n:1` as n fps. */
  fps: number;
}

/** What starts every frame: Chromium accepts no frame parameters after the word. */
export const Y4M_FRAME_TAG = 'FRAME\n';

function checkFormat({ width, height, fps }: Y4mFormat): void {
  for (const [name, side] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(side) || side <= 0 || side % 2 !== 0)
      throw new RangeError(`y4m ${name} must be a positive even integer, got ${side}`);
  }
  if (!Number.isInteger(fps) || fps <= 0)
    throw new RangeError(`y4m fps must be a positive integer, got ${fps}`);
}

/**
 * The stream header. Chromium reads it from the first 200 bytes; C420jpeg is one of the
 * four chroma tags it accepts (all read as I420), Ip progressive, A1:1 square pixels.
 */
export function y4mHeader(format: Y4mFormat): string {
  checkFormat(format);
  return `YUV4MPEG2 W${format.width} H${format.height} F${format.fps}:1 Ip A1:1 C420jpeg\n`;
}

/** Bytes of one frame's planes: Y at full size, U and V at half width and half height. */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/**
 * One RGB frame (3 bytes a pixel, rows top to bottom, as sharp's `.raw()` gives) as I420.
 * Integer BT.601 limited range: Y in 16–235, U and V in 16–240 around 128. Chroma is
 * computed on each 2 × 2 block's mean colour.
 */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Uint8Array {
  checkFormat({ width, height, fps: 1 });
  if (rgb.length !== width * height * 3)
    throw new RangeError(
      `an RGB frame of ${width} × ${height} has ${width * height * 3} bytes, got ${rgb.length}`,
    );
  const out = new Uint8Array(i420Size(width, height));
  for (let p = 0, o = 0; p < width * height; p++, o += 3) {
    out[p] = ((66 * rgb[o]! + 129 * rgb[o + 1]! + 25 * rgb[o + 2]! + 128) >> 8) + 16;
  }
  const cw = width / 2;
  const uBase = width * height;
  const vBase = uBase + cw * (height / 2);
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const a = (2 * cy * width + 2 * cx) * 3;
      const b = a + width * 3;
      // Mean of the block's four pixels, rounded.
      const r = (rgb[a]! + rgb[a + 3]! + rgb[b]! + rgb[b + 3]! + 2) >> 2;
      const g = (rgb[a + 1]! + rgb[a + 4]! + rgb[b + 1]! + rgb[b + 4]! + 2) >> 2;
      const bl = (rgb[a + 2]! + rgb[a + 5]! + rgb[b + 2]! + rgb[b + 5]! + 2) >> 2;
      const c = cy * cw + cx;
      out[uBase + c] = ((-38 * r - 74 * g + 112 * bl + 128) >> 8) + 128;
      out[vBase + c] = ((112 * r - 94 * g - 18 * bl + 128) >> 8) + 128;
    }
  }
  return out;
}

/**
 * Writes a Y4M file of the RGB frames, one at a time (a second of 480 × 640 is 6.9 MB
 * at 15 fps). Chromium needs the path to be absolute. Answers the number of frames.
 */
export async function writeY4m(
  path: string,
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  format: Y4mFormat,
): Promise<number> {
  const header = y4mHeader(format);
  const file = await open(path, 'w');
  let count = 0;
  try {
    await file.write(header);
    for await (const rgb of frames) {
      await file.write(Y4M_FRAME_TAG);
      await file.write(rgbToI420(rgb, format.width, format.height));
      count++;
    }
  } finally {
    await file.close();
  }
  if (count === 0) throw new RangeError('a y4m file needs at least one frame');
  return count;
}

/** A photo (any format sharp reads) as one RGB frame of the given size, cropped to fill. */
export async function rgbFrameOf(photo: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const data = await sharp(photo)
    .rotate()
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

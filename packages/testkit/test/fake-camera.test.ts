import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { i420Size, rgbFrameOf, rgbToI420, writeY4m, y4mHeader } from '../src/fake-camera.js';
import { tempDir } from '../src/temp.js';

/** Reads a Y4M file the way Chromium's Y4mFileParser does: header to the first newline, then fixed-size frames. */
function parseY4m(bytes: Buffer): { tokens: string[]; width: number; height: number; frames: Buffer[] } {
  const end = bytes.indexOf(0x0a);
  const tokens = bytes.subarray(0, end).toString('latin1').split(' ');
  const width = Number(tokens.find((t) => t.startsWith('W'))?.slice(1));
  const height = Number(tokens.find((t) => t.startsWith('H'))?.slice(1));
  const size = i420Size(width, height);
  const frames: Buffer[] = [];
  let at = end + 1;
  while (at < bytes.length) {
    expect(bytes.subarray(at, at + 6).toString('latin1')).toBe('FRAME\n');
    frames.push(bytes.subarray(at + 6, at + 6 + size));
    at += 6 + size;
  }
  expect(at).toBe(bytes.length);
  return { tokens, width, height, frames };
}

function solid(width: number, height: number, rgb: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i += 3) out.set(rgb, i);
  return out;
}

/** The three planes of an I420 frame. */
function planes(frame: Uint8Array, width: number, height: number) {
  const ySize = width * height;
  const cSize = ySize / 4;
  return {
    y: frame.subarray(0, ySize),
    u: frame.subarray(ySize, ySize + cSize),
    v: frame.subarray(ySize + cSize, ySize + 2 * cSize),
  };
}

const distinct = (a: Uint8Array) => [...new Set(a)];

describe('fake camera (Y4M)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('kaoqin-y4m-');
  });
  afterAll(() => dir.remove());

  it('writes the header Chromium reads and one FRAME with I420 planes per RGB frame', async () => {
    const path = join(dir.dir, 'colours.y4m');
    const frames = [solid(8, 6, [255, 0, 0]), solid(8, 6, [255, 255, 255]), solid(8, 6, [0, 0, 0])];
    expect(await writeY4m(path, frames, { width: 8, height: 6, fps: 15 })).toBe(3);
    const video = parseY4m(await readFile(path));
    expect(video.tokens).toEqual(['YUV4MPEG2', 'W8', 'H6', 'F15:1', 'Ip', 'A1:1', 'C420jpeg']);
    expect(video.frames).toHaveLength(3);
    // BT.601 limited range, the textbook values: red (82, 90, 240), white (235, 128, 128), black (16, 128, 128).
    const [red, white, black] = video.frames.map((f) => planes(f, 8, 6));
    expect([distinct(red!.y), distinct(red!.u), distinct(red!.v)]).toEqual([[82], [90], [240]]);
    expect([distinct(white!.y), distinct(white!.u), distinct(white!.v)]).toEqual([[235], [128], [128]]);
    expect([distinct(black!.y), distinct(black!.u), distinct(black!.v)]).toEqual([[16], [128], [128]]);
  });

  it('keeps planes in place: left half blue, right half green', () => {
    const width = 4;
    const height = 2;
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) rgb.set(x < 2 ? [0, 0, 255] : [0, 255, 0], (y * width + x) * 3);
    const { y, u, v } = planes(rgbToI420(rgb, width, height), width, height);
    // Blue (41, 240, 110), green (144, 54, 34) by the integer formula; one chroma sample per 2 × 2 block.
    expect([...y]).toEqual([41, 41, 144, 144, 41, 41, 144, 144]);
    expect([...u]).toEqual([240, 54]);
    expect([...v]).toEqual([110, 34]);
  });

  it('takes chroma from the mean colour of each 2 × 2 block', () => {
    // Two red and two black pixels: mean (128, 0, 0), whose chroma is (109, 184).
    const rgb = new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0]);
    const { y, u, v } = planes(rgbToI420(rgb, 2, 2), 2, 2);
    expect([...y]).toEqual([82, 16, 16, 82]);
    expect([...u, ...v]).toEqual([109, 184]);
  });

  it('turns a photo into a frame of the asked size (sharp raw RGB)', async () => {
    const photo = await sharp({ create: { width: 30, height: 20, channels: 4, background: '#ff0000' } })
      .png()
      .toBuffer();
    const frame = await rgbFrameOf(photo, 10, 16);
    expect(frame).toHaveLength(10 * 16 * 3);
    expect(distinct(planes(rgbToI420(frame, 10, 16), 10, 16).v)).toEqual([240]);
  });

  it('refuses what Chromium would not play', async () => {
    expect(() => y4mHeader({ width: 7, height: 6, fps: 15 })).toThrow(RangeError);
    expect(() => y4mHeader({ width: 8, height: 6, fps: 7.5 })).toThrow(RangeError);
    expect(() => rgbToI420(new Uint8Array(10), 2, 2)).toThrow(/has 12 bytes, got 10/);
    await expect(writeY4m(join(dir.dir, 'empty.y4m'), [], { width: 2, height: 2, fps: 1 })).rejects.toThrow(
      /at least one frame/,
    );
  });
});

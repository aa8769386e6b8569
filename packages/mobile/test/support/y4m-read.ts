/**
 * Reads a Y4M file written by testkit's writeY4m back into RGB frames, converting I420
 * (BT.601, limited range) as Chromium does for its fake camera: the liveness tests run
 * Human on what the browser will see, chroma subsampling included.
 */
import { readFile } from 'node:fs/promises';

export interface Y4mVideo {
  width: number;
  height: number;
  fps: number;
  frames: Uint8Array[];
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

export async function readY4m(path: string): Promise<Y4mVideo> {
  const bytes = await readFile(path);
  const headerEnd = bytes.indexOf(0x0a);
  const header = bytes.subarray(0, headerEnd).toString('latin1');
  const width = Number(/ W(\d+)/.exec(header)?.[1]);
  const height = Number(/ H(\d+)/.exec(header)?.[1]);
  const fps = Number(/ F(\d+):1/.exec(header)?.[1]);
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const frames: Uint8Array[] = [];
  let at = headerEnd + 1;
  while (at < bytes.length) {
    const tagEnd = bytes.indexOf(0x0a, at);
    const planes = bytes.subarray(tagEnd + 1, tagEnd + 1 + ySize + 2 * cSize);
    const rgb = new Uint8Array(ySize * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = (y >> 1) * (width / 2) + (x >> 1);
        const yy = 1.164 * ((planes[y * width + x] as number) - 16);
        const u = (planes[ySize + c] as number) - 128;
        const v = (planes[ySize + cSize + c] as number) - 128;
        const o = (y * width + x) * 3;
        rgb[o] = clamp(yy + 1.596 * v);
        rgb[o + 1] = clamp(yy - 0.392 * u - 0.813 * v);
        rgb[o + 2] = clamp(yy + 2.017 * u);
      }
    }
    frames.push(rgb);
    at = tagEnd + 1 + ySize + 2 * cSize;
  }
  return { width, height, fps, frames };
}

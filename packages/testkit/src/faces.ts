/** Enrolment inputs for tests: real face photos and ID numbers, different every call. */
import sharp from 'sharp';

let photoSeed = 0;
/** A real 160×160 JPEG (§1.2's minimum is 128×128), different every time: the platform stores photos by content. */
export async function face(): Promise<Buffer> {
  const n = ++photoSeed;
  return sharp({
    create: { width: 160, height: 160, channels: 3, background: { r: n % 256, g: (n * 7) % 256, b: 90 } },
  })
    .jpeg()
    .toBuffer();
}

let idSeq = 0;
/** An 18-character ID number, unique within the test process. */
export const idNumber = (): string => `3301061990${String(++idSeq).padStart(7, '0')}X`;

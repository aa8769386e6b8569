/**
 * A reader for the iris image of 技术要求 1.2(2): "640(宽)×480(高)像素 … 默认存储为单通道
 * bmp 格式" (GB/T 26237.6 VGA). It reads exactly that and nothing else: a BITMAPINFOHEADER
 * (or its V4/V5 extensions) BMP of 640 × 480 pixels, 8 bits a pixel, uncompressed, whose
 * palette is grey (R = G = B), rows bottom-up or top-down, each row padded to 4 bytes.
 * Every size the header claims is checked against the file's length before anything is
 * read or allocated, so a forged header cannot make it allocate more than one image.
 */

/** An 8-bit grey image, rows top-down, no padding: pixel (x, y) is `pixels[y * width + x]`. */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** GB/T 26237.6 monocular VGA: the only size 1.2(2) allows. */
export const IRIS_IMAGE_WIDTH = 640;
export const IRIS_IMAGE_HEIGHT = 480;

export type BmpRead = { ok: true; image: GreyImage } | { ok: false; reason: string };

const FILE_HEADER = 14;
/** BITMAPINFOHEADER, BITMAPV4HEADER, BITMAPV5HEADER: the same first 40 bytes. */
const INFO_HEADER_SIZES = new Set([40, 108, 124]);
const BI_RGB = 0;
const PALETTE_ENTRY = 4;

export function readGreyBmp(bytes: Uint8Array): BmpRead {
  if (bytes.length < FILE_HEADER + 40) return refuse(`${bytes.length} bytes, too short for a BMP header`);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) return refuse('not a BMP (no "BM" signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const infoSize = view.getUint32(14, true);
  if (!INFO_HEADER_SIZES.has(infoSize))
    return refuse(`info header of ${infoSize} bytes, needs BITMAPINFOHEADER`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const planes = view.getUint16(26, true);
  const bitCount = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const colorsUsed = view.getUint32(46, true);
  // A negative height means rows top-down; positive, bottom-up (the usual).
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width !== IRIS_IMAGE_WIDTH || height !== IRIS_IMAGE_HEIGHT) {
    return refuse(`${width}×${height} px, needs ${IRIS_IMAGE_WIDTH}×${IRIS_IMAGE_HEIGHT}`);
  }
  if (planes !== 1) return refuse(`${planes} planes, needs 1`);
  if (bitCount !== 8) return refuse(`${bitCount} bits per pixel, needs 8 (single channel)`);
  if (compression !== BI_RGB) return refuse(`compression ${compression}, needs none (BI_RGB)`);
  const entries = colorsUsed === 0 ? 256 : colorsUsed;
  if (entries > 256) return refuse(`palette of ${entries} colours, at most 256 for 8 bits`);
  const paletteStart = FILE_HEADER + infoSize;
  const paletteEnd = paletteStart + entries * PALETTE_ENTRY;
  if (paletteEnd > bytes.length) return refuse('palette runs past the end of the file');
  const grey = new Uint8Array(256);
  for (let i = 0; i < entries; i++) {
    const at = paletteStart + i * PALETTE_ENTRY;
    const blue = bytes[at];
    if (bytes[at + 1] !== blue || bytes[at + 2] !== blue) return refuse(`palette entry ${i} is not grey`);
    grey[i] = blue ?? 0;
  }
  // Rows are padded to a multiple of 4 bytes (none at 640 wide, but the rule is the rule).
  const stride = Math.ceil(width / 4) * 4;
  if (dataOffset < paletteEnd) return refuse('pixel data overlaps the headers');
  if (dataOffset + stride * height > bytes.length) {
    return refuse(
      `pixel data needs ${stride * height} bytes at offset ${dataOffset}, file has ${bytes.length}`,
    );
  }
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const index = bytes[row + x] ?? 0;
      if (index >= entries)
        return refuse(`pixel (${x}, ${y}) indexes colour ${index} of a ${entries}-colour palette`);
      pixels[y * width + x] = grey[index] ?? 0;
    }
  }
  return { ok: true, image: { width, height, pixels } };
}

function refuse(reason: string): BmpRead {
  return { ok: false, reason };
}

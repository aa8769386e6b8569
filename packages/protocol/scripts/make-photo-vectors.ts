/**
 * Writes the shared photo vectors (vectors/photos/: the image files and manifest.json),
 * each file with what the §1.2 check must answer for it, header only and fully decoded.
 * Run `npm run vectors:photos -w @kaoqin/protocol`; `npm run vectors:photos:check`
 * regenerates and fails when a committed file differs.
 *
 * Deterministic: pixels come from a seeded generator, the PNG bomb and the BMP are
 * written byte by byte, and the encoders run with fixed settings (the pinned sharp gives
 * the same JPEG, PNG, GIF and WebP bytes from the same pixels).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import {
  PHOTO_MAX_BYTES,
  PHOTO_MAX_DECODE_PIXELS,
  PHOTO_MIN_FACE_PIXELS,
  PHOTO_PROBLEM_FAILURES,
  type PhotoCheck,
  type PhotoFormat,
  type PhotoProblem,
  type PhotoVector,
  type PhotoVectorFile,
} from '../src/photo/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'photos');

/** mulberry32: a small seeded generator, so every run draws the same pixels. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(n: number, seed: number): Buffer {
  const next = random(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
}

/** A gradient with noise on it: detail enough that a cut file loses pixels, small when encoded. */
function picture(width: number, height: number, seed: number): sharp.Sharp {
  const next = random(seed);
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = Math.floor(next() * 12) - 6;
      px[i] = clamp((x * 255) / width + n);
      px[i + 1] = clamp((y * 255) / height + n);
      px[i + 2] = clamp(128 + n);
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } });
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

const jpeg = (s: sharp.Sharp) =>
  s.jpeg({ quality: 80, mozjpeg: false, chromaSubsampling: '4:2:0', optimiseCoding: true }).toBuffer();
const png = (s: sharp.Sharp) =>
  s.png({ compressionLevel: 9, adaptiveFiltering: true, palette: false }).toBuffer();

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** zlib data in one stored (uncompressed) block: the same bytes from any zlib. */
function storedZlib(data: Buffer): Buffer {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const head = Buffer.from([0x78, 0x01, 0x01, 0, 0, 0, 0]);
  head.writeUInt16LE(data.length, 3);
  head.writeUInt16LE(~data.length & 0xffff, 5);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0, 0);
  return Buffer.concat([head, data, adler]);
}

/** A well-formed 8-bit grey PNG header claiming width × height, with one row of pixels. */
function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', storedZlib(Buffer.alloc(width + 1))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A 24-bit BMP, which sharp cannot write. */
function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + row * height, 0x80);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(0, 6);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(0, 30);
  out.writeUInt32LE(row * height, 34);
  out.fill(0, 38, 54);
  return out;
}

const ok = (format: PhotoFormat, width: number, height: number): PhotoCheck => ({
  ok: true,
  format,
  width,
  height,
});
const no = (reason: PhotoProblem): PhotoCheck => ({ ok: false, reason });

const cases: PhotoVector[] = [];
function add(
  name: string,
  file: string,
  bytes: Uint8Array,
  about: string,
  header: PhotoCheck,
  decode = header,
) {
  writeFileSync(join(dir, file), bytes);
  const failure = decode.ok ? undefined : PHOTO_PROBLEM_FAILURES[decode.reason].code;
  cases.push({ name, file, about, header, decode, ...(failure ? { failure } : {}) });
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const jpg200 = await jpeg(picture(200, 200, 1));
const png160 = await png(picture(160, 130, 2));

add('good JPEG', 'good-200x200.jpg', jpg200, 'a 200 × 200 JPEG', ok('jpg', 200, 200));
add('good PNG', 'good-160x130.png', png160, 'a 160 × 130 PNG (width and height differ)', ok('png', 160, 130));
add(
  'JPEG at the least size',
  'edge-128x128.jpg',
  await jpeg(picture(128, 128, 3)),
  '128 × 128 is enough',
  ok('jpg', 128, 128),
);
add(
  'PNG at the least size',
  'edge-128x128.png',
  await png(picture(128, 128, 4)),
  '128 × 128 is enough',
  ok('png', 128, 128),
);
add(
  'JPEG one pixel too narrow',
  'small-127x300.jpg',
  await jpeg(picture(127, 300, 5)),
  '127 px wide',
  no('photo_too_small'),
);
add(
  'PNG one pixel too low',
  'small-300x127.png',
  await png(picture(300, 127, 6)),
  '127 px high',
  no('photo_too_small'),
);
add(
  'EXIF-rotated JPEG',
  'rotated-300x200-exif6.jpg',
  await jpeg(picture(300, 200, 7).withMetadata({ orientation: 6 })),
  'stored 300 × 200 with EXIF orientation 6: a person sees 200 × 300',
  ok('jpg', 200, 300),
);

const padded = (n: number) => Buffer.concat([jpg200, Buffer.alloc(n - jpg200.length)]);
add(
  'exactly 400 KB',
  'at-limit-409600.jpg',
  padded(PHOTO_MAX_BYTES),
  'the good JPEG padded with zero bytes to 409,600 bytes: not smaller than 400 KB',
  no('photo_too_large'),
);
add(
  'one byte under 400 KB',
  'under-limit-409599.jpg',
  padded(PHOTO_MAX_BYTES - 1),
  'the good JPEG padded with zero bytes to 409,599 bytes',
  ok('jpg', 200, 200),
);

add('not an image', 'not-an-image.txt', Buffer.from('hello, not a photo'), 'text', no('photo_bad_format'));
add('empty file', 'empty.jpg', new Uint8Array(0), 'no bytes at all', no('photo_bad_format'));
add(
  'JPEG start marker only',
  'soi-only.jpg',
  Buffer.from([0xff, 0xd8]),
  'FF D8 and nothing after',
  no('photo_bad_format'),
);
add('random bytes', 'random-5000.bin', randomBytes(5000, 8), '5,000 random bytes', no('photo_bad_format'));
add(
  'GIF',
  'gif-200x200.gif',
  await picture(200, 200, 9).gif({ dither: 0, effort: 7 }).toBuffer(),
  'a valid 200 × 200 GIF: not JPG or PNG',
  no('photo_bad_format'),
);
add(
  'WebP',
  'webp-200x200.webp',
  await picture(200, 200, 10).webp({ quality: 80, effort: 4 }).toBuffer(),
  'a valid 200 × 200 WebP: not JPG or PNG',
  no('photo_bad_format'),
);
add('BMP', 'bmp-128x128.bmp', bmp(128, 128), 'a valid 128 × 128 BMP: not JPG or PNG', no('photo_bad_format'));

add(
  'PNG named .jpg',
  'png-named.jpg',
  png160,
  'the good PNG under a JPEG name: the format is told by the bytes',
  ok('png', 160, 130),
);
add(
  'PNG behind JPEG magic',
  'png-behind-jpeg-magic.jpg',
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), png160]),
  'FF D8 FF then a whole PNG: starts like a JPEG, is not one',
  no('photo_undecodable'),
);
add(
  'JPEG magic then noise',
  'fake-jpeg-magic.jpg',
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(3000, 11)]),
  'FF D8 FF then 3,000 random bytes',
  no('photo_undecodable'),
);
add(
  'PNG magic then noise',
  'fake-png-magic.png',
  Buffer.concat([png160.subarray(0, 8), randomBytes(3000, 12)]),
  'the PNG signature then 3,000 random bytes',
  no('photo_undecodable'),
);

add(
  'truncated JPEG',
  'truncated-half-200x200.jpg',
  jpg200.subarray(0, Math.floor(jpg200.length / 2)),
  'the first half of the good JPEG: its header reads, its pixels do not',
  ok('jpg', 200, 200),
  no('photo_undecodable'),
);
add(
  'truncated PNG',
  'truncated-half-160x130.png',
  png160.subarray(0, Math.floor(png160.length / 2)),
  'the first half of the good PNG: its header reads, its pixels do not',
  ok('png', 160, 130),
  no('photo_undecodable'),
);
add(
  'JPEG cut in its header',
  'truncated-header.jpg',
  jpg200.subarray(0, 40),
  'the first 40 bytes of the good JPEG',
  no('photo_undecodable'),
);
add(
  'PNG cut in its header',
  'truncated-header.png',
  png160.subarray(0, 20),
  'the first 20 bytes of the good PNG',
  no('photo_undecodable'),
);
const side = Math.ceil(Math.sqrt(PHOTO_MAX_DECODE_PIXELS)) + 1;
add(
  'PNG decompression bomb',
  `bomb-${side}x${side}.png`,
  pngClaiming(side, side),
  `a small PNG whose header claims ${side} × ${side} pixels (more than ${PHOTO_MAX_DECODE_PIXELS}): a full decode refuses it unread`,
  ok('png', side, side),
  no('photo_undecodable'),
);

const manifest: PhotoVectorFile = {
  about:
    '技术要求 1.2 photo checks: each file and what checkPhoto answers for it, header only and with decode (enrolment, the device default face engine); failure is the failedFaces code a device reports',
  limits: {
    maxBytes: PHOTO_MAX_BYTES,
    minFacePixels: PHOTO_MIN_FACE_PIXELS,
    maxDecodePixels: PHOTO_MAX_DECODE_PIXELS,
  },
  cases,
};
writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

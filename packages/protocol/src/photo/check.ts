/**
 * The one §1.2 photo check (技术要求 1.2: under 400 KB, JPG or PNG, face region at least
 * 128 × 128), for the platform's enrolment and the device's default face engine alike.
 * In order: too large (format.ts), not JPG/PNG (format.ts), header unreadable or not the
 * format its bytes announce (here), then the rules of rules.ts: too small, and, when
 * `decode` is asked, pixel data that does not fully decode.
 *
 * sharp runs in libuv's thread pool, so checking does not block the event loop.
 */
import { checkPhotoBytes, type PhotoFormat } from './format.js';
import { PHOTO_MAX_BYTES, PHOTO_MIN_FACE_PIXELS } from './limits.js';
import type { PhotoProblem } from './problems.js';
import { PHOTO_RULES, type PhotoImage, type PhotoRules } from './rules.js';
import { loadSharp } from './sharp.js';

export type PhotoCheck =
  | { ok: true; format: PhotoFormat; width: number; height: number }
  | { ok: false; reason: PhotoProblem };

export interface PhotoCheckOptions {
  /** Photos of this many bytes or more are too large; default PHOTO_MAX_BYTES. */
  maxBytes?: number;
  /** Least width and height in pixels; default PHOTO_MIN_FACE_PIXELS. */
  minFacePixels?: number;
  /** Decode all the pixel data, not just the header (enrolment); default false. */
  decode?: boolean;
}

/** What sharp's metadata calls each format. */
const SHARP_FORMAT = { jpg: 'jpeg', png: 'png' } as const;

export async function checkPhoto(bytes: Uint8Array, opts: PhotoCheckOptions = {}): Promise<PhotoCheck> {
  const rules: PhotoRules = {
    maxBytes: opts.maxBytes ?? PHOTO_MAX_BYTES,
    minFacePixels: opts.minFacePixels ?? PHOTO_MIN_FACE_PIXELS,
    decode: opts.decode ?? false,
  };
  const format = checkPhotoBytes(bytes, rules.maxBytes);
  if (format === 'photo_too_large' || format === 'photo_bad_format') return fail(format);
  const image = await readHeader(bytes, format);
  if (!image) return fail('photo_undecodable');
  for (const rule of PHOTO_RULES) {
    const problem = await rule.check(image, rules);
    if (problem) return fail(problem);
  }
  return { ok: true, format, width: image.width, height: image.height };
}

/** The header as sharp reads it, or undefined when it cannot, or reads another format. */
async function readHeader(bytes: Uint8Array, format: PhotoFormat): Promise<PhotoImage | undefined> {
  // Outside the try: a missing sharp is the install's fault, not every photo's.
  const sharp = loadSharp();
  try {
    // failOn 'error': truncation and decoder errors fail; libjpeg's warnings (extraneous
    // bytes before a marker, …), common in device JPEGs that display fine, do not.
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    if (meta.format !== SHARP_FORMAT[format]) return undefined;
    // As a person sees it: an EXIF-rotated 200 × 150 photo is 150 × 200.
    const { width, height } = meta.autoOrient ?? meta;
    return width > 0 && height > 0 ? { bytes, format, width, height } : undefined;
  } catch {
    return undefined;
  }
}

function fail(reason: PhotoProblem): PhotoCheck {
  return { ok: false, reason };
}

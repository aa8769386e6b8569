/**
 * Face photos against the standard's photo requirements (技术要求 1.2): under 400 KB,
 * JPG or PNG, decodable, and at least 128 × 128 px, the smallest image that can hold a
 * 128 × 128 face region (finding the face itself is the device's job).
 *
 * D9: attendance is never refused for a bad photo. A C_SIGN_IN caller uses the reason to
 * flag the record and drops only the photo bytes. Enrolment photos use the same check
 * with `decode: true`, which decodes every pixel so that a truncated file is caught.
 *
 * sharp runs in libuv's thread pool, so checking does not block the event loop.
 */
import sharp from 'sharp';

/** 400 KB, as the standard's 1.2 reads: a photo must be smaller than this. */
export const PHOTO_MAX_BYTES = 400 * 1024;
/** The face region of 1.2 must be at least this many pixels on each side. */
export const PHOTO_MIN_FACE_PIXELS = 128;
/**
 * A PNG under 400 KB can still claim billions of pixels (a decompression bomb); a full
 * decode refuses more than this, far above any camera a device carries.
 */
export const PHOTO_MAX_DECODE_PIXELS = 64 * 1024 * 1024;

export type PhotoFormat = 'jpg' | 'png';
export type PhotoProblem = 'photo_too_large' | 'photo_bad_format' | 'photo_undecodable' | 'photo_too_small';
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

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** SOI and the first byte of the next marker. */
const JPG_MAGIC = [0xff, 0xd8, 0xff];
/** What sharp's metadata calls each format. */
const SHARP_FORMAT = { jpg: 'jpeg', png: 'png' } as const;
/** The size a full decode shrinks to: JPEG then decodes at 1/8 scale, still reading every byte. */
const DECODE_EDGE = 64;

/** The format told by the first bytes, whatever the photo was called. */
export function photoFormat(bytes: Uint8Array): PhotoFormat | undefined {
  if (startsWith(bytes, JPG_MAGIC)) return 'jpg';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  return undefined;
}

export async function checkPhoto(bytes: Uint8Array, opts: PhotoCheckOptions = {}): Promise<PhotoCheck> {
  const maxBytes = opts.maxBytes ?? PHOTO_MAX_BYTES;
  const minFacePixels = opts.minFacePixels ?? PHOTO_MIN_FACE_PIXELS;
  if (bytes.length >= maxBytes) return fail('photo_too_large');
  const format = photoFormat(bytes);
  if (format === undefined) return fail('photo_bad_format');

  // failOn 'error': truncation and decoder errors fail; libjpeg's warnings (extraneous
  // bytes before a marker, …), common in device JPEGs that display fine, do not.
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    if (meta.format !== SHARP_FORMAT[format]) return fail('photo_undecodable');
    // As a person sees it: an EXIF-rotated 200 × 150 photo is 150 × 200.
    ({ width, height } = meta.autoOrient ?? meta);
  } catch {
    return fail('photo_undecodable');
  }
  if (!(width > 0 && height > 0)) return fail('photo_undecodable');
  if (width < minFacePixels || height < minFacePixels) return fail('photo_too_small');

  if (opts.decode) {
    if (width * height > PHOTO_MAX_DECODE_PIXELS) return fail('photo_undecodable');
    try {
      await sharp(bytes, { failOn: 'error', limitInputPixels: PHOTO_MAX_DECODE_PIXELS })
        .resize(DECODE_EDGE, DECODE_EDGE, { fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer();
    } catch {
      return fail('photo_undecodable');
    }
  }
  return { ok: true, format, width, height };
}

const DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]{1,40};base64,/i;
const BASE64_VALUE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The bytes of a base64 photo (`img` of C_SIGN_IN), or undefined when the text is not
 * strict base64: the standard alphabet only (no URL-safe `-_`, no whitespace or line
 * breaks), padding either absent or complete, unused trailing bits zero, not empty. A
 * `data:image/…;base64,` prefix is tolerated. At most the decoded size (three quarters
 * of the text) is allocated, and only once the text is known to be ASCII.
 */
export function decodeBase64Photo(input: string): Uint8Array | undefined {
  // MIME-style line breaks (Android's Base64.DEFAULT wraps every 76 characters) are a
  // reading of "base64" a device may reasonably take: they are dropped, nothing else is.
  const text = input.includes('\n') || input.includes('\r') ? input.replace(/\r?\n|\r/g, '') : input;
  const prefix = DATA_URL_PREFIX.exec(text);
  const start = prefix ? prefix[0].length : 0;
  let end = text.length;
  if ((end - start) % 4 === 0 && text.endsWith('=')) end -= text.endsWith('==') ? 2 : 1;
  const length = end - start;
  if (length === 0 || length % 4 === 1) return undefined;
  const body = text.slice(start, end);
  // A regex or a loop over every character costs ten times the decode, so: ASCII only
  // (one UTF-8 byte per character), none of the characters Node also takes (URL-safe
  // `-_`, `=` within), and then Node's decoder, which skips any other character: a text
  // of `length` characters yields floor(length × 3/4) bytes only if none was skipped.
  if (Buffer.byteLength(body, 'utf8') !== length) return undefined;
  if (body.includes('-') || body.includes('_') || body.includes('=')) return undefined;
  // The last character carries 4 (two left over) or 2 (three left over) bits past the
  // final byte; canonical base64 leaves them zero, so one text means one photo.
  const spare = length % 4 === 2 ? 0x0f : length % 4 === 3 ? 0x03 : 0;
  const last = BASE64_VALUE.indexOf(body[length - 1]!);
  if (last < 0 || (last & spare) !== 0) return undefined;
  const bytes = Buffer.from(body, 'base64');
  return bytes.length === Math.floor((length * 3) / 4) ? bytes : undefined;
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function fail(reason: PhotoProblem): PhotoCheck {
  return { ok: false, reason };
}

/**
 * The default FaceEngine (types.ts): it has no recogniser, so it only checks each photo
 * the way a real device's enrolment would fail on it, against the standard's photo
 * requirements (技术要求 1.2): under 400 KB, JPG or PNG, fully decodable, at least
 * 128 × 128 px (the smallest image that can hold a 128 × 128 face region). Each problem
 * rejects with a DeviceFailureError carrying its catalogue code (docs/protocol.md 7.5),
 * in the same order the platform checks enrolment photos, so a photo fails with the same
 * reason on both sides.
 *
 * It stores nothing: the person store holds the bytes. A vendor replaces it with an
 * engine that extracts a template and reports D15…D19 as its recogniser finds them.
 */
import sharp from 'sharp';
import type { FaceEngine } from '../types.js';
import { DeviceFailureError, FAILURE } from './failure.js';

/** 400 KB: a photo must be smaller than this (1.2 "小于 400KB"). */
export const PHOTO_MAX_BYTES = 400 * 1024;
/** Least width and height, in pixels, of an image that can hold a 128 × 128 face region. */
export const PHOTO_MIN_SIDE = 128;
/** A small PNG can claim billions of pixels (a decompression bomb): refused above this. */
export const PHOTO_MAX_DECODE_PIXELS = 64 * 1024 * 1024;

export interface FacePhotoRules {
  /** Photos of this many bytes or more fail with D12; default PHOTO_MAX_BYTES. */
  maxBytes?: number;
  /** Least width and height, else D14; default PHOTO_MIN_SIDE. */
  minSide?: number;
}

export type FacePhotoFormat = 'jpg' | 'png';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPG_MAGIC = [0xff, 0xd8, 0xff];
const SHARP_FORMAT = { jpg: 'jpeg', png: 'png' } as const;
/** Decoding into a small raw image still reads every byte (JPEG decodes at 1/8 scale). */
const DECODE_EDGE = 64;

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** The format told by the first bytes: a device cannot trust a URL's or a name's suffix. */
export function facePhotoFormat(bytes: Uint8Array): FacePhotoFormat | undefined {
  if (startsWith(bytes, JPG_MAGIC)) return 'jpg';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  return undefined;
}

/**
 * Checks one photo; resolves with its format and size, or rejects with a
 * DeviceFailureError: D12 too large, D11 not JPG/PNG, D13 undecodable, D14 too small.
 */
export async function checkFacePhoto(
  bytes: Uint8Array,
  rules: FacePhotoRules = {},
): Promise<{ format: FacePhotoFormat; width: number; height: number }> {
  const maxBytes = rules.maxBytes ?? PHOTO_MAX_BYTES;
  const minSide = rules.minSide ?? PHOTO_MIN_SIDE;
  if (bytes.length >= maxBytes) {
    throw new DeviceFailureError(
      FAILURE.PHOTO_TOO_LARGE,
      `photo is ${bytes.length} bytes, at most ${maxBytes - 1}`,
    );
  }
  const format = facePhotoFormat(bytes);
  if (format === undefined)
    throw new DeviceFailureError(FAILURE.PHOTO_FORMAT, 'photo is neither JPG nor PNG');
  let width: number;
  let height: number;
  try {
    // failOn 'error': truncation and decoder errors fail; libjpeg warnings, common in
    // camera JPEGs that display fine, do not.
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    if (meta.format !== SHARP_FORMAT[format]) throw new Error(`decoded as ${meta.format}`);
    // As a person sees it: an EXIF-rotated 200 × 150 photo is 150 × 200.
    ({ width, height } = meta.autoOrient ?? meta);
  } catch (e) {
    throw new DeviceFailureError(
      FAILURE.PHOTO_UNDECODABLE,
      `photo header cannot be read: ${(e as Error).message}`,
    );
  }
  if (!(width > 0 && height > 0))
    throw new DeviceFailureError(FAILURE.PHOTO_UNDECODABLE, 'photo has no pixels');
  if (width < minSide || height < minSide) {
    throw new DeviceFailureError(
      FAILURE.FACE_TOO_SMALL,
      `photo is ${width}×${height}, under ${minSide}×${minSide}`,
    );
  }
  if (width * height > PHOTO_MAX_DECODE_PIXELS) {
    throw new DeviceFailureError(FAILURE.PHOTO_UNDECODABLE, `photo claims ${width}×${height} pixels`);
  }
  try {
    // The header alone does not catch a truncated file: decode every pixel.
    await sharp(bytes, { failOn: 'error', limitInputPixels: PHOTO_MAX_DECODE_PIXELS })
      .resize(DECODE_EDGE, DECODE_EDGE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer();
  } catch (e) {
    throw new DeviceFailureError(
      FAILURE.PHOTO_UNDECODABLE,
      `photo cannot be decoded: ${(e as Error).message}`,
    );
  }
  return { format, width, height };
}

/** The default engine: checks each photo (checkFacePhoto), keeps no state of its own. */
export function createDefaultFaceEngine(rules: FacePhotoRules = {}): FaceEngine {
  return {
    async enrol(_personId, photo) {
      await checkFacePhoto(photo, rules);
    },
    async remove() {},
    async clear() {},
  };
}

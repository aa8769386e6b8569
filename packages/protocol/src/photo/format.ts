/**
 * The checks of 1.2 that need no decoder: the size and the format, told by the bytes
 * themselves (a device cannot trust a URL's or a file name's suffix). No sharp here: a
 * clock-in's photo is checked only this far, once per request.
 */
import { PHOTO_MAX_BYTES } from './limits.js';

export type PhotoFormat = 'jpg' | 'png';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** SOI and the first byte of the next marker. */
const JPG_MAGIC = [0xff, 0xd8, 0xff];

/** The format told by the first bytes, whatever the photo was called. */
export function photoFormat(bytes: Uint8Array): PhotoFormat | undefined {
  if (startsWith(bytes, JPG_MAGIC)) return 'jpg';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  return undefined;
}

/**
 * The first two checks, in their order: `maxBytes` or more is too large (before looking
 * inside), then anything but JPG or PNG. Answers the format, or the problem; a string
 * either way, so a caller on a per-request path allocates nothing.
 */
export function checkPhotoBytes(
  bytes: Uint8Array,
  maxBytes = PHOTO_MAX_BYTES,
): PhotoFormat | 'photo_too_large' | 'photo_bad_format' {
  if (bytes.length >= maxBytes) return 'photo_too_large';
  return photoFormat(bytes) ?? 'photo_bad_format';
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

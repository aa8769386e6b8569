/**
 * The rules a photo meets once its header is read, in the order they run; the first
 * problem found is the answer. Enrolment rules still to come (a face detector's face
 * region, one face only, an ID card's photo) join this list.
 */
import type { PhotoFormat } from './format.js';
import { PHOTO_MAX_DECODE_PIXELS } from './limits.js';
import type { PhotoProblem } from './problems.js';
import { loadSharp } from './sharp.js';

/** A photo whose header was read: its format and its size as a person sees it. */
export interface PhotoImage {
  readonly bytes: Uint8Array;
  readonly format: PhotoFormat;
  readonly width: number;
  readonly height: number;
}

/** The limits one check runs with (checkPhoto fills in the defaults). */
export interface PhotoRules {
  /** Photos of this many bytes or more are too large. */
  readonly maxBytes: number;
  /** Least width and height in pixels. */
  readonly minFacePixels: number;
  /** Decode all the pixel data, not just the header (enrolment). */
  readonly decode: boolean;
}

export interface PhotoRule {
  /** For tests and documentation: what the rule asks. */
  readonly name: string;
  check(photo: PhotoImage, rules: PhotoRules): PhotoProblem | undefined | Promise<PhotoProblem | undefined>;
}

/** The size a full decode shrinks to: JPEG then decodes at 1/8 scale, still reading every byte. */
const DECODE_EDGE = 64;

/** 1.2 "面部区域像素不低于 128*128": with no face detector, the image stands in for the face. */
export const faceRegionRule: PhotoRule = {
  name: 'face region at least minFacePixels on each side',
  check: ({ width, height }, { minFacePixels }) =>
    width < minFacePixels || height < minFacePixels ? 'photo_too_small' : undefined,
};

/** Only a full decode catches a truncated file; a decompression bomb is refused unread. */
export const fullDecodeRule: PhotoRule = {
  name: 'every pixel decodes (when decode is asked)',
  async check({ bytes, width, height }, { decode }) {
    if (!decode) return undefined;
    if (width * height > PHOTO_MAX_DECODE_PIXELS) return 'photo_undecodable';
    const sharp = loadSharp();
    try {
      await sharp(bytes, { failOn: 'error', limitInputPixels: PHOTO_MAX_DECODE_PIXELS })
        .resize(DECODE_EDGE, DECODE_EDGE, { fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer();
      return undefined;
    } catch {
      return 'photo_undecodable';
    }
  },
};

export const PHOTO_RULES: readonly PhotoRule[] = [faceRegionRule, fullDecodeRule];

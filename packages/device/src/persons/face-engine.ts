/**
 * The default FaceEngine (types.ts): it has no recogniser, so it only checks each photo
 * the way a real device's enrolment would fail on it, with the shared check of the
 * standard's photo requirements (技术要求 1.2; checkPhoto of @kaoqin/protocol/photo, fully
 * decoding), the very check the platform runs on enrolment photos: a photo fails with the
 * same reason on both sides. Each problem rejects with a DeviceFailureError carrying its
 * catalogue code (docs/protocol.md 7.5, PHOTO_PROBLEM_FAILURES).
 *
 * It stores nothing: the person store holds the bytes. A vendor replaces it with an
 * engine that extracts a template and reports D15…D19 as its recogniser finds them.
 */
import { checkPhoto, PHOTO_PROBLEM_FAILURES, type PhotoFormat } from '@kaoqin/protocol/photo';
import type { FaceEngine } from '../types.js';
import { DeviceFailureError } from './failure.js';

export interface FacePhotoRules {
  /** Photos of this many bytes or more fail with D12; default 400 KB (PHOTO_MAX_BYTES). */
  maxBytes?: number;
  /** Least width and height, else D14; default 128 (PHOTO_MIN_FACE_PIXELS). */
  minSide?: number;
}

/**
 * Checks one photo; resolves with its format and size, or rejects with a
 * DeviceFailureError: D12 too large, D11 not JPG/PNG, D13 undecodable, D14 too small.
 */
export async function checkFacePhoto(
  bytes: Uint8Array,
  rules: FacePhotoRules = {},
): Promise<{ format: PhotoFormat; width: number; height: number }> {
  const c = await checkPhoto(bytes, { maxBytes: rules.maxBytes, minFacePixels: rules.minSide, decode: true });
  if (!c.ok) throw new DeviceFailureError(PHOTO_PROBLEM_FAILURES[c.reason].code);
  return { format: c.format, width: c.width, height: c.height };
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

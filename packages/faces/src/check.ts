/**
 * One call, every verdict on an enrolment face photo: the file rules of
 * @kaoqin/protocol/photo (under 400 KB, JPG or PNG, decodable, at least 128 × 128) first,
 * then, when the pixels can be read, the face rules (rules.ts) on the detector's findings.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import {
  checkPhoto,
  PHOTO_MAX_BYTES,
  PHOTO_MIN_FACE_PIXELS,
  type PhotoProblem,
} from '@kaoqin/protocol/photo';
import { faceVerdicts } from './rules.js';
import type { FaceEngine, FacePhotoCheck } from './types.js';

export interface FacePhotoCheckOptions {
  /** The input, as verdicts name it: "photo", "photos.0", "idCardPhoto" … */
  field: string;
  /** Also compute the face's embedding (for matchFaces). */
  embedding?: boolean;
}

const PHOTO_PROBLEM_MESSAGES: Record<PhotoProblem, (bytes: number) => string> = {
  photo_too_large: (n) => `${n} bytes, needs under ${PHOTO_MAX_BYTES} (400 KB)`,
  photo_bad_format: () => 'not a JPG or PNG file',
  photo_undecodable: () => 'the image data does not decode',
  photo_too_small: () => `image smaller than ${PHOTO_MIN_FACE_PIXELS}×${PHOTO_MIN_FACE_PIXELS} px`,
};

/** Problems after which the pixels cannot (or need not) be read: no face rules then. */
const STOPS: ReadonlySet<PhotoProblem> = new Set([
  'photo_too_large',
  'photo_bad_format',
  'photo_undecodable',
]);

export async function checkFacePhoto(
  bytes: Uint8Array,
  engine: FaceEngine,
  opts: FacePhotoCheckOptions,
): Promise<FacePhotoCheck> {
  const { field } = opts;
  const file = await checkPhoto(bytes, { decode: true });
  const verdicts: EnrolmentVerdict[] = [];
  if (file.ok) {
    const value = `${file.format} ${file.width}×${file.height} px, ${bytes.length} bytes`;
    verdicts.push({ code: 'photo_file', ok: true, field, value, message: `${value}: JPG/PNG under 400 KB` });
  } else {
    const message = PHOTO_PROBLEM_MESSAGES[file.reason](bytes.length);
    verdicts.push({ code: file.reason, ok: false, field, value: message, message });
    if (STOPS.has(file.reason)) return { ok: false, verdicts };
  }
  const analysis = await engine.analyse(bytes, { embedding: opts.embedding ?? false });
  verdicts.push(...faceVerdicts(analysis, field));
  return { ok: verdicts.every((v) => v.ok), verdicts, analysis };
}

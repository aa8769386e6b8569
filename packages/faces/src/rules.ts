/**
 * The face rules of 技术要求 1.2(1) and 3(7) as EnrolmentVerdicts, each with what it
 * measured: exactly one face, a face region of at least 128 × 128 px, a face at least a
 * third of the photo, the head within ±30° of facing the camera.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import { FACE_MAX_PITCH_DEGREES, FACE_MAX_YAW_DEGREES, FACE_MIN_PIXELS, FACE_MIN_SHARE } from './limits.js';
import type { DetectedFace, FaceAnalysis } from './types.js';

export type FaceRuleCode = 'face_count' | 'face_too_small' | 'face_too_small_share' | 'face_pose';

function verdict(
  code: FaceRuleCode,
  field: string,
  ok: boolean,
  value: string,
  message: string,
): EnrolmentVerdict {
  return { code, ok, field, value, message };
}

export function faceCountVerdict(analysis: FaceAnalysis, field: string): EnrolmentVerdict {
  const n = analysis.faces.length;
  const value = n === 0 ? 'no face' : `${n} face${n === 1 ? '' : 's'}`;
  if (n === 1) return verdict('face_count', field, true, value, '1 face found');
  const found = n === 0 ? 'no face found' : `${n} faces found`;
  return verdict('face_count', field, false, value, `${found}, needs exactly one face`);
}

export function faceSizeVerdict(face: DetectedFace, field: string): EnrolmentVerdict {
  const { width, height } = face.box;
  const value = `face ${width}×${height} px`;
  const ok = width >= FACE_MIN_PIXELS && height >= FACE_MIN_PIXELS;
  const message = ok
    ? `${value}, at least ${FACE_MIN_PIXELS}×${FACE_MIN_PIXELS}`
    : `${value}, needs ${FACE_MIN_PIXELS}×${FACE_MIN_PIXELS}`;
  return verdict('face_too_small', field, ok, value, message);
}

/** The face's share of the photo: its height over the photo's height (limits.ts FACE_MIN_SHARE). */
export function faceShare(face: DetectedFace, analysis: FaceAnalysis): number {
  return face.box.height / analysis.height;
}

export function faceShareVerdict(
  face: DetectedFace,
  analysis: FaceAnalysis,
  field: string,
): EnrolmentVerdict {
  const share = faceShare(face, analysis);
  const percent = Math.round(share * 100);
  const value = `face ${percent}% of the photo's height`;
  const ok = share >= FACE_MIN_SHARE;
  const measured = `face ${face.box.height} px tall in a ${analysis.height} px photo (${percent}%)`;
  const message = ok
    ? `${measured}, at least 1/3`
    : `${measured}, needs at least 1/3 (${Math.ceil(analysis.height * FACE_MIN_SHARE)} px)`;
  return verdict('face_too_small_share', field, ok, value, message);
}

export function facePoseVerdict(face: DetectedFace, field: string): EnrolmentVerdict {
  const yaw = Math.round(face.yaw);
  const pitch = Math.round(face.pitch);
  const value = `yaw ${yaw}°, pitch ${pitch}°`;
  const problems: string[] = [];
  if (Math.abs(face.yaw) > FACE_MAX_YAW_DEGREES)
    problems.push(`head turned ${Math.abs(yaw)}° sideways (yaw), needs within ±${FACE_MAX_YAW_DEGREES}°`);
  if (Math.abs(face.pitch) > FACE_MAX_PITCH_DEGREES)
    problems.push(
      `head tilted ${Math.abs(pitch)}° up or down (pitch), needs within ±${FACE_MAX_PITCH_DEGREES}°`,
    );
  const ok = problems.length === 0;
  const message = ok ? `${value}, within ±${FACE_MAX_YAW_DEGREES}°` : problems.join('; ');
  return verdict('face_pose', field, ok, value, message);
}

/** The geometry rules judge the largest face (the only one when the count is right). */
export function mainFace(analysis: FaceAnalysis): DetectedFace | undefined {
  let best: DetectedFace | undefined;
  for (const f of analysis.faces)
    if (!best || f.box.width * f.box.height > best.box.width * best.box.height) best = f;
  return best;
}

export function faceVerdicts(analysis: FaceAnalysis, field: string): EnrolmentVerdict[] {
  const verdicts = [faceCountVerdict(analysis, field)];
  const face = mainFace(analysis);
  if (face)
    verdicts.push(
      faceSizeVerdict(face, field),
      faceShareVerdict(face, analysis, field),
      facePoseVerdict(face, field),
    );
  return verdicts;
}

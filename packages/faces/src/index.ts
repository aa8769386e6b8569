/**
 * @kaoqin/faces: the face checks of enrolment (技术要求 1.2(1), 3(7); issue 11): a face
 * detector (Human on TensorFlow.js WASM) in a bounded, lazy, low-priority worker pool,
 * the face rules as EnrolmentVerdicts with measured values, and face-vs-ID-card matching.
 */
export { checkFacePhoto, type FacePhotoCheckOptions } from './check.js';
export {
  DETECT_MAX_LONG_SIDE,
  DETECT_MIN_SHORT_SIDE,
  FACE_MATCH_THRESHOLD,
  FACE_MAX_PITCH_DEGREES,
  FACE_MAX_YAW_DEGREES,
  FACE_MIN_PIXELS,
  FACE_MIN_SHARE,
} from './limits.js';
export {
  createFacePool,
  FACE_POOL_DEFAULT_NICE,
  type FacePool,
  FacePoolBusyError,
  type FacePoolOptions,
} from './pool.js';
export {
  type FaceRuleCode,
  faceCountVerdict,
  facePoseVerdict,
  faceShare,
  faceShareVerdict,
  faceSizeVerdict,
  faceVerdicts,
  mainFace,
} from './rules.js';
export { type FaceMatch, faceSimilarity, matchFaces } from './similarity.js';
export type {
  AnalyseOptions,
  DetectedFace,
  FaceAnalysis,
  FaceBox,
  FaceEngine,
  FacePhotoCheck,
} from './types.js';
export type { WorkerThreadInfo } from './worker.js';

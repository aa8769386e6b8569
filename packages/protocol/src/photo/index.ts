/**
 * @kaoqin/protocol/photo: the one check of the standard's photo requirements (技术要求
 * 1.2) and its shared vectors. A separate entry because it needs sharp (an optional peer
 * dependency); the main entry never loads it.
 */
export { checkPhoto, type PhotoCheck, type PhotoCheckOptions } from './check.js';
export { checkPhotoBytes, type PhotoFormat, photoFormat } from './format.js';
export { PHOTO_MAX_BYTES, PHOTO_MAX_DECODE_PIXELS, PHOTO_MIN_FACE_PIXELS } from './limits.js';
export { PHOTO_PROBLEM_FAILURES, type PhotoProblem } from './problems.js';
export {
  faceRegionRule,
  fullDecodeRule,
  PHOTO_RULES,
  type PhotoImage,
  type PhotoRule,
  type PhotoRules,
} from './rules.js';
export { loadPhotoVectors, type PhotoVector, type PhotoVectorFile, photoVectorBytes } from './vectors.js';

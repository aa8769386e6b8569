/**
 * @kaoqin/protocol/photo: the one check of the standard's photo requirements (技术要求
 * 1.2) and its shared vectors. A separate entry because it needs sharp (an optional peer
 * dependency); the main entry never loads it.
 */
export { type BmpRead, type GreyImage, IRIS_IMAGE_HEIGHT, IRIS_IMAGE_WIDTH, readGreyBmp } from './bmp.js';
export { type GreyBmpOptions, writeGreyBmp } from './bmp-write.js';
export { checkPhoto, type PhotoCheck, type PhotoCheckOptions } from './check.js';
export { checkPhotoBytes, type PhotoFormat, photoFormat } from './format.js';
export { checkIris, type IrisCheck } from './iris-check.js';
export { type IrisRegionGrey, irisRegionGrey } from './iris-grey.js';
export { IRIS_GREY_LEVELS, IRIS_RADIUS_PIXELS, IRIS_REGION_MARGIN } from './iris-limits.js';
export { type Boundary, type IrisBoundaries, locateIris } from './iris-locate.js';
export {
  IRIS_RULES,
  type IrisFindings,
  type IrisProblem,
  type IrisRule,
  type IrisVerdict,
  irisBoundaryRule,
  irisGreyRule,
  irisImageRule,
  irisRadiusRule,
} from './iris-rules.js';
export { type SyntheticEyeOptions, syntheticEye } from './iris-synthetic.js';
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

/**
 * The numbers of the face rules (技术要求 1.2(1): "正面人脸图像 … 面部区域像素不低于
 * 128*128 … 面部区域不低于照片的 1/3"; 3(7): 左右 ±30°、上下 ±30°) and the 1:1 threshold.
 */
import { PHOTO_MIN_FACE_PIXELS } from '@kaoqin/protocol/photo';

/** The face region must be at least this wide and this tall, in the photo's pixels. */
export const FACE_MIN_PIXELS = PHOTO_MIN_FACE_PIXELS;
/**
 * The face must be at least this share of the photo. Read as the face box's HEIGHT over
 * the photo's height (docs/enrolment.md "Face share" gives the measurements): a head-
 * and-shoulders portrait passes, a half-body or wider shot fails.
 */
export const FACE_MIN_SHARE = 1 / 3;
/** Head turned left/right at most this many degrees. */
export const FACE_MAX_YAW_DEGREES = 30;
/** Head tilted up/down at most this many degrees. */
export const FACE_MAX_PITCH_DEGREES = 30;
/**
 * Face-vs-ID-card similarity at or above which the two are the same person
 * (bench/enrolment/match.ts; docs/enrolment.md "Face vs ID card").
 */
export const FACE_MATCH_THRESHOLD = 0.5;

/** Below this short side the photo is enlarged before detection (BlazeFace sees 128 × 128 of the whole frame). */
export const DETECT_MIN_SHORT_SIDE = 256;
/** Bigger photos are shrunk to this long side first: detection needs no more, and it bounds the work a 400 KB photo can cost. */
export const DETECT_MAX_LONG_SIDE = 1280;

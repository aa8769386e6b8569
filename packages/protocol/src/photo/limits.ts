/**
 * The numbers of the standard's photo requirements (技术要求 1.2: "正面人脸图像小于 400k,
 * 面部区域像素不低于 128*128 … jpg、png 等格式"), and the one limit kaoqin adds.
 */

/** 400 KB: a photo must be smaller than this ("小于 400k"), so 409,600 bytes is too large. */
export const PHOTO_MAX_BYTES = 400 * 1024;
/**
 * The face region must be at least this many pixels on each side. Without a face
 * detector, the whole image stands in for the face region: an image smaller than
 * 128 × 128 cannot hold one that large.
 */
export const PHOTO_MIN_FACE_PIXELS = 128;
/**
 * A PNG under 400 KB can still claim billions of pixels (a decompression bomb); a full
 * decode refuses more than this, far above any camera a device carries.
 */
export const PHOTO_MAX_DECODE_PIXELS = 64 * 1024 * 1024;

/**
 * The numbers of the standard's iris requirements (技术要求 1.1(5)(6)): "虹膜半径介于 50
 * 像素~150 像素" and "虹膜区域灰度值,应介于65~195". Both bounds are inclusive.
 */
export const IRIS_RADIUS_PIXELS = { min: 50, max: 150 } as const;
export const IRIS_GREY_LEVELS = { min: 65, max: 195 } as const;
/**
 * The iris region whose grey is measured keeps this many pixels clear of each boundary,
 * so the blur of an edge (pupil or sclera grey) does not leak into it.
 */
export const IRIS_REGION_MARGIN = 2;

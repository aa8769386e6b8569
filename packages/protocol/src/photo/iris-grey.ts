/**
 * The grey of 1.1(6)'s "虹膜区域" (iris region), as we read it: the mean grey of the
 * image's own pixels (not smoothed) in the annulus between the two boundaries, at least
 * IRIS_REGION_MARGIN px outside the pupil circle and inside the iris circle, leaving out
 * the part more than 30° above horizontal (seen from the iris centre), where the upper
 * eyelid and lashes usually fall. The standard names no statistic; the mean is the plain
 * reading of "灰度值" for a region.
 */
import type { GreyImage } from './bmp.js';
import { IRIS_REGION_MARGIN } from './iris-limits.js';
import type { IrisBoundaries } from './iris-locate.js';

/** sin 30°: a pixel at angle θ above horizontal is left out when −dy > dist · sin 30°. */
const UPPER_LIMIT = 0.5;

export interface IrisRegionGrey {
  /** Mean grey, one decimal; undefined when the region holds no pixel. */
  readonly mean: number | undefined;
  readonly pixels: number;
}

export function irisRegionGrey(image: GreyImage, { pupil, iris }: IrisBoundaries): IrisRegionGrey {
  const outer = iris.r - IRIS_REGION_MARGIN;
  const inner = pupil.r + IRIS_REGION_MARGIN;
  const y0 = Math.max(0, Math.floor(iris.y - outer));
  const y1 = Math.min(image.height - 1, Math.ceil(iris.y + outer));
  const x0 = Math.max(0, Math.floor(iris.x - outer));
  const x1 = Math.min(image.width - 1, Math.ceil(iris.x + outer));
  let sum = 0;
  let pixels = 0;
  for (let y = y0; y <= y1; y++) {
    const dy = y - iris.y;
    for (let x = x0; x <= x1; x++) {
      const dx = x - iris.x;
      const dist = Math.hypot(dx, dy);
      if (dist > outer || -dy > dist * UPPER_LIMIT) continue;
      if (Math.hypot(x - pupil.x, y - pupil.y) < inner) continue;
      sum += image.pixels[y * image.width + x] ?? 0;
      pixels++;
    }
  }
  return { mean: pixels === 0 ? undefined : Math.round((sum / pixels) * 10) / 10, pixels };
}

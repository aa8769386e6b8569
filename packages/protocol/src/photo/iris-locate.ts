/**
 * Pupil and iris boundaries by Daugman's integro-differential operator: the circle
 * (x, y, r) where the mean grey along the circle changes most steeply with r, on a
 * smoothed image. Searched coarse to fine (quarter, half, full resolution), the pupil
 * first, over the whole image, then the iris boundary (the limbus) around it.
 *
 * Two choices of our own, both because the synthetic test eyes and usual NIR captures
 * put the pupil darkest and the sclera brightest:
 * - The pupil's edge is scored by its contrast relative to the inside's grey
 *   ((outside − inside) / (inside + 16)), so the darker pupil edge wins over the
 *   iris–sclera edge, which can have the larger step in absolute grey.
 * - The iris boundary is searched on the left and right arcs only (30° above to 45°
 *   below horizontal), where eyelids and lashes rarely fall, as Daugman does.
 * No npm package does this for Node (searched: only MATLAB/Python ports, and OpenCV.js's
 * HoughCircles in a multi-megabyte wasm build), hence this small implementation.
 */
import type { GreyImage } from './bmp.js';
import { type Level, pyramid } from './iris-pyramid.js';

export interface Boundary {
  /** Centre and radius in full-image pixels. */
  readonly x: number;
  readonly y: number;
  readonly r: number;
  /** Grey levels between just outside and just inside the circle. */
  readonly contrast: number;
}

export interface IrisBoundaries {
  readonly pupil: Boundary;
  readonly iris: Boundary;
}

/** The radii searched, in full-image pixels: wider than the rule so a miss is measured. */
export const PUPIL_SEARCH_RADII = { min: 8, max: 110 } as const;
export const IRIS_SEARCH_RADII = { min: 20, max: 230 } as const;
/** How far the iris centre may lie from the pupil's, in full-image pixels. */
const IRIS_CENTRE_OFFSET = 12;
/** The iris is at least this much wider than the pupil. */
const IRIS_OVER_PUPIL = 1.3;
/** Weaker edges than this (grey levels) are not a boundary. */
export const MIN_EDGE_CONTRAST = 10;
/** Samples either side of the circle whose means are compared, in level pixels. */
const DELTA = 2;
/** A circle with fewer of its samples inside the image than this is not scored. */
const MIN_INSIDE = 0.6;

interface Arcs {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

/** `count` angles spread over the sectors, in degrees, y pointing down (positive = below). */
function arcs(count: number, sectors: readonly (readonly [number, number])[]): Arcs {
  const span = sectors.reduce((sum, [from, to]) => sum + to - from, 0);
  const cos = new Float64Array(count);
  const sin = new Float64Array(count);
  let i = 0;
  for (const [from, to] of sectors) {
    const n = sectors.length === 1 ? count : Math.round((count * (to - from)) / span);
    for (let k = 0; k < n && i < count; k++, i++) {
      const a = ((from + ((to - from) * (k + 0.5)) / n) * Math.PI) / 180;
      cos[i] = Math.cos(a);
      sin[i] = Math.sin(a);
    }
  }
  return { cos: cos.subarray(0, i), sin: sin.subarray(0, i) };
}

const CIRCLE_COARSE = arcs(32, [[0, 360]]);
const CIRCLE_FINE = arcs(96, [[0, 360]]);
const LATERAL: readonly (readonly [number, number])[] = [
  [-30, 45],
  [135, 210],
];
const LATERAL_COARSE = arcs(32, LATERAL);
const LATERAL_FINE = arcs(96, LATERAL);

type Scorer = (inside: number, outside: number) => number;
const pupilScore: Scorer = (inside, outside) => (outside - inside) / (inside + 16);
const irisScore: Scorer = (inside, outside) => outside - inside;

interface Window {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  step: number;
  r0: number;
  r1: number;
}

interface Found {
  x: number;
  y: number;
  r: number;
  score: number;
  contrast: number;
}

/** The best-scoring circle of the window on one level (level pixels), if any was scored. */
function search(level: Level, w: Window, a: Arcs, score: Scorer): Found | undefined {
  const { width, height, data } = level;
  const r0 = Math.max(DELTA, w.r0);
  const rMin = r0 - DELTA;
  const rMax = w.r1 + DELTA;
  const means = new Float64Array(rMax - rMin + 1);
  const need = a.cos.length * MIN_INSIDE;
  let best: Found | undefined;
  for (let y = Math.max(0, w.y0); y <= Math.min(height - 1, w.y1); y += w.step) {
    for (let x = Math.max(0, w.x0); x <= Math.min(width - 1, w.x1); x += w.step) {
      for (let r = rMin; r <= rMax; r++) {
        let sum = 0;
        let n = 0;
        for (let k = 0; k < a.cos.length; k++) {
          const px = Math.round(x + r * (a.cos[k] ?? 0));
          const py = Math.round(y + r * (a.sin[k] ?? 0));
          if (px < 0 || py < 0 || px >= width || py >= height) continue;
          sum += data[py * width + px] ?? 0;
          n++;
        }
        means[r - rMin] = n >= need ? sum / n : Number.NaN;
      }
      for (let r = r0; r <= w.r1; r++) {
        const inside = means[r - DELTA - rMin] ?? Number.NaN;
        const outside = means[r + DELTA - rMin] ?? Number.NaN;
        if (Number.isNaN(inside) || Number.isNaN(outside)) continue;
        const s = score(inside, outside);
        if (!best || s > best.score) best = { x, y, r, score: s, contrast: outside - inside };
      }
    }
  }
  return best;
}

/** Re-search around `found` (from the level above, twice as coarse) on `level`. */
function refine(
  level: Level,
  found: Found,
  factor: number,
  a: Arcs,
  score: Scorer,
  rMin: number,
  rMax: number,
) {
  const x = found.x * factor;
  const y = found.y * factor;
  const r = found.r * factor;
  const span = factor + 1;
  const window: Window = {
    x0: x - span,
    x1: x + span,
    y0: y - span,
    y1: y + span,
    step: 1,
    r0: Math.max(rMin, r - span),
    r1: Math.min(rMax, r + span),
  };
  return search(level, window, a, score);
}

/** The pupil and iris boundaries, or undefined when either edge is too faint to be one. */
export function locateIris(image: GreyImage): IrisBoundaries | undefined {
  const [full, half, quarter] = pyramid(image, 3);
  if (!full || !half || !quarter) return undefined;
  const q = quarter.scale;
  const pupilCoarse = search(
    quarter,
    {
      x0: 0,
      x1: quarter.width - 1,
      y0: 0,
      y1: quarter.height - 1,
      step: 2,
      r0: Math.ceil(PUPIL_SEARCH_RADII.min / q),
      r1: Math.floor(PUPIL_SEARCH_RADII.max / q),
    },
    CIRCLE_COARSE,
    pupilScore,
  );
  if (!pupilCoarse) return undefined;
  const pupil = fineSteps(
    [full, half, quarter],
    pupilCoarse,
    2,
    CIRCLE_COARSE,
    CIRCLE_FINE,
    pupilScore,
    PUPIL_SEARCH_RADII,
  );
  if (!pupil || pupil.contrast < MIN_EDGE_CONTRAST) return undefined;

  const irisMin = Math.max(IRIS_SEARCH_RADII.min, Math.ceil(pupil.r * IRIS_OVER_PUPIL));
  const offset = Math.ceil(IRIS_CENTRE_OFFSET / q);
  const irisCoarse = search(
    quarter,
    {
      x0: Math.round(pupil.x / q) - offset,
      x1: Math.round(pupil.x / q) + offset,
      y0: Math.round(pupil.y / q) - offset,
      y1: Math.round(pupil.y / q) + offset,
      step: 1,
      r0: Math.ceil(irisMin / q),
      r1: Math.floor(IRIS_SEARCH_RADII.max / q),
    },
    LATERAL_COARSE,
    irisScore,
  );
  if (!irisCoarse) return undefined;
  const iris = fineSteps([full, half, quarter], irisCoarse, 1, LATERAL_COARSE, LATERAL_FINE, irisScore, {
    min: irisMin,
    max: IRIS_SEARCH_RADII.max,
  });
  if (!iris || iris.contrast < MIN_EDGE_CONTRAST) return undefined;
  return { pupil: boundary(pupil), iris: boundary(iris) };
}

/**
 * From the quarter level: once more there at step 1 when the coarse pass skipped
 * positions, then half, then full resolution with the fine arcs.
 */
function fineSteps(
  [full, half, quarter]: readonly [Level, Level, Level],
  coarse: Found,
  coarseStep: number,
  coarseArcs: Arcs,
  fineArcs: Arcs,
  score: Scorer,
  radii: { min: number; max: number },
): Found | undefined {
  const q = quarter.scale;
  const quarterBest =
    coarseStep > 1
      ? refine(quarter, coarse, 1, coarseArcs, score, Math.ceil(radii.min / q), Math.floor(radii.max / q))
      : coarse;
  if (!quarterBest) return undefined;
  const halfBest = refine(
    half,
    quarterBest,
    2,
    coarseArcs,
    score,
    Math.ceil(radii.min / 2),
    Math.floor(radii.max / 2),
  );
  if (!halfBest) return undefined;
  return refine(full, halfBest, 2, fineArcs, score, radii.min, radii.max);
}

function boundary(found: Found): Boundary {
  return { x: found.x, y: found.y, r: found.r, contrast: Math.round(found.contrast * 10) / 10 };
}

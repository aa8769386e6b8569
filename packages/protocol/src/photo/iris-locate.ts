/**
 * Pupil and iris boundaries by Daugman's integro-differential operator: the circle
 * (x, y, r) where the mean grey along the circle changes most steeply with r, on a
 * smoothed image. Searched coarse to fine (quarter, half, full resolution), the pupil
 * first, over the whole image, then the iris boundary (the limbus) around it.
 *
 * Choices of our own, for eyes whose pupil is darkest and sclera brightest (the synthetic
 * test eyes; NIR captures usually, unverified on real ones):
 * - The pupil's edge is scored by its contrast less four times the grey inside it, so
 *   the darkest disc wins: the pupil edge beats the iris–sclera edge (which can have the
 *   larger step) whenever 6·iris > sclera + 5·pupil, true for any iris grey the rule
 *   accepts (≥ 65) with a pupil darker than 25 even against a white (255) sclera.
 * - The iris boundary is searched on the left and right arcs only (30° above to 45°
 *   below horizontal), where eyelids and lashes rarely fall, as Daugman does.
 * - The pupil's coarse passes run on a grey opening of the image, which takes away the
 *   illuminator's bright reflections (up to 12 px in radius) that sit inside most pupils.
 * - An iris circle must enclose the pupil circle with its inner samples, and its centre
 *   lies within 12 px of the pupil's: otherwise the pupil's own edge scores as the iris's.
 * No npm package does this for Node (searched: only MATLAB/Python ports, and OpenCV.js's
 * HoughCircles in a multi-megabyte wasm build), hence this small implementation.
 */
import type { GreyImage } from './bmp.js';
import { type Level, opening, pyramid } from './iris-pyramid.js';

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
/** Specular reflections up to this radius (full-image pixels) do not hide the pupil. */
const GLINT_RADIUS = 12;
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
const pupilScore: Scorer = (inside, outside) => outside - inside - 4 * inside;
const contrast: Scorer = (inside, outside) => outside - inside;

interface Window {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  step: number;
  r0: number;
  r1: number;
  /**
   * A circle (level pixels) the inner samples must enclose: the pupil, when searching
   * the iris boundary, so the pupil's own edge never scores as the iris's.
   */
  encloses?: { x: number; y: number; r: number };
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
      const firstR = w.encloses ? Math.max(r0, Math.ceil(enclosingRadius(w.encloses, x, y))) : r0;
      for (let r = firstR; r <= w.r1; r++) {
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

/** The least r whose inner samples (at r − DELTA) lie outside `circle`, with a pixel to spare. */
function enclosingRadius(circle: { x: number; y: number; r: number }, x: number, y: number): number {
  return Math.hypot(x - circle.x, y - circle.y) + circle.r + DELTA + 1;
}

/** What one boundary's search looks for, the same on every level. */
interface Pass {
  readonly coarseArcs: Arcs;
  readonly fineArcs: Arcs;
  readonly score: Scorer;
  /** The score at full resolution, where the window is too small to reach another edge. */
  readonly fineScore: Scorer;
  /** Radii in full-image pixels. */
  readonly min: number;
  readonly max: number;
  /** The pupil, when searching the iris boundary (Window.encloses). */
  readonly around?: Boundary;
}

/** Re-search around `found` (from a level `factor` times coarser) on `level`. */
function refine(
  level: Level,
  found: Found,
  factor: number,
  arcs: Arcs,
  pass: Pass,
  score = pass.score,
): Found | undefined {
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
    r0: Math.max(Math.ceil(pass.min / level.scale), r - span),
    r1: Math.min(Math.floor(pass.max / level.scale), r + span),
  };
  if (pass.around) window.encloses = inLevel(pass.around, level);
  return search(level, window, arcs, score);
}

/** Over the whole quarter level at step 2, or around `centre` (full-image pixels) at step 1. */
function coarse(
  quarter: Level,
  pass: Pass,
  centre?: { x: number; y: number; span: number },
): Found | undefined {
  const q = quarter.scale;
  const window: Window = centre
    ? {
        x0: Math.round(centre.x / q) - Math.ceil(centre.span / q),
        x1: Math.round(centre.x / q) + Math.ceil(centre.span / q),
        y0: Math.round(centre.y / q) - Math.ceil(centre.span / q),
        y1: Math.round(centre.y / q) + Math.ceil(centre.span / q),
        step: 1,
        r0: Math.ceil(pass.min / q),
        r1: Math.floor(pass.max / q),
      }
    : {
        x0: 0,
        x1: quarter.width - 1,
        y0: 0,
        y1: quarter.height - 1,
        step: 2,
        r0: Math.ceil(pass.min / q),
        r1: Math.floor(pass.max / q),
      };
  if (pass.around) window.encloses = inLevel(pass.around, quarter);
  const found = search(quarter, window, pass.coarseArcs, pass.score);
  // The whole-image pass skipped every other position: once more around its best at step 1.
  return found && window.step > 1 ? refine(quarter, found, 1, pass.coarseArcs, pass) : found;
}

/** Coarse on the quarter level, then half, then full resolution with the fine arcs. */
function locate(
  levels: Levels,
  pass: Pass,
  centre?: { x: number; y: number; span: number },
): Boundary | undefined {
  const quarterBest = coarse(levels.quarter, pass, centre);
  const halfBest = quarterBest && refine(levels.half, quarterBest, 2, pass.coarseArcs, pass);
  const fullBest = halfBest && refine(levels.full, halfBest, 2, pass.fineArcs, pass, pass.fineScore);
  if (!fullBest || fullBest.contrast < MIN_EDGE_CONTRAST) return undefined;
  return { x: fullBest.x, y: fullBest.y, r: fullBest.r, contrast: Math.round(fullBest.contrast * 10) / 10 };
}

interface Levels {
  readonly full: Level;
  readonly half: Level;
  readonly quarter: Level;
}

/** The pupil and iris boundaries, or undefined when either edge is too faint to be one. */
export function locateIris(image: GreyImage): IrisBoundaries | undefined {
  const [full, half, quarter] = pyramid(image, 3);
  if (!full || !half || !quarter) return undefined;
  // The pupil's coarse passes run with the illuminator's reflections (bright spots up to
  // GLINT_RADIUS) opened away; at full size the window is too small to reach one.
  const opened = {
    full,
    half: opening(half, Math.ceil(GLINT_RADIUS / half.scale)),
    quarter: opening(quarter, Math.ceil(GLINT_RADIUS / quarter.scale)),
  };
  const pupil = locate(opened, {
    coarseArcs: CIRCLE_COARSE,
    fineArcs: CIRCLE_FINE,
    score: pupilScore,
    // Placed to the pixel by the steepest step alone: the darkness term pulls r inwards.
    fineScore: contrast,
    ...PUPIL_SEARCH_RADII,
  });
  if (!pupil) return undefined;
  const iris = locate(
    { full, half, quarter },
    {
      coarseArcs: LATERAL_COARSE,
      fineArcs: LATERAL_FINE,
      score: contrast,
      fineScore: contrast,
      min: Math.max(IRIS_SEARCH_RADII.min, Math.ceil(pupil.r * IRIS_OVER_PUPIL)),
      max: IRIS_SEARCH_RADII.max,
      around: pupil,
    },
    { x: pupil.x, y: pupil.y, span: IRIS_CENTRE_OFFSET },
  );
  return iris && { pupil, iris };
}

/** A full-image circle in a level's pixels. */
function inLevel(circle: Boundary, level: Level): { x: number; y: number; r: number } {
  return { x: circle.x / level.scale, y: circle.y / level.scale, r: circle.r / level.scale };
}

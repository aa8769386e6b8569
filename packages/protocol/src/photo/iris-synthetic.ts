/**
 * Synthetic near-infrared-like eye images with known pupil and iris radii and grey
 * levels, for testing the iris check (and for the testkit): a dark pupil disc, a textured
 * iris annulus, bright sclera inside an eye-shaped opening, skin around it, and an
 * optional upper eyelid hanging over the iris. Deterministic: the same options give the
 * same pixels. Not a real capture: real NIR images have lashes, reflections and soft
 * limbus edges these do not.
 */
import { type GreyImage, IRIS_IMAGE_HEIGHT, IRIS_IMAGE_WIDTH } from './bmp.js';

export interface SyntheticEyeOptions {
  /** Pupil centre; default the image centre. */
  x?: number;
  y?: number;
  pupilRadius: number;
  irisRadius: number;
  /** Iris centre offset from the pupil's, in pixels; default 0 (concentric). */
  irisOffsetX?: number;
  irisOffsetY?: number;
  /** Mean grey of each region; defaults 25, 120, 200, 150. */
  pupilGrey?: number;
  irisGrey?: number;
  scleraGrey?: number;
  skinGrey?: number;
  /** Amplitude of the iris's radial texture and of the uniform noise everywhere; defaults 12 and 6. */
  texture?: number;
  noise?: number;
  /** The upper eyelid's edge, as a fraction of the iris radius above the iris centre; none by default. */
  eyelid?: number;
  /**
   * A specular reflection of the NIR illuminator: a bright (250) disc of this radius,
   * centred a third of the pupil radius up and left of the pupil centre; none by default.
   */
  reflection?: number;
  seed?: number;
}

const GLINT_GREY = 250;

/** mulberry32: a tiny seeded generator, so images are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticEye(o: SyntheticEyeOptions): GreyImage {
  const width = IRIS_IMAGE_WIDTH;
  const height = IRIS_IMAGE_HEIGHT;
  const px = o.x ?? width / 2;
  const py = o.y ?? height / 2;
  const ix = px + (o.irisOffsetX ?? 0);
  const iy = py + (o.irisOffsetY ?? 0);
  const pupilGrey = o.pupilGrey ?? 25;
  const irisGrey = o.irisGrey ?? 120;
  const scleraGrey = o.scleraGrey ?? 200;
  const skinGrey = o.skinGrey ?? 150;
  const texture = o.texture ?? 12;
  const noise = o.noise ?? 6;
  const next = random(o.seed ?? 1);
  // The eye opening: an ellipse around the iris, wider than high, as an eye is.
  const eyeA = o.irisRadius * 2.2;
  const eyeB = o.irisRadius * 1.25;
  const glintX = px - o.pupilRadius / 3;
  const glintY = py - o.pupilRadius / 3;
  const lidY = o.eyelid === undefined ? Number.NEGATIVE_INFINITY : iy - o.eyelid * o.irisRadius;
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dp = Math.hypot(x - px, y - py);
      const di = Math.hypot(x - ix, y - iy);
      const inEye = ((x - ix) / eyeA) ** 2 + ((y - iy) / eyeB) ** 2 <= 1;
      let grey: number;
      if (!inEye || y < lidY) grey = skinGrey;
      else if (o.reflection && Math.hypot(x - glintX, y - glintY) <= o.reflection) grey = GLINT_GREY;
      else if (dp <= o.pupilRadius) grey = pupilGrey;
      else if (di <= o.irisRadius) {
        // Radial furrows and a ring or two: texture whose mean over the annulus is ~0.
        const angle = Math.atan2(y - iy, x - ix);
        grey = irisGrey + texture * Math.sin(angle * 23 + di * 0.15) * Math.cos(di * 0.4);
      } else grey = scleraGrey;
      grey += (next() * 2 - 1) * noise;
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(grey)));
    }
  }
  return { width, height, pixels };
}

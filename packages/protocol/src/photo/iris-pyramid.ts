/**
 * The smoothed images the boundary search runs on: the full image blurred a little, and
 * halved twice by 2 × 2 averaging then blurred again. The coarse levels find a circle
 * cheaply; the full level places it to the pixel. Float samples, rows top-down.
 */
import type { GreyImage } from './bmp.js';

export interface Level {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  /** Full-image pixels per pixel of this level: 1, 2, 4. */
  readonly scale: number;
}

/** A 5-tap binomial kernel (≈ Gaussian, σ ≈ 1): Daugman's G_σ, applied once per level. */
const KERNEL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

export function pyramid(image: GreyImage, levels: number): Level[] {
  const full = blur({
    width: image.width,
    height: image.height,
    data: Float32Array.from(image.pixels),
    scale: 1,
  });
  const out = [full];
  for (let i = 1; i < levels; i++) out.push(blur(halve(out[i - 1] ?? full)));
  return out;
}

function halve(level: Level): Level {
  const width = level.width >> 1;
  const height = level.height >> 1;
  const data = new Float32Array(width * height);
  const src = level.data;
  for (let y = 0; y < height; y++) {
    const a = 2 * y * level.width;
    const b = a + level.width;
    for (let x = 0; x < width; x++) {
      const i = 2 * x;
      data[y * width + x] =
        ((src[a + i] ?? 0) + (src[a + i + 1] ?? 0) + (src[b + i] ?? 0) + (src[b + i + 1] ?? 0)) / 4;
    }
  }
  return { width, height, data, scale: level.scale * 2 };
}

/** Separable blur with the edges clamped. */
function blur(level: Level): Level {
  const { width, height } = level;
  const tmp = new Float32Array(width * height);
  const data = new Float32Array(width * height);
  const half = KERNEL.length >> 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < KERNEL.length; k++) {
        const xx = Math.min(width - 1, Math.max(0, x + k - half));
        sum += (KERNEL[k] ?? 0) * (level.data[row + xx] ?? 0);
      }
      tmp[row + x] = sum;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < KERNEL.length; k++) {
        const yy = Math.min(height - 1, Math.max(0, y + k - half));
        sum += (KERNEL[k] ?? 0) * (tmp[yy * width + x] ?? 0);
      }
      data[y * width + x] = sum;
    }
  }
  return { width, height, data, scale: level.scale };
}

/**
 * Grey opening (a minimum then a maximum over a square of side 2·radius + 1): bright
 * spots smaller than the square, such as the illuminator's reflection in the pupil, take
 * the grey around them; darker or larger regions keep their shape.
 */
export function opening(level: Level, radius: number): Level {
  const eroded = extremum(extremum(level.data, level, radius, 1, -1), level, radius, level.width, -1);
  const data = extremum(extremum(eroded, level, radius, 1, 1), level, radius, level.width, 1);
  return { ...level, data };
}

/**
 * One pass of a running minimum (sign −1) or maximum (sign 1) along rows (step 1) or
 * columns (step = width). Comparing sign-multiplied values keeps one loop for both
 * without a function call per sample, which made the opening the slowest step.
 */
function extremum(src: Float32Array, { width, height }: Level, radius: number, step: number, sign: 1 | -1) {
  const out = new Float32Array(src.length);
  const along = step === 1 ? width : height;
  const lines = step === 1 ? height : width;
  const lineStep = step === 1 ? width : 1;
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    for (let i = 0; i < along; i++) {
      let best = sign * (src[base + i * step] ?? 0);
      const to = Math.min(along - 1, i + radius);
      for (let j = Math.max(0, i - radius); j <= to; j++) {
        const v = sign * (src[base + j * step] ?? 0);
        if (v > best) best = v;
      }
      out[base + i * step] = sign * best;
    }
  }
  return out;
}

/**
 * Fake-camera videos for the phone page's liveness challenge (issue 14), built at test
 * time from the real photos of the facematch man (real-faces.ts; nothing committed):
 *
 * - livenessVideo: a 6.4 s loop (15 fps, 640 × 480) frontal → blink → frontal → turn
 *   to his own left → frontal → turn to his own right, so any challenge asked is shown
 *   within one loop.
 * - stillVideo: his frontal photo and nothing else (a printed photo held still).
 *
 * The poses are real photos, measured with Human (the page's models, in Node, on the
 * frames read back from the Y4M as the camera gives them): frontal = the facedetect
 * portrait of him (REAL_FACE_CROPS.manPortrait) mirrored, yaw +5.6°, pitch +12.5°;
 * left = facematch grid photo 14, yaw −20.6° (26.1° from frontal); right = the same
 * photo mirrored, yaw +23.1° (17.5°). The portrait is mirrored because unmirrored it
 * reads −6.9°, and no photo of him is turned to his left by more than grid photo 14's
 * −21.1°: a turn of 14.2°, under the page's 15° rule (grid photo 12, the only photo
 * turned to his right, reads +15.9°). Mirrored, it is still his face as a selfie camera
 * shows it. The frontal photo is not the one the end-to-end test enrols: the 1:1 there
 * compares the page's selfie with another photo of him. The closed eyes are painted
 * over the frontal photo where Human's iris model put his lids: each eye's outline
 * filled with the skin above it, fading upward over the lid, with a dark lash line near
 * the lower lid. Human reads their openness at about 0.45 of the open eyes' (the page's
 * blink rule: below 0.65, then above 0.85); packages/mobile's liveness video test
 * measures it.
 */
import sharp from 'sharp';
import { writeY4m } from './fake-camera.js';
import { cropPhoto, REAL_FACE_CROPS, type RealFaceCrop } from './real-faces.js';

export const LIVENESS_VIDEO_FORMAT = { width: 640, height: 480, fps: 15 } as const;
const { width: W, height: H } = LIVENESS_VIDEO_FORMAT;
/**
 * Each photo is scaled to this square, centred on a grey frame (Human's face box on the
 * frontal pose: 416 px). Of the sizes tried (340–480 px), 420 gives the mirrored grid
 * photo 14 its largest yaw, +23.1° (+22.0° at 400), while the portrait reads +5.5…+6.8°
 * at any of them: the widest right turn.
 */
const PHOTO_SIDE = 420;

export type LivenessPose = 'frontal' | 'closed' | 'left' | 'right';

/** Facematch grid row 0, cell 14 (real-faces.ts's gridCell(0, 14)): the man turned to his own left. */
const TURNED_LEFT: RealFaceCrop = {
  source: 'facematch',
  left: Math.round((14 * 1920) / 18),
  top: 283,
  width: 106,
  height: 106,
  outWidth: 260,
  note: 'the man, grid photo 14, turned to his own left',
};

/** One loop: [pose, frames at 15 fps]. */
export const LIVENESS_LOOP: readonly (readonly [LivenessPose, number])[] = [
  ['frontal', 20],
  ['closed', 6],
  ['frontal', 20],
  ['left', 15],
  ['frontal', 20],
  ['right', 15],
];

type Point = readonly [number, number];
interface EyeOutline {
  /** Upper lid, corner to corner. */
  upper: readonly Point[];
  /** Lower lid, corner to corner. */
  lower: readonly Point[];
}

/**
 * His lids on the frontal frame (the portrait mirrored, at PHOTO_SIDE, centred), as
 * Human's iris model placed them (mesh points 246…173 and 33…133 for his right eye,
 * 466…398 and 263…362 for his left), in frame pixels, rounded: measured once with the
 * Node Human of packages/mobile's liveness tests (test/support/node-human.ts) on the
 * frontal frame read back from the video's Y4M. Re-measure them whenever the frontal
 * photo, its size or PHOTO_SIDE change.
 */
const FRONTAL_EYES: readonly EyeOutline[] = [
  {
    upper: [
      [241, 183],
      [243, 181],
      [247, 178],
      [254, 175],
      [261, 174],
      [269, 176],
      [276, 179],
    ],
    lower: [
      [240, 185],
      [244, 188],
      [248, 189],
      [253, 190],
      [260, 189],
      [267, 186],
      [273, 184],
      [277, 182],
      [279, 181],
    ],
  },
  {
    upper: [
      [374, 185],
      [371, 183],
      [367, 180],
      [359, 178],
      [351, 178],
      [343, 181],
      [336, 186],
    ],
    lower: [
      [376, 187],
      [372, 190],
      [367, 192],
      [361, 193],
      [353, 193],
      [346, 191],
      [339, 190],
      [335, 189],
      [333, 189],
    ],
  },
];

/** The lid painting's shape, tuned by measuring Human's reading (lowest openness, still looking like a shut eye). */
const LID = {
  /** The patch fades in over this many eye heights above the upper lid. */
  fadeUp: 1.2,
  /** The lash line's brightness factor at its darkest. */
  lashDark: 0.2,
  /** The lash line's offset from the lower lid (px, negative: up). */
  lashOffset: -2,
  /** Half-thickness of the lash line (px). */
  lashHalf: 1.6,
  /** The patch runs this far beyond each corner, fading (px). */
  margin: 3,
} as const;

/** A curve through the points as y of x (linear between them, flat beyond the ends). */
function curve(points: readonly Point[]): (x: number) => number {
  const s = [...points].sort((a, b) => a[0] - b[0]);
  return (x) => {
    const first = s[0] as Point;
    if (x <= first[0]) return first[1];
    for (let i = 1; i < s.length; i++) {
      const [x1, y1] = s[i] as Point;
      const [x0, y0] = s[i - 1] as Point;
      if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0 || 1);
    }
    return (s.at(-1) as Point)[1];
  };
}

/** The frame with both eyes painted shut (a new buffer). */
export function paintClosedEyes(frame: Uint8Array, eyes: readonly EyeOutline[] = FRONTAL_EYES): Uint8Array {
  const out = new Uint8Array(frame);
  const at = (x: number, y: number, c: number) => frame[(y * W + x) * 3 + c] as number;
  for (const eye of eyes) {
    const up = curve(eye.upper);
    const lo = curve(eye.lower);
    const xs = [...eye.upper, ...eye.lower].map((p) => p[0]);
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    const h = Math.max(...eye.lower.map((p) => p[1])) - Math.min(...eye.upper.map((p) => p[1]));
    for (let x = Math.floor(x0 - LID.margin); x <= Math.ceil(x1 + LID.margin); x++) {
      const cx = Math.min(Math.max(x, x0), x1);
      const u = up(cx);
      const l = lo(cx);
      // This column's skin colour: the mean of a band above the lid's crease.
      const colour = [0, 0, 0];
      let n = 0;
      for (let y = Math.round(u - (LID.fadeUp + 0.5) * h); y <= Math.round(u - LID.fadeUp * h); y++, n++)
        for (let c = 0; c < 3; c++) colour[c] = (colour[c] as number) + at(x, y, c);
      const side = x < x0 ? 1 - (x0 - x) / LID.margin : x > x1 ? 1 - (x - x1) / LID.margin : 1;
      // The lash line thins toward the corners.
      const inward = Math.min(1, (1.5 * Math.min(cx - x0, x1 - cx)) / ((x1 - x0) / 2)) * Math.max(0, side);
      const top = u - LID.fadeUp * h - 2;
      const bottom = l + 2;
      for (let y = Math.floor(top); y <= Math.ceil(bottom + 2); y++) {
        // Opaque over the eye, fading in above it and out within 2 px below the lower lid.
        const fade = y < u - 1 ? (y - top) / (u - 1 - top) : y > bottom ? 1 - (y - bottom) / 2 : 1;
        const alpha = Math.max(0, Math.min(1, fade)) * Math.max(0, side);
        const d = Math.abs(y - (l + LID.lashOffset));
        const lash = d < LID.lashHalf ? LID.lashDark + (1 - LID.lashDark) * (d / LID.lashHalf) ** 2 : 1;
        const shade = 1 - (1 - lash) * inward;
        for (let c = 0; c < 3; c++) {
          const i = (y * W + x) * 3 + c;
          const mixed = (frame[i] as number) * (1 - alpha) + ((colour[c] as number) / n) * alpha;
          out[i] = Math.round(mixed * shade);
        }
      }
    }
  }
  return out;
}

/** A crop as a 640 × 480 RGB frame: scaled to PHOTO_SIDE, centred on grey, mirrored if asked. */
async function poseFrame(crop: RealFaceCrop, mirror: boolean): Promise<Uint8Array> {
  let photo = sharp(await cropPhoto(crop)).resize(PHOTO_SIDE, PHOTO_SIDE, { fit: 'cover' });
  if (mirror) photo = photo.flop();
  const padX = (W - PHOTO_SIDE) / 2;
  const padY = (H - PHOTO_SIDE) / 2;
  const data = await sharp(await photo.toBuffer())
    .extend({ left: padX, right: padX, top: padY, bottom: padY, background: { r: 120, g: 120, b: 120 } })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** The four poses' frames (RGB, 640 × 480). */
export async function livenessPoses(): Promise<Record<LivenessPose, Uint8Array>> {
  const frontal = await poseFrame(REAL_FACE_CROPS.manPortrait, true);
  return {
    frontal,
    closed: paintClosedEyes(frontal),
    left: await poseFrame(TURNED_LEFT, false),
    right: await poseFrame(TURNED_LEFT, true),
  };
}

/** One loop's frames in order, each with its pose. */
export async function livenessFrames(): Promise<{ pose: LivenessPose; rgb: Uint8Array }[]> {
  const poses = await livenessPoses();
  return LIVENESS_LOOP.flatMap(([pose, n]) => Array.from({ length: n }, () => ({ pose, rgb: poses[pose] })));
}

export interface FakeVideo {
  path: string;
  frames: number;
  fps: number;
  /** One loop's length in ms. */
  loopMs: number;
}

/** Writes the looping liveness video (Y4M, for --use-file-for-fake-video-capture; the path must be absolute). */
export async function livenessVideo(path: string): Promise<FakeVideo> {
  const frames = await livenessFrames();
  const count = await writeY4m(
    path,
    frames.map((f) => f.rgb),
    LIVENESS_VIDEO_FORMAT,
  );
  return {
    path,
    frames: count,
    fps: LIVENESS_VIDEO_FORMAT.fps,
    loopMs: (count * 1000) / LIVENESS_VIDEO_FORMAT.fps,
  };
}

/** Writes a video of the frontal photo alone, one second looping: must fail the liveness challenge. */
export async function stillVideo(path: string): Promise<FakeVideo> {
  const { frontal } = await livenessPoses();
  const fps = LIVENESS_VIDEO_FORMAT.fps;
  const count = await writeY4m(
    path,
    Array.from({ length: fps }, () => frontal),
    LIVENESS_VIDEO_FORMAT,
  );
  return { path, frames: count, fps, loopMs: 1000 };
}

/**
 * Real face photos for the face rules' tests and benchmarks, cut at test time from the
 * MIT-licensed sample images the installed @vladmandic/human package ships in assets/
 * (node_modules/@vladmandic/human/LICENSE); no photo is committed. Every crop is in one
 * table below with what it shows. The samples are screenshots of Human's demos, so the
 * faces are thumbnails (60–150 px): the portraits are enlarged to give a face region of
 * at least 128 × 128 px, as an ID-style photo would have.
 *
 * One person appears in many different photos: the man of the "facematch" demo (the
 * library's author), whose first grid row is 18 photos of him. He gives the genuine pairs;
 * the women and the other men of the same demos give the impostor pairs (always against
 * the man: two women's thumbnails may be the same woman).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** The sample images (Human's assets/), by a short name. */
export const REAL_FACE_SOURCES = {
  /** 800 × 718: five group photos above five single-face portraits of 150 × 150. */
  facedetect: 'screenshot-facedetect.jpg',
  /** 1920 × 954: the selected face (top left) and a grid of 6 × 18 faces of 106 px, row 0 all the same man. */
  facematch: 'screenshot-facematch.jpg',
  /** 800 × 564: one webcam portrait of the same man. */
  faceid: 'screenshot-faceid.jpg',
  /** 1280 × 1158: a row of thumbnails (full-body, half-body, groups) over a large group photo. */
  samples: 'samples.jpg',
} as const;
export type RealFaceSource = keyof typeof REAL_FACE_SOURCES;

export interface RealFaceCrop {
  source: RealFaceSource;
  left: number;
  top: number;
  width: number;
  height: number;
  /** Resize the crop to this width (height in proportion); omitted: keep its pixels. */
  outWidth?: number;
  /** Who or what it shows. */
  note: string;
}

/** Portraits are enlarged to this width: a 150 px portrait's ~86 px face becomes ~150 px. */
const PORTRAIT_WIDTH = 260;
/** The facematch grid: cells of 1920/18 px, rows starting at these y (measured on the image). */
const GRID_CELL = 1920 / 18;
const GRID_ROWS = [283, 395, 508, 620, 733, 845] as const;
const GRID_SIZE = 106;

function gridCell(row: number, col: number, note: string): RealFaceCrop {
  const top = GRID_ROWS[row];
  if (top === undefined) throw new RangeError(`facematch grid row ${row}`);
  return {
    source: 'facematch',
    left: Math.round(col * GRID_CELL),
    top,
    width: GRID_SIZE,
    height: GRID_SIZE,
    outWidth: PORTRAIT_WIDTH,
    note,
  };
}

/** The facedetect demo's five portraits (150 × 150, 156 px apart). */
function facedetectPortrait(i: number, note: string, enlarge = true): RealFaceCrop {
  const crop: RealFaceCrop = {
    source: 'facedetect',
    left: 8 + i * 156,
    top: 347,
    width: 150,
    height: 150,
    note,
  };
  if (enlarge) crop.outWidth = PORTRAIT_WIDTH;
  return crop;
}

/** Every crop the tests use: the one table of coordinates. */
export const REAL_FACE_CROPS = {
  /** Single frontal portraits that pass every rule (face ≥ 128 px, ≥ 1/3, pose within ±30°). */
  manPortrait: facedetectPortrait(0, 'the man, head and shoulders'),
  womanPortrait1: facedetectPortrait(1, 'a dark-haired woman, head and shoulders'),
  womanPortrait2: facedetectPortrait(2, 'a blonde woman, close-up'),
  womanPortrait3: facedetectPortrait(3, 'a brown-haired woman, head and shoulders'),
  womanPortrait4: facedetectPortrait(4, 'a woman, black and white'),
  manWebcam: {
    source: 'faceid',
    left: 14,
    top: 142,
    width: 140,
    height: 140,
    outWidth: PORTRAIT_WIDTH,
    note: 'the man, webcam',
  },
  manSelected: {
    source: 'facematch',
    left: 0,
    top: 27,
    width: 170,
    height: 170,
    outWidth: PORTRAIT_WIDTH,
    note: "the man, the demo's selected face",
  },
  /** Two different photos of the man (dark background, pink shirt; outdoors, white shirt): a genuine pair. */
  manGrid1: gridCell(0, 1, 'the man, grid photo 1'),
  manGrid2: gridCell(0, 2, 'the man, grid photo 2'),
  /** Two portraits side by side, enlarged: two faces. */
  twoFaces: {
    source: 'facedetect',
    left: 8,
    top: 347,
    width: 306,
    height: 150,
    outWidth: 612,
    note: 'the man and a woman side by side',
  },
  /** The ceiling of the large group photo: lamps, no face. */
  noFace: { source: 'samples', left: 700, top: 210, width: 300, height: 200, note: 'ceiling lamps, no face' },
  /** A portrait at its own 150 px: the face region is ~86 × 93 px, under 128 × 128 (every other rule passes). */
  smallFace: facedetectPortrait(1, 'a dark-haired woman, not enlarged: face ~86 px', false),
  /** A half-body thumbnail, enlarged so the face itself is large enough: the face is under 1/3 of the photo. */
  halfBody: {
    source: 'samples',
    left: 165,
    top: 0,
    width: 152,
    height: 158,
    outWidth: 760,
    note: 'a seated woman, half body',
  },
} satisfies Record<string, RealFaceCrop>;
export type RealFaceName = keyof typeof REAL_FACE_CROPS;

/**
 * The man's photos, each a different photo of him: grid row 0 but cell 0 (the selected
 * face again) and cell 3 (the same photo as manPortrait, checked by eye).
 */
const MAN_GRID_CELLS = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17] as const;
export const GENUINE_CROPS: readonly RealFaceCrop[] = [
  REAL_FACE_CROPS.manPortrait,
  REAL_FACE_CROPS.manWebcam,
  REAL_FACE_CROPS.manSelected,
  ...MAN_GRID_CELLS.map((c) => gridCell(0, c, `the man, grid photo ${c}`)),
];

/** Women (never the man): the facedetect portraits and grid cells picked by eye from rows 2–5. */
const WOMEN_CELLS: readonly (readonly [number, number])[] = [
  [2, 1],
  [2, 2],
  [2, 3],
  [2, 8],
  [2, 10],
  [2, 11],
  [2, 14],
  [2, 16],
  [2, 17],
  [3, 0],
  [3, 2],
  [3, 3],
  [3, 5],
  [3, 6],
  [3, 8],
  [3, 10],
  [3, 12],
  [3, 16],
  [3, 17],
  [4, 0],
  [4, 1],
  [4, 2],
  [4, 5],
  [4, 7],
  [4, 13],
  [4, 16],
  [5, 0],
  [5, 2],
  [5, 3],
  [5, 8],
  [5, 16],
  [5, 17],
];
export const IMPOSTOR_WOMEN_CROPS: readonly RealFaceCrop[] = [
  REAL_FACE_CROPS.womanPortrait1,
  REAL_FACE_CROPS.womanPortrait2,
  REAL_FACE_CROPS.womanPortrait3,
  REAL_FACE_CROPS.womanPortrait4,
  ...WOMEN_CELLS.map(([r, c]) => gridCell(r, c, `a woman, grid row ${r} column ${c}`)),
];
/**
 * Other men (same-sex impostors, the harder case), picked by eye from rows 2–5, which the
 * demo ranks at most 44.5% similar to the man; one who looked a little like him is left out.
 */
const OTHER_MEN_CELLS: readonly (readonly [number, number])[] = [
  [2, 0],
  [2, 4],
  [2, 5],
  [2, 6],
  [2, 7],
  [2, 12],
  [3, 4],
  [4, 12],
  [5, 5],
  [5, 6],
  [5, 9],
];
export const IMPOSTOR_MEN_CROPS: readonly RealFaceCrop[] = OTHER_MEN_CELLS.map(([r, c]) =>
  gridCell(r, c, `another man, grid row ${r} column ${c}`),
);
/** Every face that is not the man's. */
export const IMPOSTOR_CROPS: readonly RealFaceCrop[] = [...IMPOSTOR_WOMEN_CROPS, ...IMPOSTOR_MEN_CROPS];

const PASSING: readonly RealFaceName[] = [
  'manPortrait',
  'womanPortrait1',
  'womanPortrait2',
  'womanPortrait3',
  'womanPortrait4',
  'manWebcam',
  'manSelected',
];

let humanAssets: string | undefined;
/** Human's assets/ directory (its exports map hides package.json: go up from its Node entry). */
function assetsDir(): string {
  humanAssets ??= join(dirname(dirname(require.resolve('@vladmandic/human'))), 'assets');
  return humanAssets;
}

const sources = new Map<RealFaceSource, Promise<Buffer>>();
function sourceBytes(source: RealFaceSource): Promise<Buffer> {
  let bytes = sources.get(source);
  if (!bytes) {
    bytes = readFile(join(assetsDir(), REAL_FACE_SOURCES[source]));
    sources.set(source, bytes);
  }
  return bytes;
}

export interface CropVariation {
  /** Brightness factor (sharp modulate), default 1. */
  brightness?: number;
  /** JPEG quality, default 90. */
  quality?: number;
  /** Pixels added to the output width (the crop's outWidth, or its own width). */
  widen?: number;
}

/** The crop as a JPEG. */
export async function cropPhoto(crop: RealFaceCrop, variation: CropVariation = {}): Promise<Buffer> {
  let image = sharp(await sourceBytes(crop.source)).extract({
    left: crop.left,
    top: crop.top,
    width: crop.width,
    height: crop.height,
  });
  const width = (crop.outWidth ?? crop.width) + (variation.widen ?? 0);
  if (width !== crop.width) image = image.resize({ width, kernel: 'lanczos3' });
  if (variation.brightness !== undefined && variation.brightness !== 1)
    image = image.modulate({ brightness: variation.brightness });
  return image.jpeg({ quality: variation.quality ?? 90 }).toBuffer();
}

/** One named photo of the table. */
export function realFacePhoto(name: RealFaceName): Promise<Buffer> {
  return cropPhoto(REAL_FACE_CROPS[name]);
}

/**
 * n distinct photos that pass every face rule (benchmarks, bulk enrolment tests): the
 * passing portraits in turn, each round a little brighter or darker, at another JPEG
 * quality or 1 px wider, so every photo's bytes differ (the platform stores
 * photos by content).
 */
export async function realFace(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const name = PASSING[i % PASSING.length] as RealFaceName;
    const round = Math.floor(i / PASSING.length);
    // Rounds step brightness by 1% (at most ±12%), then JPEG quality 80–95, then
    // the width up by 1 px per 400 rounds (2,800 photos), so no two photos repeat.
    const step = (round % 25) - 12;
    out.push(
      await cropPhoto(REAL_FACE_CROPS[name], {
        brightness: 1 + step / 100,
        quality: 80 + (Math.floor(round / 25) % 16),
        widen: Math.floor(round / 400),
      }),
    );
  }
  return out;
}

/** An ID card chip photo's size (GB 16899 / the card readers' 102 × 126 px JPEG/BMP). */
export const ID_CARD_PHOTO_WIDTH = 102;
export const ID_CARD_PHOTO_HEIGHT = 126;

/** The crop as an ID card's chip photo would hold it: 102 × 126, cropped to fill. */
export async function idCardPhotoOf(crop: RealFaceCrop): Promise<Buffer> {
  return sharp(await cropPhoto(crop))
    .resize(ID_CARD_PHOTO_WIDTH, ID_CARD_PHOTO_HEIGHT, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A named photo of the table as an ID card chip photo (face-vs-card tests). */
export function realCardPhoto(name: RealFaceName): Promise<Buffer> {
  return idCardPhotoOf(REAL_FACE_CROPS[name]);
}

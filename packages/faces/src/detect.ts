/**
 * One photo through the detector (runs inside a worker): decode with sharp (EXIF
 * orientation applied, alpha dropped), upscale small photos so BlazeFace still finds the
 * face (an ID card chip photo is 102 × 126), detect, and report boxes in the photo's own
 * pixels with the head pose in degrees.
 */
import { PHOTO_MAX_DECODE_PIXELS } from '@kaoqin/protocol/photo';
import sharp from 'sharp';
import type { HumanFace, HumanInstance } from './human-setup.js';
import { humanConfig } from './human-setup.js';
import { DETECT_MAX_LONG_SIDE, DETECT_MIN_SHORT_SIDE } from './limits.js';
import type { DetectedFace, FaceAnalysis } from './types.js';

const DEGREES = 180 / Math.PI;

export async function analysePhoto(
  human: HumanInstance,
  bytes: Uint8Array,
  embedding: boolean,
): Promise<FaceAnalysis> {
  const oriented = sharp(bytes, { failOn: 'error', limitInputPixels: PHOTO_MAX_DECODE_PIXELS }).rotate();
  const meta = await sharp(bytes, { failOn: 'error', limitInputPixels: PHOTO_MAX_DECODE_PIXELS }).metadata();
  const { width, height } = meta.autoOrient ?? meta;
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const scale =
    short < DETECT_MIN_SHORT_SIDE
      ? DETECT_MIN_SHORT_SIDE / short
      : long > DETECT_MAX_LONG_SIDE
        ? DETECT_MAX_LONG_SIDE / long
        : 1;
  const resized =
    scale === 1 ? oriented : oriented.resize(Math.round(width * scale), Math.round(height * scale));
  const { data, info } = await resized
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const tensor = human.tf.tensor3d(
    new Uint8Array(data.buffer, data.byteOffset, data.length),
    [info.height, info.width, 3],
    'int32',
  );
  try {
    const result = await human.detect(tensor, humanConfig(embedding));
    if (result.error) throw new Error(`face detector: ${result.error}`);
    const sx = info.width / width;
    const sy = info.height / height;
    const faces = result.face.map((f): DetectedFace => {
      const [x, y, w, h] = faceRegion(f);
      const angle = f.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
      const face: DetectedFace = {
        box: {
          x: Math.round(x / sx),
          y: Math.round(y / sy),
          width: Math.round(w / sx),
          height: Math.round(h / sy),
        },
        score: f.boxScore ?? f.score,
        yaw: angle.yaw * DEGREES,
        pitch: angle.pitch * DEGREES,
        roll: angle.roll * DEGREES,
      };
      if (embedding && f.embedding && f.embedding.length > 0) face.embedding = Array.from(f.embedding);
      return face;
    });
    return { width, height, faces };
  } finally {
    tensor.dispose();
  }
}

/**
 * The face region (技术要求 1.2(1) "面部区域"): the extent of the face mesh, brow to chin
 * and cheek to cheek. Human's own box is the detector's box enlarged for the mesh model
 * (hair, background, clamped at the photo's edge), which would let a face of 90 px pass
 * as 140; the box is the fallback when the mesh is missing.
 */
function faceRegion(f: HumanFace): [number, number, number, number] {
  const mesh = f.mesh;
  if (!mesh || mesh.length === 0) return f.box;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [px, py] of mesh) {
    minX = Math.min(minX, px);
    minY = Math.min(minY, py);
    maxX = Math.max(maxX, px);
    maxY = Math.max(maxY, py);
  }
  return [minX, minY, maxX - minX, maxY - minY];
}

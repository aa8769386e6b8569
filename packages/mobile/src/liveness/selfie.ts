/**
 * The selfie: a 480 × 480 JPEG cut from a camera frame around the face. The square is
 * 1.5 times the face box's longer side (the face about 2/3 of the photo, well over the
 * standard's 1/3 and, at 480 px, over 128 px), centred on the face, kept inside the
 * frame; scaled to 480.
 */
import type { FaceObservation } from './observe.js';

export const SELFIE_SIDE = 480;
const SELFIE_QUALITY = 0.9;
const FACE_MARGIN = 1.5;

/** The square (frame pixels) the selfie is cut from. */
export function selfieSquare(
  box: FaceObservation['box'],
  frameWidth: number,
  frameHeight: number,
): { x: number; y: number; side: number } {
  const side = Math.min(frameWidth, frameHeight, Math.max(box.width, box.height) * FACE_MARGIN);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x = Math.min(Math.max(cx - side / 2, 0), frameWidth - side);
  const y = Math.min(Math.max(cy - side / 2, 0), frameHeight - side);
  return { x, y, side };
}

/** Draws the face's square of `frame` onto `out` (SELFIE_SIDE square). */
export function drawSelfie(
  frame: HTMLCanvasElement,
  box: FaceObservation['box'],
  out: HTMLCanvasElement,
): void {
  const { x, y, side } = selfieSquare(box, frame.width, frame.height);
  out.width = SELFIE_SIDE;
  out.height = SELFIE_SIDE;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.drawImage(frame, x, y, side, side, 0, 0, SELFIE_SIDE, SELFIE_SIDE);
}

export function selfieJpeg(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('the selfie could not be encoded'))),
      'image/jpeg',
      SELFIE_QUALITY,
    ),
  );
}

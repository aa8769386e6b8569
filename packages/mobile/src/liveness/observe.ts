/**
 * One video frame's faces as the liveness judge sees them, computed from Human's face
 * results by plain arithmetic (no DOM, no tfjs): the same code runs in the browser on
 * the camera and in Node on the test videos, so a threshold measured in one holds in
 * the other.
 */

/** What the judge needs of one face. Angles in degrees; eye openness is unitless. */
export interface FaceObservation {
  /** Head turn: Human's yaw; turning to one's own left makes it smaller (measured). */
  yaw: number;
  pitch: number;
  /** Lid gap over eye-region height (eyeOpenness) of the subject's left eye (image right on an unmirrored frame). */
  leftEye: number;
  /** The same for the subject's right eye. */
  rightEye: number;
  /** The face box in frame pixels. */
  box: { x: number; y: number; width: number; height: number };
}

export interface Observation {
  /** Milliseconds, monotonic (performance.now() in the page). */
  t: number;
  /** Faces found in the frame. */
  faces: number;
  /** The largest face, when there is one. */
  face?: FaceObservation;
}

/** The few fields of a Human face result used here (Human's own types pull in the DOM). */
export interface HumanFaceLike {
  box: readonly [number, number, number, number] | readonly number[];
  mesh?: readonly (readonly number[])[];
  rotation?: { angle: { yaw: number; pitch: number; roll: number } } | null;
}

const DEGREES = 180 / Math.PI;

/**
 * Face-mesh indices (MediaPipe's 468-point topology) of each eye's lids at its middle
 * and of two points above and below the eye, on the brow and the cheek. With Human's
 * iris model on, the lid points are replaced by the iris model's own eyelid points,
 * which follow a closing lid; the plain mesh barely moves them.
 */
const RIGHT_EYE = { upper: 159, lower: 145, above: 223, below: 230 } as const;
const LEFT_EYE = { upper: 386, lower: 374, above: 443, below: 450 } as const;

function point(mesh: readonly (readonly number[])[], i: number): [number, number] | undefined {
  const p = mesh[i];
  if (!p || p.length < 2) return undefined;
  return [p[0] as number, p[1] as number];
}

function distance(a: [number, number], b: [number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/**
 * The lid gap over the height of the eye's region (brow point to cheek point), as
 * Human's own blink gesture measures it. Both are vertical lengths, so a flat photo
 * tilted back shrinks them alike and reads the same: a width in the denominator would
 * let a tilted print fake a closing eye (cos 50° ≈ 0.64). Distances, not y differences,
 * so a rolled head reads the same too. NaN when the mesh lacks the points.
 */
export function eyeOpenness(
  mesh: readonly (readonly number[])[],
  eye: { upper: number; lower: number; above: number; below: number },
): number {
  const upper = point(mesh, eye.upper);
  const lower = point(mesh, eye.lower);
  const above = point(mesh, eye.above);
  const below = point(mesh, eye.below);
  if (!upper || !lower || !above || !below) return Number.NaN;
  const height = distance(above, below);
  return height > 0 ? distance(upper, lower) / height : Number.NaN;
}

export function observeFace(face: HumanFaceLike): FaceObservation {
  const [x = 0, y = 0, width = 0, height = 0] = face.box;
  const angle = face.rotation?.angle ?? { yaw: Number.NaN, pitch: Number.NaN, roll: Number.NaN };
  const mesh = face.mesh ?? [];
  return {
    yaw: angle.yaw * DEGREES,
    pitch: angle.pitch * DEGREES,
    leftEye: eyeOpenness(mesh, LEFT_EYE),
    rightEye: eyeOpenness(mesh, RIGHT_EYE),
    box: { x, y, width, height },
  };
}

/** A frame's observation: the count of faces and the largest one observed. */
export function observeFrame(t: number, faces: readonly HumanFaceLike[]): Observation {
  let largest: HumanFaceLike | undefined;
  let area = -1;
  for (const f of faces) {
    const a = (f.box[2] ?? 0) * (f.box[3] ?? 0);
    if (a > area) {
      area = a;
      largest = f;
    }
  }
  const obs: Observation = { t, faces: faces.length };
  if (largest) obs.face = observeFace(largest);
  return obs;
}

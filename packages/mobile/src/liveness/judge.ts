/**
 * The liveness judge: a pure state machine over per-frame observations (observe.ts), no
 * DOM, no model. Steps: centre (one frontal face held still: the baseline yaw and eye
 * openness) → the random challenges, each judged against that baseline → passed.
 *
 * - blink: the eyes' openness falls below BLINK_CLOSED of the baseline, then comes back
 *   above BLINK_OPEN, the head frontal throughout.
 * - turn_left / turn_right: the yaw moves TURN_DEGREES or more from the baseline to the
 *   asked side, then comes back within BACK_DEGREES of it. A turn to the other side, or a
 *   blink while a turn is asked, is no progress and no failure: the step waits for what
 *   it asked (the looping test video shows every movement in turn, as would a person
 *   who misheard and tries again).
 *
 * Continuity: from the centre step on, the same single face must stay in view. Two faces
 * for MULTI_FACE_FRAMES frames in a row fail at once (someone else in the picture), and
 * during the challenges a face gone for FACE_LOST_MS fails as no_face (a photo swapped in
 * while nobody is seen). Each step has its own time limit.
 *
 * The selfie is the centre step's most frontal frame (eyes open): the only step where
 * the worker is asked to be still and frontal, so that frame is sharp and needs no extra
 * "hold still" after the challenges; a face swapped between the selfie and the challenges
 * is what the continuity rules above are for, and they would be needed as much with a
 * selfie taken after the last challenge.
 */

import type { Challenge, LivenessFailure } from './challenge.js';
import type { FaceObservation, Observation } from './observe.js';

export interface JudgeThresholds {
  /** Centre: |yaw| at most this (degrees). Human reads this man's frontal photos at −10…+3. */
  frontalYaw: number;
  /** Centre: |pitch| at most this (degrees); his frontal photos read −9…+15. */
  frontalPitch: number;
  /** Centre: how long the face must be held (ms) … */
  holdMs: number;
  /** … with the yaw inside a range this wide (degrees). */
  holdYawSpread: number;
  /** Turn: the yaw moves at least this far from the baseline (degrees). */
  turnDegrees: number;
  /** Turn done / blink frames: the yaw within this of the baseline (degrees). */
  backDegrees: number;
  /**
   * Blink: eyes closed when openness is below this fraction of the baseline … A real
   * blink goes far lower; the test video's painted lids read 0.45 (measured with Human).
   */
  blinkClosed: number;
  /** … and open again above this fraction. */
  blinkOpen: number;
  /** Consecutive frames with two or more faces that fail the run. */
  multiFaceFrames: number;
  /** During the challenges, a face gone this long (ms) fails the run. */
  faceLostMs: number;
}

export const DEFAULT_THRESHOLDS: JudgeThresholds = {
  frontalYaw: 12,
  frontalPitch: 20,
  holdMs: 600,
  holdYawSpread: 5,
  turnDegrees: 15,
  backDegrees: 8,
  blinkClosed: 0.65,
  blinkOpen: 0.85,
  multiFaceFrames: 2,
  faceLostMs: 1500,
};

export type JudgeState =
  | { kind: 'center' }
  | { kind: 'challenge'; challenge: Challenge; index: number; of: number }
  | { kind: 'passed' }
  | { kind: 'failed'; reason: LivenessFailure; failedAt?: Challenge };

export interface JudgeStep {
  state: JudgeState;
  /** This frame is the best selfie so far: keep its pixels (the adapter crops it). */
  selfie: boolean;
}

export interface JudgeOptions {
  challenges: readonly Challenge[];
  /** Per step (ms). */
  timeoutMs: number;
  thresholds?: Partial<JudgeThresholds>;
}

/** Both eyes' mean openness; NaN when the mesh gave none. */
export function openness(face: FaceObservation): number {
  return (face.leftEye + face.rightEye) / 2;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Baseline {
  yaw: number;
  eyes: number;
}

type Phase = 'start' | 'away' | 'closed';

export class LivenessJudge {
  readonly #t: JudgeThresholds;
  readonly #challenges: readonly Challenge[];
  readonly #timeoutMs: number;
  #state: JudgeState = { kind: 'center' };
  /** When the current step began (the first frame seen in it). */
  #stepStart: number | undefined;
  /** Centre: the frames of the current still, frontal run. */
  #hold: { t: number; face: FaceObservation }[] = [];
  /** Centre: what the step saw, to name a timeout. */
  #seen = { frames: 0, faceless: 0, faced: 0, frontal: 0 };
  #baseline: Baseline | undefined;
  #bestSelfie = Number.POSITIVE_INFINITY;
  #widestEyes = 0;
  #phase: Phase = 'start';
  #multi = 0;
  #lastFaceT: number | undefined;

  constructor(opts: JudgeOptions) {
    this.#t = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
    this.#challenges = opts.challenges;
    this.#timeoutMs = opts.timeoutMs;
  }

  get state(): JudgeState {
    return this.#state;
  }

  /** The centre step's baseline, once it is set. */
  get baseline(): Readonly<Baseline> | undefined {
    return this.#baseline;
  }

  /** The judge's answer to one more frame. Frames after the end change nothing. */
  push(obs: Observation): JudgeStep {
    const s = this.#state;
    if (s.kind === 'passed' || s.kind === 'failed') return { state: s, selfie: false };
    if (this.#stepStart === undefined) this.#stepStart = obs.t;
    const stepStart = this.#stepStart;

    this.#multi = obs.faces >= 2 ? this.#multi + 1 : 0;
    if (this.#multi >= this.#t.multiFaceFrames) return this.#fail('multiple_faces');
    if (obs.faces === 1 && obs.face) this.#lastFaceT = obs.t;

    const step = s.kind === 'center' ? this.#center(obs) : this.#challenge(obs, s.challenge);
    if (this.#state !== s) return step; // on to the next step, or passed
    if (s.kind === 'challenge' && obs.t - (this.#lastFaceT ?? stepStart) >= this.#t.faceLostMs)
      return this.#fail('no_face');
    if (obs.t - stepStart >= this.#timeoutMs) return this.#fail(this.#timeoutReason());
    return step;
  }

  #fail(reason: LivenessFailure): JudgeStep {
    const s = this.#state;
    this.#state =
      s.kind === 'challenge' ? { kind: 'failed', reason, failedAt: s.challenge } : { kind: 'failed', reason };
    return { state: this.#state, selfie: false };
  }

  #timeoutReason(): LivenessFailure {
    if (this.#state.kind !== 'center') return 'timeout';
    const seen = this.#seen;
    if (seen.faceless * 2 > seen.frames) return 'no_face';
    if (seen.faced > 0 && seen.frontal * 2 < seen.faced) return 'not_frontal';
    return 'timeout';
  }

  #next(): void {
    const s = this.#state;
    const index = s.kind === 'challenge' ? s.index + 1 : 0;
    const challenge = this.#challenges[index];
    this.#state =
      challenge === undefined
        ? { kind: 'passed' }
        : { kind: 'challenge', challenge, index, of: this.#challenges.length };
    this.#stepStart = undefined;
    this.#phase = 'start';
  }

  #isFrontal(face: FaceObservation): boolean {
    return (
      Number.isFinite(face.yaw) &&
      Math.abs(face.yaw) <= this.#t.frontalYaw &&
      Math.abs(face.pitch) <= this.#t.frontalPitch &&
      Number.isFinite(openness(face))
    );
  }

  #center(obs: Observation): JudgeStep {
    const seen = this.#seen;
    seen.frames++;
    const face = obs.faces === 1 ? obs.face : undefined;
    if (obs.faces === 0) seen.faceless++;
    if (!face || !this.#isFrontal(face)) {
      if (face) seen.faced++;
      this.#hold = [];
      return { state: this.#state, selfie: false };
    }
    seen.faced++;
    seen.frontal++;
    // Keep the run still: drop its oldest frames until the yaw fits the spread again.
    this.#hold.push({ t: obs.t, face });
    const spread = () => {
      const yaws = this.#hold.map((h) => h.face.yaw);
      return Math.max(...yaws) - Math.min(...yaws);
    };
    while (this.#hold.length > 1 && spread() > this.#t.holdYawSpread) this.#hold.shift();

    // The selfie: the most frontal frame of the step (smallest |yaw| + |pitch|).
    // Among frames whose eyes are open (not below blinkOpen of the widest seen in the
    // step: a blink at the wrong moment does not make the selfie).
    const eyes = openness(face);
    this.#widestEyes = Math.max(this.#widestEyes, eyes);
    const score = Math.abs(face.yaw) + Math.abs(face.pitch);
    const selfie = score < this.#bestSelfie && eyes >= this.#t.blinkOpen * this.#widestEyes;
    if (selfie) this.#bestSelfie = score;

    const first = this.#hold[0];
    if (first && obs.t - first.t >= this.#t.holdMs) {
      this.#baseline = {
        yaw: median(this.#hold.map((h) => h.face.yaw)),
        eyes: median(this.#hold.map((h) => openness(h.face))),
      };
      this.#next();
    }
    return { state: this.#state, selfie };
  }

  #challenge(obs: Observation, challenge: Challenge): JudgeStep {
    const base = this.#baseline;
    const face = obs.faces === 1 ? obs.face : undefined;
    if (!base || !face || !Number.isFinite(face.yaw)) return { state: this.#state, selfie: false };
    const dYaw = face.yaw - base.yaw;
    if (challenge === 'blink') {
      // Judged on a frontal head only: a turned head narrows the eyes' outline by itself.
      if (Math.abs(dYaw) > this.#t.backDegrees) return { state: this.#state, selfie: false };
      const ratio = openness(face) / base.eyes;
      if (!Number.isFinite(ratio)) return { state: this.#state, selfie: false };
      if (this.#phase === 'start' && ratio < this.#t.blinkClosed) this.#phase = 'closed';
      else if (this.#phase === 'closed' && ratio > this.#t.blinkOpen) this.#next();
      return { state: this.#state, selfie: false };
    }
    // Turning to one's own left makes Human's yaw smaller (measured on real photos).
    const toward = challenge === 'turn_left' ? -dYaw : dYaw;
    if (this.#phase === 'start' && toward >= this.#t.turnDegrees) this.#phase = 'away';
    else if (this.#phase === 'away' && Math.abs(dYaw) <= this.#t.backDegrees) this.#next();
    return { state: this.#state, selfie: false };
  }
}

const ALL: readonly Challenge[] = ['blink', 'turn_left', 'turn_right'];

/**
 * n distinct challenges in random order. `random(k)` answers a whole number in [0, k);
 * the page's draws from crypto.getRandomValues (cryptoRandom), tests inject their own.
 */
export function pickChallenges(n: number, random: (k: number) => number = cryptoRandom): Challenge[] {
  const pool = [...ALL];
  const count = Math.max(1, Math.min(pool.length, Math.floor(n)));
  // Fisher–Yates, only as far as needed.
  for (let i = 0; i < count; i++) {
    const j = i + random(pool.length - i);
    [pool[i], pool[j]] = [pool[j] as Challenge, pool[i] as Challenge];
  }
  return pool.slice(0, count);
}

/** A uniform whole number in [0, k) from crypto.getRandomValues (rejection sampling, no bias). */
export function cryptoRandom(k: number): number {
  const buf = new Uint32Array(1);
  const limit = 2 ** 32 - (2 ** 32 % k);
  for (;;) {
    crypto.getRandomValues(buf);
    const v = buf[0] as number;
    if (v < limit) return v % k;
  }
}

/**
 * The liveness judge on synthetic observation streams: 10 frames a second, a face whose
 * yaw and eye openness follow a script. The numbers are of the order Human gives for
 * the facematch man (yaw ±1.5° when frontal, eyes ≈ 0.4 open).
 */
import { describe, expect, it } from 'vitest';
import type { Challenge } from '../src/liveness/challenge.js';
import { type JudgeState, LivenessJudge, openness, pickChallenges } from '../src/liveness/judge.js';
import {
  type FaceObservation,
  type Observation,
  observeFace,
  observeFrame,
} from '../src/liveness/observe.js';

const FRAME_MS = 100;
const OPEN = 0.4;

interface Pose {
  yaw?: number;
  pitch?: number;
  eyes?: number;
  faces?: number;
}

function face(p: Pose): FaceObservation {
  return {
    yaw: p.yaw ?? 1.5,
    pitch: p.pitch ?? -6,
    leftEye: p.eyes ?? OPEN,
    rightEye: p.eyes ?? OPEN,
    box: { x: 160, y: 80, width: 320, height: 320 },
  };
}

/** A script: [pose, how many frames]. */
type Script = readonly (readonly [Pose, number])[];

function* stream(script: Script, t0 = 0): Generator<Observation> {
  let t = t0;
  for (const [pose, n] of script) {
    for (let i = 0; i < n; i++, t += FRAME_MS) {
      const faces = pose.faces ?? 1;
      const obs: Observation = { t, faces };
      if (faces > 0) obs.face = face(pose);
      yield obs;
    }
  }
}

/** Runs frames until the judge ends (or the frames do); answers the end state and the states seen. */
function run(judge: LivenessJudge, frames: Iterable<Observation>): { end: JudgeState; seen: string[] } {
  const seen: string[] = [];
  for (const obs of frames) {
    const { state } = judge.push(obs);
    const name = state.kind === 'challenge' ? state.challenge : state.kind;
    if (seen.at(-1) !== name) seen.push(name);
    if (state.kind === 'passed' || state.kind === 'failed') break;
  }
  return { end: judge.state, seen };
}

const FRONT: Pose = {};
const BLINK: Script = [
  [{ eyes: 0.1 }, 2],
  [FRONT, 3],
];
const LEFT: Script = [
  [{ yaw: -8 }, 1],
  [{ yaw: -20 }, 3],
  [{ yaw: -8 }, 1],
  [FRONT, 3],
];
const RIGHT: Script = [
  [{ yaw: 10 }, 1],
  [{ yaw: 21 }, 3],
  [{ yaw: 10 }, 1],
  [FRONT, 3],
];
const MOVES: Record<Challenge, Script> = { blink: BLINK, turn_left: LEFT, turn_right: RIGHT };
const CENTER: Script = [[FRONT, 8]];

function judgeOf(challenges: Challenge[], timeoutMs = 10_000): LivenessJudge {
  return new LivenessJudge({ challenges, timeoutMs });
}

describe('liveness judge', () => {
  const orders: Challenge[][] = [
    ['blink', 'turn_left'],
    ['turn_left', 'turn_right'],
    ['turn_right', 'blink'],
    ['blink', 'turn_left', 'turn_right'],
    ['turn_right', 'turn_left', 'blink'],
  ];
  it.each(orders)('passes a live face doing what it is asked: %s, %s', (...order) => {
    const judge = judgeOf(order);
    const script: Script = [...CENTER, ...order.flatMap((c) => MOVES[c])];
    const { end, seen } = run(judge, stream(script));
    expect(end).toEqual({ kind: 'passed' });
    expect(seen).toEqual(['center', ...order, 'passed']);
    expect(judge.baseline?.yaw).toBeCloseTo(1.5);
    expect(judge.baseline?.eyes).toBeCloseTo(OPEN);
  });

  it('passes a face that shows every move in a loop, whatever is asked (the test video)', () => {
    const loop: Script = [[FRONT, 10], ...BLINK, [FRONT, 5], ...LEFT, [FRONT, 5], ...RIGHT];
    for (const order of orders) {
      const { end } = run(judgeOf(order), stream([...loop, ...loop, ...loop, ...loop]));
      expect(end).toEqual({ kind: 'passed' });
    }
  });

  it('fails a still photo: the centre passes, the first challenge times out', () => {
    const judge = judgeOf(['blink', 'turn_left'], 10_000);
    const { end, seen } = run(judge, stream([[FRONT, 300]]));
    expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: 'blink' });
    expect(seen).toEqual(['center', 'blink', 'failed']);
  });

  it('fails a still photo with a little noise (a hand-held print)', () => {
    const noisy: [Pose, number][] = [];
    for (let i = 0; i < 300; i++)
      noisy.push([{ yaw: 1.5 + Math.sin(i) * 2, eyes: OPEN * (1 + Math.cos(i) * 0.1) }, 1]);
    for (const c of ['blink', 'turn_left', 'turn_right'] as const) {
      const { end } = run(judgeOf([c]), stream(noisy));
      expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: c });
    }
  });

  it('does not count a turn to the wrong side: it times out', () => {
    const wrong: Script = [...RIGHT, ...RIGHT, ...RIGHT, ...RIGHT, ...RIGHT, ...RIGHT, ...RIGHT, ...RIGHT];
    const { end } = run(judgeOf(['turn_left']), stream([...CENTER, ...wrong, ...wrong]));
    expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: 'turn_left' });
  });

  it('does not count a turn short of 15° from the baseline', () => {
    // Baseline +1.5°: −12° is 13.5° away.
    const short: Script = [
      [{ yaw: -12 }, 5],
      [FRONT, 5],
    ];
    const frames = [...CENTER, ...Array.from({ length: 12 }, () => short).flat()];
    const { end } = run(judgeOf(['turn_left']), stream(frames));
    expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: 'turn_left' });
  });

  it('measures the turn from the baseline, not from zero', () => {
    // A frontal face read at yaw −10: −20 is only 10° away, −26 is 16°.
    const base: Pose = { yaw: -10 };
    const frames: Script = [
      [base, 8],
      [{ yaw: -20 }, 5],
      [base, 5],
      [{ yaw: -26 }, 3],
      [base, 3],
    ];
    const judge = judgeOf(['turn_left']);
    const seenAt: number[] = [];
    for (const obs of stream(frames)) if (judge.push(obs).state.kind === 'passed') seenAt.push(obs.t);
    expect(judge.state).toEqual({ kind: 'passed' });
    expect(seenAt[0]).toBe((8 + 5 + 5 + 3) * FRAME_MS);
  });

  it('needs the face back to frontal to finish a turn', () => {
    const { end } = run(judgeOf(['turn_right']), stream([...CENTER, [{ yaw: 22 }, 200]]));
    expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: 'turn_right' });
  });

  it('needs the eyes to open again to finish a blink', () => {
    const { end } = run(judgeOf(['blink']), stream([...CENTER, [{ eyes: 0.1 }, 200]]));
    expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: 'blink' });
  });

  it('ignores closed eyes on a turned head', () => {
    const turnedShut: Script = [
      [{ yaw: 20, eyes: 0.15 }, 3],
      [FRONT, 3],
    ];
    const frames = [...CENTER, ...Array.from({ length: 20 }, () => turnedShut).flat()];
    const { end } = run(judgeOf(['blink']), stream(frames));
    expect(end).toEqual({ kind: 'failed', reason: 'timeout', failedAt: 'blink' });
  });

  it('fails two faces at once, at the centre or during a challenge', () => {
    expect(run(judgeOf(['blink']), stream([[{ faces: 2 }, 5]])).end).toEqual({
      kind: 'failed',
      reason: 'multiple_faces',
    });
    const during: Script = [...CENTER, [FRONT, 3], [{ faces: 2 }, 2]];
    expect(run(judgeOf(['turn_left']), stream(during)).end).toEqual({
      kind: 'failed',
      reason: 'multiple_faces',
      failedAt: 'turn_left',
    });
  });

  it('lets one stray frame of two faces pass', () => {
    const frames: Script = [[FRONT, 3], [{ faces: 2 }, 1], ...CENTER, ...LEFT];
    expect(run(judgeOf(['turn_left']), stream(frames)).end).toEqual({ kind: 'passed' });
  });

  it('fails a face that leaves during the challenges (a swap), as no_face', () => {
    const frames: Script = [...CENTER, [FRONT, 2], [{ faces: 0 }, 20], ...LEFT];
    expect(run(judgeOf(['turn_left']), stream(frames)).end).toEqual({
      kind: 'failed',
      reason: 'no_face',
      failedAt: 'turn_left',
    });
  });

  it('names a centre step that times out by what it saw', () => {
    expect(run(judgeOf(['blink']), stream([[{ faces: 0 }, 200]])).end).toEqual({
      kind: 'failed',
      reason: 'no_face',
    });
    expect(run(judgeOf(['blink']), stream([[{ yaw: 30 }, 200]])).end).toEqual({
      kind: 'failed',
      reason: 'not_frontal',
    });
    // Frontal but never still for 600 ms: the yaw swings by 8° every frame.
    const restless: [Pose, number][] = [];
    for (let i = 0; i < 200; i++) restless.push([{ yaw: i % 2 ? 4 : -4 }, 1]);
    expect(run(judgeOf(['blink']), stream(restless)).end).toEqual({ kind: 'failed', reason: 'timeout' });
  });

  it('marks the most frontal centre frame as the selfie, and no frame after', () => {
    const judge = judgeOf(['turn_left']);
    const yaws = [6, 4, 2, 0.5, 1, 3, 1, 1, 1, 1, 1];
    const marked: number[] = [];
    let t = 0;
    for (const yaw of yaws) {
      const obs: Observation = { t, faces: 1, face: { ...face({ yaw }), pitch: 0 } };
      if (judge.push(obs).selfie) marked.push(yaw);
      t += FRAME_MS;
    }
    for (const obs of stream(LEFT, t)) expect(judge.push(obs).selfie).toBe(false);
    expect(marked).toEqual([6, 4, 2, 0.5]);
    expect(judge.state).toEqual({ kind: 'passed' });
  });

  it('does not take a selfie with the eyes shut', () => {
    const judge = judgeOf(['turn_left']);
    const frames: [number, number][] = [
      [4, OPEN],
      [0, 0.1],
      [2, OPEN],
      [1, OPEN],
    ];
    const marked: number[] = [];
    frames.forEach(([yaw, eyes], i) => {
      const obs: Observation = { t: i * FRAME_MS, faces: 1, face: { ...face({ yaw, eyes }), pitch: 0 } };
      if (judge.push(obs).selfie) marked.push(yaw);
    });
    expect(marked).toEqual([4, 2, 1]);
  });
});

describe('observations', () => {
  /** A face mesh with only the eye points set: lids `gap` apart, brow-to-cheek 40 px. */
  function mesh(gap: number, squash = 1): number[][] {
    const m: number[][] = Array.from({ length: 478 }, () => [0, 0, 0]);
    const set = (i: number, x: number, y: number) => {
      m[i] = [x, y * squash, 0];
    };
    for (const [x, upper, lower, above, below] of [
      [100, 159, 145, 223, 230],
      [200, 386, 374, 443, 450],
    ] as const) {
      set(upper, x, 100 - gap / 2);
      set(lower, x, 100 + gap / 2);
      set(above, x, 80);
      set(below, x, 120);
    }
    return m;
  }
  const box = [0, 0, 300, 300] as const;

  it('reads eye openness as lid gap over the eye region, the same on a photo tilted back', () => {
    const upright = observeFace({ box, mesh: mesh(12) });
    expect(upright.leftEye).toBeCloseTo(0.3);
    expect(upright.rightEye).toBeCloseTo(0.3);
    // A flat photo tilted 50° back: every vertical length × cos 50°.
    const tilted = observeFace({ box, mesh: mesh(12, Math.cos((50 * Math.PI) / 180)) });
    expect(tilted.leftEye).toBeCloseTo(0.3);
    expect(observeFace({ box, mesh: mesh(3) }).leftEye).toBeCloseTo(0.075);
  });

  it('reads Human’s angles in degrees and NaN without a mesh', () => {
    const f = observeFace({ box, rotation: { angle: { yaw: -Math.PI / 12, pitch: 0.1, roll: 0 } } });
    expect(f.yaw).toBeCloseTo(-15);
    expect(f.leftEye).toBeNaN();
    expect(openness(f)).toBeNaN();
  });

  it('counts every face and observes the largest', () => {
    const small = { box: [0, 0, 50, 50], mesh: mesh(4) };
    const large = { box: [100, 100, 200, 200], mesh: mesh(12) };
    const obs = observeFrame(7, [small, large]);
    expect(obs.faces).toBe(2);
    expect(obs.t).toBe(7);
    expect(obs.face?.box).toEqual({ x: 100, y: 100, width: 200, height: 200 });
    expect(observeFrame(8, [])).toEqual({ t: 8, faces: 0 });
  });
});

describe('pickChallenges', () => {
  it('answers n distinct challenges, in the order the random draws give', () => {
    expect(pickChallenges(2, () => 0)).toEqual(['blink', 'turn_left']);
    // Last of [blink, turn_left, turn_right], then last of what is left ([turn_left, blink]).
    expect(pickChallenges(2, (k) => k - 1)).toEqual(['turn_right', 'blink']);
    expect(pickChallenges(3, (k) => k - 1)).toEqual(['turn_right', 'blink', 'turn_left']);
    expect(pickChallenges(9, () => 0)).toHaveLength(3);
    expect(pickChallenges(0, () => 0)).toHaveLength(1);
  });

  it('draws every ordered pair from crypto.getRandomValues', () => {
    const pairs = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const p = pickChallenges(2);
      expect(new Set(p).size).toBe(2);
      pairs.add(p.join(','));
    }
    expect(pairs.size).toBe(6);
  });
});

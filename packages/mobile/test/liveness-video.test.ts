/**
 * The test videos (testkit livenessVideo / stillVideo) through Human in Node, with the
 * page's own models, settings (human-config.ts), observation maths (observe.ts) and
 * judge: the liveness video passes every challenge in every order, the still video
 * fails. Frames are read back from the Y4M files, so Human sees what Chromium's fake
 * camera gives the page (I420, chroma halved).
 *
 * The page samples the camera as fast as Human runs (10–19 frames a second measured in
 * headless Chromium); here the video is sampled every 100 ms of its own time. The loop's
 * frames are few distinct pictures, so each distinct frame is detected once and its
 * observation reused (Human is deterministic on equal input).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LIVENESS_LOOP, livenessVideo, stillVideo, tempDir } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Challenge } from '../src/liveness/challenge.js';
import { DEFAULT_THRESHOLDS, LivenessJudge, openness } from '../src/liveness/judge.js';
import { type Observation, observeFrame } from '../src/liveness/observe.js';
import { detectRgb } from './support/node-human.js';
import { readY4m, type Y4mVideo } from './support/y4m-read.js';

const SAMPLE_MS = 100;
const TIMEOUT_MS = 10_000;

let dir: { dir: string; remove(): Promise<void> };
let live: Y4mVideo;
let still: Y4mVideo;
const seen = new Map<string, Omit<Observation, 't'>>();

async function observe(rgb: Uint8Array, width: number, height: number): Promise<Omit<Observation, 't'>> {
  const key = createHash('sha256').update(rgb).digest('hex');
  let obs = seen.get(key);
  if (!obs) {
    const { t: _t, ...rest } = observeFrame(0, await detectRgb(rgb, width, height));
    obs = rest;
    seen.set(key, obs);
  }
  return obs;
}

/** The frame of a looping video the camera shows at time t (ms). */
function frameAt(video: Y4mVideo, t: number): Uint8Array {
  const i = Math.floor((t * video.fps) / 1000) % video.frames.length;
  return video.frames[i] as Uint8Array;
}

/** The judge fed one observation every SAMPLE_MS, starting at `start` ms into the video. */
async function judgeVideo(video: Y4mVideo, challenges: Challenge[], start = 0) {
  const judge = new LivenessJudge({ challenges, timeoutMs: TIMEOUT_MS });
  for (let t = 0; t < 60_000; t += SAMPLE_MS) {
    const obs = await observe(frameAt(video, start + t), video.width, video.height);
    const { state } = judge.push({ ...obs, t });
    if (state.kind === 'passed' || state.kind === 'failed') return { state, ms: t };
  }
  throw new Error('the judge never ended');
}

beforeAll(async () => {
  dir = await tempDir('liveness-video-');
  await livenessVideo(join(dir.dir, 'live.y4m'));
  await stillVideo(join(dir.dir, 'still.y4m'));
  live = await readY4m(join(dir.dir, 'live.y4m'));
  still = await readY4m(join(dir.dir, 'still.y4m'));
}, 60_000);

afterAll(() => dir?.remove());

describe('the liveness test videos through Human in Node', () => {
  it('are 640 × 480 at 15 fps, the loop under 8 s', () => {
    expect([live.width, live.height, live.fps]).toEqual([640, 480, 15]);
    const loopFrames = LIVENESS_LOOP.reduce((n, [, k]) => n + k, 0);
    expect(live.frames).toHaveLength(loopFrames);
    expect((loopFrames / live.fps) * 1000).toBeLessThanOrEqual(8000);
    expect(still.frames.length).toBeGreaterThan(0);
  });

  it('show each pose as the judge needs it (measured)', async () => {
    const byPose = new Map<string, Omit<Observation, 't'>>();
    let at = 0;
    for (const [pose, n] of LIVENESS_LOOP) {
      if (!byPose.has(pose)) byPose.set(pose, await observe(live.frames[at] as Uint8Array, 640, 480));
      at += n;
    }
    const face = (pose: string) => {
      const obs = byPose.get(pose);
      expect(obs?.faces, pose).toBe(1);
      return obs?.face as NonNullable<Observation['face']>;
    };
    const frontal = face('frontal');
    const closed = face('closed');
    const left = face('left');
    const right = face('right');
    const ratio = openness(closed) / openness(frontal);
    console.info(
      `[liveness video] frontal yaw ${frontal.yaw.toFixed(1)}° pitch ${frontal.pitch.toFixed(1)}° eyes ${openness(frontal).toFixed(3)}; ` +
        `closed eyes ${openness(closed).toFixed(3)} (${ratio.toFixed(2)} of open; L ${(closed.leftEye / frontal.leftEye).toFixed(2)} R ${(closed.rightEye / frontal.rightEye).toFixed(2)}), yaw ${closed.yaw.toFixed(1)}°; ` +
        `left yaw ${left.yaw.toFixed(1)}° (${(left.yaw - frontal.yaw).toFixed(1)}), right yaw ${right.yaw.toFixed(1)}° (+${(right.yaw - frontal.yaw).toFixed(1)})`,
    );
    const t = DEFAULT_THRESHOLDS;
    expect(Math.abs(frontal.yaw)).toBeLessThanOrEqual(t.frontalYaw);
    expect(Math.abs(frontal.pitch)).toBeLessThanOrEqual(t.frontalPitch);
    expect(ratio).toBeLessThan(t.blinkClosed);
    expect(Math.abs(closed.yaw - frontal.yaw)).toBeLessThanOrEqual(t.backDegrees);
    expect(left.yaw - frontal.yaw).toBeLessThanOrEqual(-t.turnDegrees);
    expect(right.yaw - frontal.yaw).toBeGreaterThanOrEqual(t.turnDegrees);
  }, 60_000);

  const orders: Challenge[][] = [
    ['blink', 'turn_left'],
    ['blink', 'turn_right'],
    ['turn_left', 'blink'],
    ['turn_left', 'turn_right'],
    ['turn_right', 'blink'],
    ['turn_right', 'turn_left'],
    ['blink', 'turn_left', 'turn_right'],
    ['turn_right', 'turn_left', 'blink'],
  ];

  it('the liveness video passes every challenge in every order, from any point of its loop', async () => {
    const times: number[] = [];
    for (const order of orders) {
      // Started at the loop's beginning and at a few points inside it (the camera opens anywhere).
      for (const start of [0, 1700, 3300, 5100]) {
        const { state, ms } = await judgeVideo(live, order, start);
        expect(state, `${order.join(',')} from ${start} ms`).toEqual({ kind: 'passed' });
        times.push(ms);
      }
    }
    times.sort((a, b) => a - b);
    console.info(
      `[liveness video] time to pass (${times.length} runs): min ${times[0]} ms, median ${times[times.length >> 1]} ms, max ${times.at(-1)} ms`,
    );
  }, 120_000);

  it('the still video fails: the centre passes, the first challenge times out', async () => {
    for (const order of orders.slice(0, 6)) {
      const { state, ms } = await judgeVideo(still, order);
      expect(state).toEqual({ kind: 'failed', reason: 'timeout', failedAt: order[0] });
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    }
  }, 60_000);
});

/**
 * runLiveness: the camera's frames through Human (human-engine.ts) into observations
 * (observe.ts) and the judge (judge.ts), the judge's steps shown as prompts, and the
 * selfie cut from the very frame the judge chose (each frame is copied to a canvas
 * first, detected there and cut from there, so box and pixels always agree).
 */
import type { Challenge } from './challenge.js';
import { faceEngine } from './human-engine.js';
import { type JudgeState, LivenessJudge, pickChallenges } from './judge.js';
import { observeFrame } from './observe.js';
import { drawSelfie, selfieJpeg } from './selfie.js';
import type { LivenessOptions, LivenessPrompt, LivenessResult } from './types.js';

const DEFAULT_CHALLENGES = 2;
const DEFAULT_TIMEOUT_MS = 10_000;

/** Loads the face model ahead of time (the home screen can call it while idle). */
export async function preloadLiveness(opts: Pick<LivenessOptions, 'modelBase' | 'wasmBase'>): Promise<void> {
  await faceEngine(opts.modelBase, opts.wasmBase);
}

function promptOf(state: JudgeState): LivenessPrompt | undefined {
  switch (state.kind) {
    case 'center':
      return { kind: 'center' };
    case 'challenge':
      return { kind: 'challenge', challenge: state.challenge, index: state.index, of: state.of };
    case 'passed':
      return { kind: 'done' };
    default:
      return undefined;
  }
}

function samePrompt(a: LivenessPrompt | undefined, b: LivenessPrompt | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Resolves once the video has a frame with its size known. */
function videoReady(video: HTMLVideoElement, signal?: AbortSignal): Promise<void> {
  if (video.readyState >= 2 && video.videoWidth > 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      video.removeEventListener('loadeddata', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    video.addEventListener('loadeddata', done);
    signal?.addEventListener('abort', done);
  });
}

/** The promise's value, or undefined as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', stop);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(e);
      },
    );
  });
}

/** The next animation frame, or a short timer where frames are throttled (a hidden tab). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function runLiveness(opts: LivenessOptions): Promise<LivenessResult> {
  const { video, signal } = opts;
  const challenges: Challenge[] = pickChallenges(opts.challenges ?? DEFAULT_CHALLENGES);
  const failed = (reason: 'aborted' | 'model_failed'): LivenessResult => ({
    passed: false,
    reason,
    challenges,
  });

  opts.onPrompt({ kind: 'loading' });
  let engine: Awaited<ReturnType<typeof faceEngine>> | undefined;
  try {
    // The load goes on after an abort (the next run uses it); this run stops waiting.
    engine = await untilAborted(faceEngine(opts.modelBase, opts.wasmBase), signal);
  } catch {
    return failed(signal?.aborted ? 'aborted' : 'model_failed');
  }
  if (!engine) return failed('aborted');
  await videoReady(video, signal);
  if (signal?.aborted) return failed('aborted');

  const judge = new LivenessJudge({ challenges, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  const frame = document.createElement('canvas');
  const frameCtx = frame.getContext('2d', { willReadFrequently: true });
  const selfie = document.createElement('canvas');
  if (!frameCtx) return failed('model_failed');
  let shown: LivenessPrompt | undefined;
  const show = (p: LivenessPrompt | undefined) => {
    if (p && !samePrompt(p, shown)) {
      shown = p;
      opts.onPrompt(p);
    }
  };
  show({ kind: 'center' });
  let hasSelfie = false;

  for (;;) {
    if (signal?.aborted) return failed('aborted');
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (frame.width !== w || frame.height !== h) {
      frame.width = w;
      frame.height = h;
    }
    frameCtx.drawImage(video, 0, 0, w, h);
    const t = performance.now();
    let faces: Awaited<ReturnType<typeof engine.detect>>;
    try {
      faces = await engine.detect(frame);
    } catch {
      return failed('model_failed');
    }
    if (signal?.aborted) return failed('aborted');
    const obs = observeFrame(t, faces);
    const step = judge.push(obs);
    if (step.selfie && obs.face) {
      drawSelfie(frame, obs.face.box, selfie);
      hasSelfie = true;
    }
    const state = step.state;
    if (state.kind === 'failed') {
      const result: LivenessResult = { passed: false, reason: state.reason, challenges };
      if (state.failedAt) result.failedAt = state.failedAt;
      return result;
    }
    if (state.kind === 'passed') {
      // The judge marks a selfie frame before it can leave the centre step.
      if (!hasSelfie) return failed('model_failed');
      const blob = await selfieJpeg(selfie);
      show({ kind: 'done' });
      return { passed: true, selfie: blob, challenges };
    }
    show(promptOf(state));
    await nextFrame();
  }
}

/**
 * The liveness challenge's public types (issue 14 contracts §5). The DOM-free ones are
 * in challenge.ts, so the judge and its Node tests compile without the DOM's types.
 */
import type { Challenge, LivenessFailure } from './challenge.js';

export type { Challenge, LivenessFailure };

export type LivenessPrompt =
  | { kind: 'loading' }
  | { kind: 'center' } // look straight at the camera
  | { kind: 'challenge'; challenge: Challenge; index: number; of: number }
  | { kind: 'done' };

export interface LivenessOptions {
  /** Already playing the camera stream. */
  video: HTMLVideoElement;
  /** Where Human's model files are served, e.g. '/m/models/human-3.3.6/'. */
  modelBase: string;
  /** Where the tfjs WASM binaries are served, e.g. '/m/wasm/'. */
  wasmBase: string;
  onPrompt(p: LivenessPrompt): void;
  signal?: AbortSignal;
  /** Default 2, distinct, chosen with crypto.getRandomValues. */
  challenges?: number;
  /** Per step, default 10000. */
  timeoutMs?: number;
}

export type LivenessResult =
  /** selfie: a 480 × 480 JPEG of a frontal frame. */
  | { passed: true; selfie: Blob; challenges: Challenge[] }
  | { passed: false; reason: LivenessFailure; challenges: Challenge[]; failedAt?: Challenge };

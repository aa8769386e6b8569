/**
 * The phone page's active liveness challenge (issue 14 contracts §5): centre, then
 * random challenges (blink, turn left, turn right) judged on Human's face mesh in the
 * browser, and a frontal selfie. The judge (judge.ts) is pure and tested in Node on
 * observation streams and on the test videos (packages/mobile/test/liveness-*.test.ts).
 */
export { preloadLiveness, runLiveness } from './run.js';
export type {
  Challenge,
  LivenessFailure,
  LivenessOptions,
  LivenessPrompt,
  LivenessResult,
} from './types.js';

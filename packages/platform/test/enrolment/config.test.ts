/** The face engine's settings: defaults, their KAOQIN_* and --flag spellings, and what is refused. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/index.js';

describe('face engine config', () => {
  it('defaults to the detector on, one worker, policy flag and the library threshold', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      faceDetector: 'human',
      faceWorkers: 1,
      faceQueueMax: 256,
      faceIdleMs: 600_000,
      faceMatchPolicy: 'flag',
    });
    expect(c.faceMatchThreshold).toBeUndefined();
  });

  it('reads the environment and flags, the flag winning', () => {
    const c = loadConfig(
      { 'face-workers': '2', 'face-match-policy': 'refuse' },
      {
        KAOQIN_FACE_DETECTOR: 'off',
        KAOQIN_FACE_WORKERS: '4',
        KAOQIN_FACE_QUEUE_MAX: '10',
        KAOQIN_FACE_IDLE_MS: '0',
        KAOQIN_FACE_MATCH_THRESHOLD: '0.62',
      },
    );
    expect(c).toMatchObject({
      faceDetector: 'off',
      faceWorkers: 2,
      faceQueueMax: 10,
      faceIdleMs: 0,
      faceMatchThreshold: 0.62,
      faceMatchPolicy: 'refuse',
    });
  });

  it('refuses an unknown detector or policy, and a threshold outside 0–1', () => {
    expect(() => loadConfig({}, { KAOQIN_FACE_DETECTOR: 'opencv' })).toThrow(/KAOQIN_FACE_DETECTOR/);
    expect(() => loadConfig({ 'face-match-policy': 'ignore' }, {})).toThrow(/--face-match-policy/);
    expect(() => loadConfig({ 'face-match-threshold': '1.5' }, {})).toThrow(/--face-match-threshold/);
    expect(() => loadConfig({ 'face-workers': '0' }, {})).toThrow(/--face-workers/);
    expect(() => loadConfig({ 'face-idle-ms': '-1' }, {})).toThrow(/--face-idle-ms/);
    expect(loadConfig({ 'face-idle-ms': '30000' }, { KAOQIN_FACE_IDLE_MS: '0' }).faceIdleMs).toBe(30_000);
  });
});

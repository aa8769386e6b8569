/**
 * The capture scenario with the face detector on and real face photos (testkit's crops
 * of the face library's MIT-licensed samples): a faceless picture is refused by the face
 * rules, an expired card by the card rules, and the real faces reach every attendance
 * device of the site.
 */
import { realFace } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../src/capture.js';
import { type Harness, startHarness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ 'face-detector': 'human' });
});
afterAll(() => h.close());

describe('kaoqin-sim capture, real faces', () => {
  it('refuses the faceless and the expired, and every real face reaches every device', async () => {
    const s = await capture({
      endpoints: h.endpoints,
      credentials: h.tp.creds,
      platform: h.platform.data,
      devices: 2,
      snPrefix: 'SIMT-CAPF-',
      progress: { mode: 'quiet' },
      client: { backoff: { baseMs: 20, maxMs: 200 } },
      persons: 6,
      badShare: 0.5,
      spoils: ['no_face', 'expired_card'],
      faces: await realFace(3),
      seconds: 60,
    });
    expect(s.notes).toEqual([]);
    expect(s.capture).toMatchObject({ sent: 6, accepted: 3, refused: 3, unexpected: 0 });
    expect(s.capture?.reasons.id_card_expired).toBe(1);
    // The faceless picture fails the face rules (how many of them is the face library's).
    expect(Object.keys(s.capture?.reasons ?? {}).some((c) => c.startsWith('face_'))).toBe(true);
    expect(s.persons).toMatchObject({ enrolled: 3, missing: 0 });
    expect(s.ok).toBe(true);
  }, 120_000);
});

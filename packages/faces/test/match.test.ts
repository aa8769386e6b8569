/**
 * Face vs ID card 1:1 (issue 11 item 3) on real photos: two different photos of the same
 * man match, a man and a woman do not; the card side is shrunk to a chip photo's 102 × 126.
 */
import { type RealFaceName, realCardPhoto, realFacePhoto } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkFacePhoto,
  createFacePool,
  FACE_MATCH_THRESHOLD,
  faceSimilarity,
  matchFaces,
} from '../src/index.js';

const pool = createFacePool({ workers: 1, queueMax: 8 });
afterAll(() => pool.close());

async function embeddingOf(bytes: Uint8Array): Promise<number[]> {
  const e = (await pool.analyse(bytes, { embedding: true })).faces[0]?.embedding;
  if (!e) throw new Error('no face');
  return e;
}
const photo = async (name: RealFaceName) => embeddingOf(await realFacePhoto(name));
const card = async (name: RealFaceName) => embeddingOf(await realCardPhoto(name));

describe('matchFaces', () => {
  it('matches two different photos of the same man (photo vs card-sized photo)', async () => {
    const m = matchFaces(await photo('manGrid1'), await card('manGrid2'));
    expect(m.threshold).toBe(FACE_MATCH_THRESHOLD);
    expect(m.score).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    expect(m.match).toBe(true);
  });

  it('does not match a man against a woman', async () => {
    const m = matchFaces(await photo('manGrid1'), await card('womanPortrait3'));
    expect(m.score).toBeLessThan(FACE_MATCH_THRESHOLD);
    expect(m.match).toBe(false);
  });

  it('scores the same photo near 1 and itself exactly 1', async () => {
    const e = await photo('manWebcam');
    expect(faceSimilarity(e, e)).toBe(1);
    expect(faceSimilarity(e, await card('manWebcam'))).toBeGreaterThan(0.7);
  });

  it('gives 0 for embeddings that cannot be compared', () => {
    expect(faceSimilarity([], [])).toBe(0);
    expect(faceSimilarity([0.1, 0.2], [0.1])).toBe(0);
  });

  it('takes a custom threshold', async () => {
    const a = await photo('manGrid1');
    const b = await card('manGrid2');
    expect(matchFaces(a, b, 0.99)).toMatchObject({ threshold: 0.99, match: false });
  });

  it('checkFacePhoto gives the embedding when asked', async () => {
    const check = await checkFacePhoto(await realFacePhoto('manGrid1'), pool, {
      field: 'photo',
      embedding: true,
    });
    expect(check.analysis?.faces[0]?.embedding).toHaveLength(1024);
  });
});

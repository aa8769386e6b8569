/**
 * The face rules on real photos (testkit real-faces: crops of Human's MIT sample images):
 * each rule passes and fails, and says what it measured.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import {
  cropPhoto,
  makePhoto,
  REAL_FACE_CROPS,
  realCardPhoto,
  realFace,
  realFacePhoto,
} from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkFacePhoto,
  createFacePool,
  type DetectedFace,
  FACE_MAX_PITCH_DEGREES,
  FACE_MAX_YAW_DEGREES,
  facePoseVerdict,
} from '../src/index.js';

const pool = createFacePool({ workers: 2, queueMax: 32 });
afterAll(() => pool.close());

function byCode(verdicts: EnrolmentVerdict[], code: string): EnrolmentVerdict {
  const v = verdicts.find((x) => x.code === code);
  if (!v) throw new Error(`no ${code} verdict in ${JSON.stringify(verdicts)}`);
  return v;
}

describe('checkFacePhoto on real photos', () => {
  it('passes a head-and-shoulders portrait on every rule, each with its measurement', async () => {
    const check = await checkFacePhoto(await realFacePhoto('manPortrait'), pool, { field: 'photos.0' });
    expect(check.verdicts.map((v) => v.code)).toEqual([
      'photo_file',
      'face_count',
      'face_too_small',
      'face_too_small_share',
      'face_pose',
    ]);
    expect(check.verdicts.every((v) => v.ok && v.field === 'photos.0')).toBe(true);
    expect(check.ok).toBe(true);
    expect(byCode(check.verdicts, 'face_count').value).toBe('1 face');
    expect(byCode(check.verdicts, 'face_too_small').value).toMatch(/^face \d+×\d+ px$/);
    expect(byCode(check.verdicts, 'face_too_small_share').value).toMatch(/^face \d+% of the photo's height$/);
    expect(byCode(check.verdicts, 'face_pose').value).toMatch(/^yaw -?\d+°, pitch -?\d+°$/);
    const face = check.analysis?.faces[0];
    expect(face?.box.width).toBeGreaterThanOrEqual(128);
  });

  it('passes every photo realFace() gives, and their bytes differ', async () => {
    const photos = await realFace(9);
    expect(new Set(photos.map((p) => p.toString('base64'))).size).toBe(9);
    const checks = await Promise.all(photos.map((p, i) => checkFacePhoto(p, pool, { field: `photos.${i}` })));
    const failed = checks.flatMap((c) => c.verdicts.filter((v) => !v.ok));
    expect(failed).toEqual([]);
  });

  it('refuses a photo with no face', async () => {
    const check = await checkFacePhoto(await realFacePhoto('noFace'), pool, { field: 'photo' });
    const count = byCode(check.verdicts, 'face_count');
    expect(count).toMatchObject({ ok: false, value: 'no face' });
    expect(count.message).toBe('no face found, needs exactly one face');
    expect(check.ok).toBe(false);
    // Nothing to measure: no geometry verdicts.
    expect(check.verdicts.map((v) => v.code)).toEqual(['photo_file', 'face_count']);
  });

  it('refuses a photo with two faces and says how many', async () => {
    const check = await checkFacePhoto(await realFacePhoto('twoFaces'), pool, { field: 'photo' });
    const count = byCode(check.verdicts, 'face_count');
    expect(count).toMatchObject({
      ok: false,
      value: '2 faces',
      message: '2 faces found, needs exactly one face',
    });
    expect(check.ok).toBe(false);
  });

  it('refuses a face under 128 × 128 px, naming its size', async () => {
    const check = await checkFacePhoto(await realFacePhoto('smallFace'), pool, { field: 'photo' });
    const size = byCode(check.verdicts, 'face_too_small');
    expect(size.ok).toBe(false);
    const [, w, h] = /^face (\d+)×(\d+) px$/.exec(size.value) ?? [];
    expect(Math.min(Number(w), Number(h))).toBeLessThan(128);
    expect(size.message).toBe(`${size.value}, needs 128×128`);
    // Only the size fails: the count, share and pose are fine.
    expect(check.verdicts.filter((v) => !v.ok).map((v) => v.code)).toEqual(['face_too_small']);
  });

  it('refuses a half-body shot whose face is under a third of the photo', async () => {
    const check = await checkFacePhoto(await realFacePhoto('halfBody'), pool, { field: 'photo' });
    const share = byCode(check.verdicts, 'face_too_small_share');
    expect(share.ok).toBe(false);
    const percent = Number(/^face (\d+)% /.exec(share.value)?.[1]);
    expect(percent).toBeLessThan(34);
    expect(share.message).toMatch(
      /^face \d+ px tall in a 790 px photo \(\d+%\), needs at least 1\/3 \(264 px\)$/,
    );
    expect(check.verdicts.filter((v) => !v.ok).map((v) => v.code)).toEqual(['face_too_small_share']);
  });

  it('passes the same face once it fills the frame: share measures the crop, not the face', async () => {
    const wide = await realFacePhoto('halfBody');
    const { width, height } = await sharp(wide).metadata();
    const face = (await pool.analyse(wide)).faces[0];
    if (!face) throw new Error('no face in the half-body shot');
    // Crop to twice the face's height around it: the face is now half the photo.
    const side = Math.min(face.box.height * 2, width, height);
    const left = Math.max(0, Math.min(width - side, Math.round(face.box.x + face.box.width / 2 - side / 2)));
    const top = Math.max(0, Math.min(height - side, Math.round(face.box.y + face.box.height / 2 - side / 2)));
    const tight = await sharp(wide).extract({ left, top, width: side, height: side }).jpeg().toBuffer();
    const check = await checkFacePhoto(tight, pool, { field: 'photo' });
    expect(byCode(check.verdicts, 'face_too_small_share').ok).toBe(true);
  });

  it('reports the file rules as a verdict and stops when the pixels cannot be read', async () => {
    const notAnImage = new TextEncoder().encode('GIF89a not a photo');
    const check = await checkFacePhoto(notAnImage, pool, { field: 'photo' });
    expect(check.ok).toBe(false);
    expect(check.verdicts).toEqual([
      expect.objectContaining({
        code: 'photo_bad_format',
        ok: false,
        field: 'photo',
        message: 'not a JPG or PNG file',
      }),
    ]);
  });

  it('refuses a photo of 400 KB or more with its size', async () => {
    // A PNG of noise: large, and a real image.
    const noise = Buffer.alloc(400 * 400 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const big = await sharp(noise, { raw: { width: 400, height: 400, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.length).toBeGreaterThanOrEqual(400 * 1024);
    const check = await checkFacePhoto(big, pool, { field: 'photo' });
    expect(check.verdicts).toEqual([
      expect.objectContaining({
        code: 'photo_too_large',
        ok: false,
        message: `${big.length} bytes, needs under 409600 (400 KB)`,
      }),
    ]);
  });

  it('runs the face rules on an image under 128 px too (one call, every verdict)', async () => {
    const tiny = await cropPhoto({ ...REAL_FACE_CROPS.smallFace, outWidth: 110 });
    const check = await checkFacePhoto(tiny, pool, { field: 'photo' });
    expect(check.verdicts[0]).toMatchObject({ code: 'photo_too_small', ok: false });
    expect(byCode(check.verdicts, 'face_count').ok).toBe(true);
    expect(byCode(check.verdicts, 'face_too_small').ok).toBe(false);
  });

  it('finds no face in a synthetic test photo (testkit makePhoto has none)', async () => {
    const check = await checkFacePhoto(await makePhoto(1), pool, { field: 'photo' });
    expect(byCode(check.verdicts, 'face_count').ok).toBe(false);
  });
});

describe('face pose (±30°, 技术要求 3(7))', () => {
  // The sample images hold no real face turned past 30° (the most measured is yaw 31° on a
  // 106 px thumbnail, too close to the limit to be a stable fixture; docs/enrolment.md), and
  // a 2-D rotation of a photo changes roll, not yaw or pitch: so the limits are tested on
  // the verdict with the pose the detector would report, and real photos pass above.
  const face = (yaw: number, pitch: number): DetectedFace => ({
    box: { x: 0, y: 0, width: 200, height: 200 },
    score: 0.9,
    yaw,
    pitch,
    roll: 0,
  });

  it('passes up to the limits and refuses beyond, naming the angle', () => {
    expect(facePoseVerdict(face(FACE_MAX_YAW_DEGREES, -FACE_MAX_PITCH_DEGREES), 'p').ok).toBe(true);
    const yaw = facePoseVerdict(face(-38.4, 5), 'p');
    expect(yaw).toMatchObject({
      ok: false,
      value: 'yaw -38°, pitch 5°',
      message: 'head turned 38° sideways (yaw), needs within ±30°',
    });
    const pitch = facePoseVerdict(face(2, 31), 'p');
    expect(pitch).toMatchObject({
      ok: false,
      message: 'head tilted 31° up or down (pitch), needs within ±30°',
    });
  });

  it('measures a real portrait near frontal', async () => {
    const analysis = await pool.analyse(await realFacePhoto('manWebcam'));
    const f = analysis.faces[0];
    expect(f).toBeDefined();
    expect(Math.abs(f?.yaw ?? 99)).toBeLessThan(15);
    expect(Math.abs(f?.pitch ?? 99)).toBeLessThan(20);
  });
});

describe('small photos', () => {
  it("finds the face on a 102 × 126 ID card photo and reports it in the photo's own pixels", async () => {
    const analysis = await pool.analyse(await realCardPhoto('manPortrait'), { embedding: true });
    expect(analysis).toMatchObject({ width: 102, height: 126 });
    expect(analysis.faces).toHaveLength(1);
    const box = analysis.faces[0]?.box;
    if (!box) throw new Error('no face');
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(102 + 1);
    expect(box.y + box.height).toBeLessThanOrEqual(126 + 1);
    // The face fills most of a card photo: more than half its width.
    expect(box.width).toBeGreaterThan(51);
    expect(analysis.faces[0]?.embedding).toHaveLength(1024);
  });
});

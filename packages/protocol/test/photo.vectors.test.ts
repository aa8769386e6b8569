/**
 * The shared photo vectors (vectors/photos/) through the one §1.2 check, header only and
 * fully decoded; and the order and shape of the check itself.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_FAILURES } from '../src/index.js';
import {
  checkPhoto,
  checkPhotoBytes,
  loadPhotoVectors,
  PHOTO_MAX_BYTES,
  PHOTO_MAX_DECODE_PIXELS,
  PHOTO_MIN_FACE_PIXELS,
  PHOTO_PROBLEM_FAILURES,
  PHOTO_RULES,
  photoFormat,
  photoVectorBytes,
} from '../src/photo/index.js';

const vectors = loadPhotoVectors();

describe('photo vectors', () => {
  it('are checked with the defaults of checkPhoto', () => {
    expect(vectors.limits).toEqual({
      maxBytes: PHOTO_MAX_BYTES,
      minFacePixels: PHOTO_MIN_FACE_PIXELS,
      maxDecodePixels: PHOTO_MAX_DECODE_PIXELS,
    });
    expect(PHOTO_MAX_BYTES).toBe(409_600);
    expect(PHOTO_MIN_FACE_PIXELS).toBe(128);
  });

  it('cover every problem, both formats and both modes', () => {
    const answers = vectors.cases.flatMap((v) => [v.header, v.decode]);
    for (const reason of Object.keys(PHOTO_PROBLEM_FAILURES)) {
      expect(
        answers.some((a) => !a.ok && a.reason === reason),
        reason,
      ).toBe(true);
    }
    expect(answers.some((a) => a.ok && a.format === 'jpg')).toBe(true);
    expect(answers.some((a) => a.ok && a.format === 'png')).toBe(true);
    expect(vectors.cases.some((v) => v.header.ok && !v.decode.ok)).toBe(true);
  });

  describe.each(vectors.cases)('$name ($file)', (v) => {
    const bytes = photoVectorBytes(v);
    it('header only', async () => {
      expect(await checkPhoto(bytes)).toEqual(v.header);
    });
    it('decoded', async () => {
      expect(await checkPhoto(bytes, { decode: true })).toEqual(v.decode);
    });
    it('the device code', () => {
      expect(v.failure).toBe(v.decode.ok ? undefined : PHOTO_PROBLEM_FAILURES[v.decode.reason].code);
    });
    it('the byte checks agree', () => {
      const first = checkPhotoBytes(bytes);
      if (first === 'photo_too_large' || first === 'photo_bad_format') {
        expect(v.header).toEqual({ ok: false, reason: first });
      } else {
        expect(first).toBe(photoFormat(bytes));
      }
    });
  });
});

describe('the check', () => {
  it('maps each problem to its catalogue failure (docs/protocol.md 7.5)', () => {
    expect(PHOTO_PROBLEM_FAILURES).toEqual({
      photo_too_large: DEVICE_FAILURES.PHOTO_TOO_LARGE,
      photo_bad_format: DEVICE_FAILURES.PHOTO_FORMAT,
      photo_undecodable: DEVICE_FAILURES.PHOTO_UNDECODABLE,
      photo_too_small: DEVICE_FAILURES.FACE_TOO_SMALL,
    });
  });

  it('runs its rules after the header, in order: face region, then full decode', () => {
    expect(PHOTO_RULES.map((r) => r.name)).toEqual([
      'face region at least minFacePixels on each side',
      'every pixel decodes (when decode is asked)',
    ]);
  });

  it('takes tighter or looser limits', async () => {
    const good = vectors.cases.find((v) => v.file === 'good-200x200.jpg')!;
    const bytes = photoVectorBytes(good);
    expect(await checkPhoto(bytes, { maxBytes: bytes.length })).toEqual({
      ok: false,
      reason: 'photo_too_large',
    });
    expect(await checkPhoto(bytes, { maxBytes: bytes.length + 1 })).toMatchObject({ ok: true });
    expect(await checkPhoto(bytes, { minFacePixels: 201 })).toEqual({ ok: false, reason: 'photo_too_small' });
    const small = photoVectorBytes(vectors.cases.find((v) => v.file === 'small-127x300.jpg')!);
    expect(await checkPhoto(small, { minFacePixels: 127, decode: true })).toEqual({
      ok: true,
      format: 'jpg',
      width: 127,
      height: 300,
    });
  });

  it('checks size before format, and format before anything sharp reads', () => {
    expect(checkPhotoBytes(new Uint8Array(PHOTO_MAX_BYTES))).toBe('photo_too_large');
    expect(checkPhotoBytes(new Uint8Array(10))).toBe('photo_bad_format');
    expect(checkPhotoBytes(Uint8Array.from([0xff, 0xd8, 0xff]), 3)).toBe('photo_too_large');
    expect(checkPhotoBytes(Uint8Array.from([0xff, 0xd8, 0xff]))).toBe('jpg');
  });
});

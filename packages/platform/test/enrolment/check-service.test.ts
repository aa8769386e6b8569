/**
 * The one enrolment check's own logic (enrolment/check.ts), with a face service whose
 * answers the test sets: which rules run on what, that every verdict is reported with
 * its value, that the 1:1 uses the first face photo and the card photo (or the stored
 * side a change does not bring), and what each policy makes of a mismatch. The detector
 * itself is @kaoqin/faces' and is exercised with real photos in faces-api.test.ts.
 */
import type { EnrolmentVerdict } from '@kaoqin/protocol';
import { face, idNumber } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { EnrolmentChecks, type FaceMatchPolicy } from '../../src/enrolment/check.js';
import type { FaceService } from '../../src/enrolment/face-service.js';

const TODAY = '2026-12-04';

/** Embeddings by the photo's first differing byte: the test decides who looks like whom. */
function fakeFaces(opts: {
  embeddingOf: (bytes: Uint8Array) => number[];
  cardFaces?: number;
  failField?: string;
}) {
  const calls: string[] = [];
  const service: FaceService = {
    defaultThreshold: 0.5,
    async checkPhoto(bytes, field, embedding) {
      calls.push(`photo ${field}${embedding ? ' +embedding' : ''}`);
      const ok = field !== opts.failField;
      const verdicts: EnrolmentVerdict[] = [
        {
          code: 'face_count',
          ok,
          field,
          value: ok ? '1 face' : '0 faces',
          message: ok ? 'one face' : 'no face',
        },
      ];
      return { ok, verdicts, ...(ok && embedding ? { embedding: opts.embeddingOf(bytes) } : {}) };
    },
    async cardFaces(bytes) {
      calls.push('card');
      const count = opts.cardFaces ?? 1;
      return { count, ...(count > 0 ? { embedding: opts.embeddingOf(bytes) } : {}) };
    },
    similarity: (a, b) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0),
    warm: async () => {},
    close: async () => {},
  };
  return { service, calls };
}

const checks = (service: FaceService | undefined, policy: FaceMatchPolicy = 'refuse') =>
  new EnrolmentChecks({ faces: service, threshold: 0.5, policy });

describe('the enrolment check', () => {
  it('reports every rule that ran, passed or failed, with what it measured', async () => {
    const [a, b, card] = [await face(), await face(), await face()];
    const same = () => [1, 0];
    const { service, calls } = fakeFaces({ embeddingOf: same, failField: 'photos.1' });
    const c = await checks(service).check({
      card: { idNumber: idNumber(), validTo: '2020-01-01' },
      photos: [a, b],
      idCardPhoto: card,
      today: TODAY,
    });
    expect(calls).toEqual(['photo photos.0 +embedding', 'photo photos.1', 'card']);
    const byCode = (code: string) => c.verdicts.filter((v) => v.code === code);
    expect(byCode('id_number_check_digit')).toEqual([expect.objectContaining({ ok: true })]);
    expect(byCode('id_card_expired')).toEqual([
      expect.objectContaining({ ok: false, field: 'validTo', value: 'valid to 2020-01-01' }),
    ]);
    expect(byCode('face_count').map((v) => [v.field, v.ok])).toEqual([
      ['photos.0', true],
      ['photos.1', false],
    ]);
    expect(byCode('id_card_photo_no_face')).toEqual([
      expect.objectContaining({ ok: true, value: '1 faces' }),
    ]);
    expect(byCode('face_id_mismatch')).toEqual([
      expect.objectContaining({ ok: true, value: 'score 1.000, threshold 0.5' }),
    ]);
    expect(c.refusals.map((v) => v.code).sort()).toEqual(['face_count', 'id_card_expired']);
    expect(c.faceMatch).toEqual({ score: 1, threshold: 0.5, outcome: 'match' });
    // Only photos that passed are handed back for storing.
    expect(c.photos.map((p) => p.bytes)).toEqual([a]);
  });

  it('refuses a mismatch under policy refuse, and lets it through for review under flag', async () => {
    const [photo, card] = [await face(), await face()];
    const embeddingOf = (bytes: Uint8Array) => (bytes === card ? [0, 1] : [1, 0]);
    for (const policy of ['refuse', 'flag'] as const) {
      const c = await checks(fakeFaces({ embeddingOf }).service, policy).check({
        photos: [photo],
        idCardPhoto: card,
        today: TODAY,
      });
      const mismatch = c.verdicts.find((v) => v.code === 'face_id_mismatch');
      expect(mismatch).toMatchObject({
        ok: false,
        field: 'idCardPhoto',
        value: 'score 0.000, threshold 0.5',
      });
      expect(mismatch?.message).toMatch(/needs at least 0.5/);
      expect(c.faceMatch).toEqual({ score: 0, threshold: 0.5, outcome: 'mismatch' });
      expect(c.refusals.map((v) => v.code)).toEqual(policy === 'refuse' ? ['face_id_mismatch'] : []);
      expect(c.review).toBe(policy === 'refuse' ? 'none' : 'required');
    }
  });

  it('compares a change bringing one side with the stored other side, without verdicts on it', async () => {
    const [stored, card] = [await face(), await face()];
    const { service, calls } = fakeFaces({ embeddingOf: () => [1, 0] });
    const c = await checks(service).check({ idCardPhoto: card, reference: { face: stored }, today: TODAY });
    expect(calls).toEqual(['card', 'photo photos.0 +embedding']);
    expect(c.verdicts.map((v) => v.code)).toEqual([
      'photo_file',
      'id_card_photo_no_face',
      'face_id_mismatch',
    ]);
    expect(c.faceMatch.outcome).toBe('match');
  });

  it('asks for no embedding when no card photo is at hand (it costs more than the rules)', async () => {
    const { service, calls } = fakeFaces({ embeddingOf: () => [1, 0] });
    const c = await checks(service).check({ photos: [await face(), await face()], today: TODAY });
    expect(calls).toEqual(['photo photos.0', 'photo photos.1']);
    expect(c.faceMatch.outcome).toBe('not_checked');
  });

  it('does not compare when the card photo shows no face, and says so', async () => {
    const { service } = fakeFaces({ embeddingOf: () => [1, 0], cardFaces: 0 });
    const c = await checks(service).check({
      photos: [await face()],
      idCardPhoto: await face(),
      today: TODAY,
    });
    expect(c.refusals).toEqual([
      expect.objectContaining({ code: 'id_card_photo_no_face', value: '0 faces', field: 'idCardPhoto' }),
    ]);
    expect(c.faceMatch.outcome).toBe('not_checked');
  });

  it('with the detector off runs the format and size rules only, and never compares', async () => {
    const c = await checks(undefined).check({
      photos: [await face(), Buffer.from('GIF89a not allowed')],
      idCardPhoto: await face(),
      today: TODAY,
    });
    expect(c.verdicts.map((v) => [v.field, v.code, v.ok])).toEqual([
      ['photos.0', 'photo_file', true],
      ['photos.1', 'photo_bad_format', false],
      ['idCardPhoto', 'photo_file', true],
    ]);
    expect(c.verdicts[0]?.value).toMatch(/^jpg \d+×\d+ px, \d+ bytes$/);
    expect(c.faceMatch.outcome).toBe('not_checked');
  });
});

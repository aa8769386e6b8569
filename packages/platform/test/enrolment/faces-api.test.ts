/**
 * The enrolment check with the real detector (faceDetector 'human', @kaoqin/faces) over
 * real HTTP, with real face photos (testkit's real-faces: crops of the MIT-licensed
 * samples @vladmandic/human ships): a passing portrait enrols; each face rule is refused
 * with what it measured, by the API, the roster import and the CLI alike; the face-vs-ID
 * card 1:1 matches and mismatches under both policies, the result kept with the person;
 * POST /enrolment-checks answers the same verdicts and writes nothing.
 *
 * The card photos are the chip's size (102 × 126). A matching card is a downsized crop
 * of the same photo as the face: the samples hold few genuine pairs of different photos
 * above the threshold (the library's FAR/FRR figures are in docs/enrolment.md); what is
 * tested here is the wiring and the policies, not the recogniser's accuracy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACE_MATCH_THRESHOLD } from '@kaoqin/faces';
import { idNumber, type RealFaceName, realFacePhoto } from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, type Json, startApiPlatform } from '../helpers/api.js';
import { kaoqin } from '../helpers/process.js';
import { csvOf, postImport, reportRows, zipOf } from '../helpers/roster.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
/** The chip photo's size: the person's face, small. */
const cardOf = async (name: RealFaceName) =>
  sharp(await realFacePhoto(name))
    .resize({ width: 102, height: 126, fit: 'cover' })
    .jpeg()
    .toBuffer();

/** Each face rule failing on a real photo: the photo, the rule, what it measures. */
const FAILING: [RealFaceName, string, RegExp][] = [
  ['twoFaces', 'face_count', /^2 faces$/],
  ['noFace', 'face_count', /^no face$/],
  ['smallFace', 'face_too_small', /^face \d+×\d+ px$/],
  ['halfBody', 'face_too_small_share', /^face \d+% of the photo/],
];

describe('enrolment with the real face detector', { timeout: 120_000 }, () => {
  let p: ApiPlatform;
  let flag: ApiPlatform;
  let site: string;

  beforeAll(async () => {
    [p, flag] = await Promise.all([
      startApiPlatform({ 'face-detector': 'human', 'face-match-policy': 'refuse' }),
      startApiPlatform({ 'face-detector': 'human' }),
    ]);
    site = (await p.platform.data.persons.createSite('人脸工地')).id;
  }, 120_000);
  afterAll(async () => {
    await Promise.all([p?.stop(), flag?.stop()]);
  });

  const enrol = (on: ApiPlatform, body: Json) =>
    on.api.call('POST', '/api/v1/persons', { body: { name: '人脸', idNumber: idNumber(), ...body } });

  it('enrols a real portrait with a matching card photo: match kept with the person', async () => {
    const r = await enrol(p, {
      photos: [b64(await realFacePhoto('manSelected'))],
      idCardPhoto: b64(await cardOf('manSelected')),
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body.faceMatch).toMatchObject({
      outcome: 'match',
      threshold: FACE_MATCH_THRESHOLD,
      review: 'none',
    });
    expect(r.body.faceMatch.score).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    expect(r.body.faceMatch.checkedAt).toMatch(/\+08:00$/);
    const again = await p.api.call('GET', `/api/v1/persons/${r.body.personId}`);
    expect(again.body.faceMatch).toEqual(r.body.faceMatch);
  });

  it('refuses each face rule with the measured value in errors[], storing nothing', async () => {
    for (const [name, code, value] of FAILING) {
      const id = idNumber();
      const r = await p.api.call('POST', '/api/v1/persons', {
        body: { name: '人脸', idNumber: id, photos: [b64(await realFacePhoto(name))] },
      });
      expect(r.status, `${name}: ${r.text}`).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      const entry = r.body.errors.find((e: Json) => e.code === code);
      expect(entry, `${name}: ${r.text}`).toMatchObject({
        path: 'body.photos.0',
        value: expect.stringMatching(value),
      });
      expect(entry.message).toMatch(new RegExp(`^${code}: `));
      expect((await p.api.call('GET', `/api/v1/persons?idNumber=${id}`)).body.items).toEqual([]);
    }
  });

  it('refuses a card photo of someone else under policy refuse, with the score and threshold', async () => {
    const id = idNumber();
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '人证不符',
        idNumber: id,
        photos: [b64(await realFacePhoto('womanPortrait1'))],
        idCardPhoto: b64(await cardOf('manSelected')),
      },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.errors).toEqual([
      {
        path: 'body.idCardPhoto',
        code: 'face_id_mismatch',
        value: expect.stringMatching(new RegExp(`^score 0\\.\\d{3}, threshold ${FACE_MATCH_THRESHOLD}$`)),
        message: expect.stringMatching(/^face_id_mismatch: the face does not match the ID card photo/),
      },
    ]);
    expect((await p.api.call('GET', `/api/v1/persons?idNumber=${id}`)).body.items).toEqual([]);
  });

  it('enrols the same mismatch under policy flag, for review; accepting settles it', async () => {
    const r = await enrol(flag, {
      photos: [b64(await realFacePhoto('womanPortrait1'))],
      idCardPhoto: b64(await cardOf('manSelected')),
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body.faceMatch).toMatchObject({ outcome: 'mismatch', review: 'required' });
    expect(r.body.faceMatch.score).toBeLessThan(FACE_MATCH_THRESHOLD);
    const pending = await flag.api.call('GET', '/api/v1/persons?review=required');
    expect(pending.body.items.map((x: Json) => x.personId)).toEqual([r.body.personId]);
    const ok = await flag.api.call('POST', `/api/v1/persons/${r.body.personId}/review`, {
      body: { decision: 'accepted' },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.faceMatch).toMatchObject({ outcome: 'mismatch', review: 'accepted', reviewedBy: 'admin' });
    // Under flag a match needs no review.
    const match = await enrol(flag, {
      photos: [b64(await realFacePhoto('womanPortrait2'))],
      idCardPhoto: b64(await cardOf('womanPortrait2')),
    });
    expect(match.body.faceMatch).toMatchObject({ outcome: 'match', review: 'none' });
  });

  it('compares a new card photo with the stored face, and new faces with the stored card', async () => {
    const made = await enrol(p, { photos: [b64(await realFacePhoto('womanPortrait2'))] });
    expect(made.body.faceMatch.outcome).toBe('not_checked');
    const path = `/api/v1/persons/${made.body.personId}`;
    const wrong = await p.api.call('PATCH', path, {
      body: { idCardPhoto: b64(await cardOf('manSelected')) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors.map((e: Json) => e.code)).toEqual(['face_id_mismatch']);
    const right = await p.api.call('PATCH', path, {
      body: { idCardPhoto: b64(await cardOf('womanPortrait2')) },
    });
    expect(right.status, right.text).toBe(200);
    expect(right.body.faceMatch.outcome).toBe('match');
    const faces = await p.api.call('PUT', `${path}/photos`, {
      body: { photos: [b64(await realFacePhoto('manSelected'))] },
    });
    expect(faces.status).toBe(400);
    // The new photo is the one at fault: the card on file stands.
    expect(faces.body.errors).toEqual([
      expect.objectContaining({ path: 'body.photos.0', code: 'face_id_mismatch' }),
    ]);
  });

  it('POST /enrolment-checks answers every face verdict and the 1:1, writing nothing', async () => {
    const before = (await p.api.call('GET', '/api/v1/persons?limit=500')).body.items.length;
    const r = await p.api.call('POST', '/api/v1/enrolment-checks', {
      body: {
        photos: [b64(await realFacePhoto('manSelected')), b64(await realFacePhoto('twoFaces'))],
        idCardPhoto: b64(await cardOf('manSelected')),
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ ok: false, faceDetector: 'human', policy: 'refuse' });
    const seen = r.body.verdicts.map((v: Json) => `${v.field} ${v.code} ${v.ok}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'photos.0 face_count true',
        'photos.0 face_too_small true',
        'photos.0 face_pose true',
        'photos.1 face_count false',
        'idCardPhoto id_card_photo_no_face true',
        'idCardPhoto face_id_mismatch true',
      ]),
    );
    expect(r.body.faceMatch.outcome).toBe('match');
    expect(r.body.refusals.map((v: Json) => `${v.path} ${v.code} ${v.value}`)).toEqual([
      'body.photos.1 face_count 2 faces',
    ]);
    expect((await p.api.call('GET', '/api/v1/persons?limit=500')).body.items.length).toBe(before);
  });

  it('the roster import refuses the same photos for the same rules, dry run and apply', async () => {
    const rows = FAILING.map(([name]) => [name, idNumber(), name] as const);
    const good = idNumber();
    const roster = csvOf([['姓名', '身份证号'], ['好照片', good], ...rows.map(([, id, name]) => [name, id])]);
    const photos = await zipOf([
      { name: `${good}.jpg`, bytes: await realFacePhoto('womanPortrait3') },
      ...(await Promise.all(
        rows.map(async ([name, id]) => ({ name: `${id}.jpg`, bytes: await realFacePhoto(name) })),
      )),
    ]);
    for (const mode of ['dry-run', 'apply']) {
      const r = await postImport(p.api, {
        siteId: site,
        mode,
        roster: { bytes: roster, name: 'roster.csv' },
        photos: { bytes: photos, name: 'photos.zip' },
      });
      expect(r.status, r.text).toBe(mode === 'apply' ? 201 : 200);
      expect(r.body.totals, mode).toMatchObject({ created: 1, failed: FAILING.length });
      const report = await reportRows(p.api, r.body.id);
      for (const [i, [, code, value]] of FAILING.entries()) {
        const row = report.find((x: Json) => x.row === i + 3);
        expect(row?.status, `${mode} row ${i + 3}`).toBe('failed');
        expect(row.problems, `${mode} row ${i + 3}`).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ field: 'photo', rule: code, value: expect.stringMatching(value) }),
          ]),
        );
      }
    }
  });

  it('answers 503 with Retry-After when the face queue is full, never a 500', async () => {
    const busy = await startApiPlatform({ 'face-detector': 'human', 'face-queue-max': '1' });
    try {
      const photo = b64(await realFacePhoto('womanPortrait3'));
      // One photo checking, one waiting: the others arrive while both are taken.
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          busy.api.call('POST', '/api/v1/enrolment-checks', { body: { photos: [photo] } }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(
        statuses.every((s) => s === 200 || s === 503),
        statuses.join(),
      ).toBe(true);
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length, statuses.join()).toBeGreaterThan(0);
      expect(refused[0]?.body.code).toBe('unavailable');
      expect(refused[0]?.headers.get('retry-after')).toBe('5');
    } finally {
      await busy.stop();
    }
  });

  it('the CLI person add refuses the same photo naming the file, the rule and the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaoqin-cli-faces-'));
    try {
      const env = { KAOQIN_FACE_DETECTOR: 'human' };
      const k = (...args: string[]) => kaoqin([...args, '--data-dir', join(dir, 'data')], env);
      const photo = join(dir, 'two.jpg');
      await writeFile(photo, await realFacePhoto('twoFaces'));
      const s = await k('site', 'create', '--name', 'CLI人脸', '--json');
      expect(s.code, s.stderr).toBe(0);
      const siteId = JSON.parse(s.stdout).siteId;
      const r = await k(
        'person',
        'add',
        '--site',
        siteId,
        '--name',
        '两人',
        '--id-number',
        idNumber(),
        '--photo',
        photo,
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`photo ${photo}: `);
      expect(r.stderr).toMatch(/\(face_count, 2 faces\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

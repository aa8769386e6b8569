import { face, idNumber } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { blobHeads } from '../helpers/at-rest.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe.each(BACKENDS)('1:1 review and the check endpoint ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  const tokens: Record<string, string> = {};

  async function account(username: string, role: string, siteIds?: string[]) {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, role, siteIds } });
    expect(r.status, r.text).toBe(201);
    tokens[username] = await p.api.login(username, r.body.password);
  }

  /** A person as policy 'flag' enrols a mismatch: review required, the score kept. */
  async function flagged(siteId: string): Promise<string> {
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '待复核', idNumber: idNumber(), photos: [b64(await face())], assignments: [{ siteId }] },
    });
    expect(r.status, r.text).toBe(201);
    const id = r.body.personId as string;
    await p.platform.data.store.persons.update(
      id,
      {
        faceMatch: {
          score: 0.31,
          threshold: 0.55,
          outcome: 'mismatch',
          checkedAt: p.clock.now,
          review: 'required',
          reviewedBy: null,
          reviewedAt: null,
        },
      },
      p.clock.now,
    );
    return id;
  }

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = (await p.platform.data.persons.createSite('复核工地A')).id;
    siteB = (await p.platform.data.persons.createSite('复核工地B')).id;
    await account('mgr-a', 'site_manager', [siteA]);
    await account('mgr-b', 'site_manager', [siteB]);
    await account('aud', 'auditor');
  });
  afterAll(() => p.stop());

  it('lists persons awaiting review, shows the kept score, and lets an admin or their site manager accept', async () => {
    const id = await flagged(siteA);
    const plain = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '无需复核', idNumber: idNumber(), photos: [b64(await face())] },
    });
    expect(plain.body.faceMatch).toMatchObject({ outcome: 'not_checked', review: 'none', score: null });

    const list = await p.api.call('GET', '/api/v1/persons?review=required&limit=500');
    expect(list.body.items.map((x: Json) => x.personId)).toEqual([id]);
    expect(list.body.items[0].review).toBe('required');
    const one = await p.api.call('GET', `/api/v1/persons/${id}`);
    expect(one.body.faceMatch).toMatchObject({
      score: 0.31,
      threshold: 0.55,
      outcome: 'mismatch',
      review: 'required',
      reviewedBy: null,
    });

    const review = (token: string, body: Json, etag?: string) =>
      p.api.call('POST', `/api/v1/persons/${id}/review`, {
        token,
        body,
        ...(etag ? { headers: { 'if-match': etag } } : {}),
      });
    expect((await review(tokens.aud!, { decision: 'accepted' })).status).toBe(403);
    expect((await review(tokens['mgr-b']!, { decision: 'accepted' })).status).toBe(404);
    expect((await review(tokens['mgr-a']!, { decision: 'accepted' }, '"999"')).status).toBe(412);
    const ok = await review(
      tokens['mgr-a']!,
      { decision: 'accepted', note: '本人，照片年代久远' },
      one.body.etag,
    );
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.faceMatch).toMatchObject({ review: 'accepted', reviewedBy: 'mgr-a', score: 0.31 });
    expect(ok.body.assignments[0].status).toBe('active');
    // Settled once: a second decision is a conflict, not a silent overwrite.
    const again = await review(p.api.token, { decision: 'rejected' });
    expect(again.status).toBe(409);
    expect((await p.api.call('GET', '/api/v1/persons?review=required')).body.items).toEqual([]);

    const audit = await p.api.call('GET', `/api/v1/audit?action=person.review&resourceId=${id}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      actor: 'mgr-a',
      detail: { decision: 'accepted', score: 0.31, threshold: 0.55, note: '本人，照片年代久远' },
    });
  });

  it('rejecting takes the person off every site (the devices delete them), the identity kept', async () => {
    const id = await flagged(siteA);
    const r = await p.api.call('POST', `/api/v1/persons/${id}/review`, { body: { decision: 'rejected' } });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      status: 'active',
      faceMatch: { review: 'rejected', reviewedBy: 'admin' },
    });
    expect(r.body.assignments.map((a: Json) => a.status)).toEqual(['ended']);
  });

  it('POST /enrolment-checks answers every verdict with its value and writes nothing', async () => {
    const blobsBefore = (await blobHeads(p.platform, 'faces')).length;
    const personsBefore = (await p.api.call('GET', '/api/v1/persons?limit=500')).body.items.length;
    const auditBefore = (await p.api.call('GET', '/api/v1/audit?limit=500')).body.items.length;
    const good = idNumber();
    const bad = `${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`;

    const r = await p.api.call('POST', '/api/v1/enrolment-checks', {
      body: {
        idNumber: bad,
        validFrom: '2005-01-01',
        validTo: '2020-01-01',
        photos: [b64(await face()), b64(Buffer.from('no picture'))],
        idCardPhoto: b64(await face()),
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.ok).toBe(false);
    expect(r.body).toMatchObject({ policy: 'flag', faceDetector: 'off', review: 'none' });
    expect(r.body.faceMatch).toEqual({ score: null, threshold: null, outcome: 'not_checked' });
    const codes = r.body.verdicts.map((v: Json) => `${v.field} ${v.code} ${v.ok}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'idNumber id_number_check_digit false',
        'validTo id_card_expired false',
        'photos.0 photo_file true',
        'photos.1 photo_bad_format false',
        'idCardPhoto photo_file true',
      ]),
    );
    for (const v of r.body.verdicts) expect(typeof v.value).toBe('string');
    expect(r.body.refusals.map((v: Json) => v.path).sort()).toEqual([
      'body.idNumber',
      'body.photos.1',
      'body.validTo',
    ]);

    const clean = await p.api.call('POST', '/api/v1/enrolment-checks', {
      body: { idNumber: good, photos: [b64(await face())] },
    });
    expect(clean.body.ok).toBe(true);
    expect(clean.body.refusals).toEqual([]);

    expect((await blobHeads(p.platform, 'faces')).length).toBe(blobsBefore);
    expect((await p.api.call('GET', '/api/v1/persons?limit=500')).body.items.length).toBe(personsBefore);
    expect((await p.api.call('GET', '/api/v1/audit?limit=500')).body.items.length).toBe(auditBefore);
    const auditor = await p.api.call('POST', '/api/v1/enrolment-checks', {
      token: tokens.aud!,
      body: { photos: [] },
    });
    expect(auditor.status).toBe(403);
  });
});

import { face, idNumber } from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';
import { blobHeads, holding } from '../helpers/at-rest.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** A card-sized scan, distinct per seed. */
const cardSide = (seed: number) =>
  sharp({
    create: { width: 640, height: 404, channels: 3, background: { r: seed % 256, g: 120, b: 200 } },
  })
    .composite([
      {
        input: Buffer.from(
          `<svg width="640" height="404"><text x="40" y="200" font-size="48">卡 ${seed}</text></svg>`,
        ),
      },
    ])
    .jpeg()
    .toBuffer();

describe.each(BACKENDS)('ID card images sealed ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let site: string;
  let auditor: string;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    site = (await p.platform.data.persons.createSite('卡片工地')).id;
    const a = await p.api.call('POST', '/api/v1/accounts', { body: { username: 'aud', role: 'auditor' } });
    auditor = await p.api.login('aud', a.body.password);
  });
  afterAll(() => p.stop());

  const image = (personId: string, which: string, token = p.api.token) =>
    fetch(`${p.api.base}/api/v1/persons/${personId}/id-card/${which}`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('stores the card photo, front and back sealed, reads them back through the API, erases them', async () => {
    const [card, front, back] = [await face(), await cardSide(1), await cardSide(2)];
    const made = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '持卡人',
        idNumber: idNumber(),
        photos: [b64(await face())],
        idCardPhoto: b64(card),
        idCardFront: b64(front),
        idCardBack: b64(back),
        assignments: [{ siteId: site }],
      },
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ hasIdCardPhoto: true, hasIdCardFront: true, hasIdCardBack: true });
    const personId = made.body.personId as string;

    // Not on disk in the clear, anywhere under the data directory.
    for (const bytes of [card, front, back]) expect(await holding(p.platform, bytes)).toEqual([]);

    for (const [which, bytes] of [
      ['photo', card],
      ['front', front],
      ['back', back],
    ] as const) {
      const r = await image(personId, which);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/jpeg');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await r.arrayBuffer()).equals(bytes)).toBe(true);
    }
    // Auditors audit who looked; they do not look (api.md: PII roles only).
    expect((await image(personId, 'front', auditor)).status).toBe(403);
    const audit = await p.api.call('GET', `/api/v1/audit?action=person.id_card.view&resourceId=${personId}`);
    expect(audit.body.items.map((a: { detail: { image: string } }) => a.detail.image).sort()).toEqual([
      'back',
      'front',
      'photo',
    ]);
    // The identity points at the API, never at a signed device URL.
    const identity = await p.api.call('GET', `/api/v1/persons/${personId}/identity`);
    expect(identity.body.idCardFront).toEqual({ url: `/api/v1/persons/${personId}/id-card/front` });
    expect(identity.text).not.toContain('/dl/');

    // PATCH replaces one and clears another.
    const front2 = await cardSide(3);
    const patched = await p.api.call('PATCH', `/api/v1/persons/${personId}`, {
      body: { idCardFront: b64(front2), idCardBack: null },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ hasIdCardFront: true, hasIdCardBack: false });
    expect(Buffer.from(await (await image(personId, 'front')).arrayBuffer()).equals(front2)).toBe(true);
    expect((await image(personId, 'back')).status).toBe(404);

    const erased = await p.api.call('DELETE', `/api/v1/persons/${personId}`);
    expect(erased.status, erased.text).toBe(200);
    const store = p.platform.data.store;
    expect(await store.persons.get(personId)).toMatchObject({
      idCardPhotoKey: null,
      idCardFrontKey: null,
      idCardBackKey: null,
    });
    // Every sealed blob the person had is deleted (the earlier front included).
    const heads = (await blobHeads(p.platform, 'faces')).map((h) => h.toString());
    expect(heads.filter((s) => s === 'v1:')).toEqual([]);
  });

  it('refuses a card image that is no picture with its code and measured value, storing nothing', async () => {
    const id = idNumber();
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '坏卡',
        idNumber: id,
        photos: [b64(await face())],
        idCardBack: b64(Buffer.from('not an image at all')),
      },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.errors).toEqual([
      {
        path: 'body.idCardBack',
        code: 'photo_bad_format',
        value: '19 bytes',
        message: 'photo_bad_format: not a JPG or PNG image',
      },
    ]);
    expect((await p.api.call('GET', `/api/v1/persons?idNumber=${id}`)).body.items).toEqual([]);
  });

  it('seals a card photo stored in plain before sealing, and still reads it', async () => {
    const { persons, faces, store } = p.platform.data;
    const made = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '旧卡', idNumber: idNumber(), photos: [b64(await face())] },
    });
    const personId = made.body.personId as string;
    // As a platform before issue 11 stored it: a plain JPEG blob.
    const card = await face();
    const plainKey = await faces.put(card, 'jpg');
    await store.persons.update(personId, { idCardPhotoKey: plainKey }, Date.now());
    expect(await holding(p.platform, card)).not.toEqual([]);
    expect(Buffer.from(await (await image(personId, 'photo')).arrayBuffer()).equals(card)).toBe(true);

    expect(await persons.sealLegacyCardPhotos()).toBe(1);
    expect(await holding(p.platform, card)).toEqual([]);
    expect((await store.persons.get(personId))?.idCardPhotoKey).not.toBe(plainKey);
    expect(Buffer.from(await (await image(personId, 'photo')).arrayBuffer()).equals(card)).toBe(true);
    // A second run finds nothing left to seal.
    expect(await persons.sealLegacyCardPhotos()).toBe(0);
  });
});

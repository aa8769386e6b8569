import { readGreyBmp } from '@kaoqin/protocol/photo';
import { eyeBmp, face, idNumber, tamperedSignature } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeJpeg2000 } from '../../src/iris/jp2.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { holding } from '../helpers/at-rest.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

const GOOD = { pupilRadius: 35, irisRadius: 100, irisGrey: 120, seed: 5 } as const;

describe.each(BACKENDS)('iris images over the API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let site: string;
  let deviceId: string;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    site = (await p.platform.data.persons.createSite('虹膜工地')).id;
    deviceId = (await p.platform.data.devices.preRegister(p.creds.vendorId, 'IRIS-API-1')).id;
    await p.platform.data.persons.bindDevice(deviceId, site);
  });
  afterAll(() => p.stop());

  async function person(): Promise<string> {
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '虹膜测试',
        idNumber: idNumber(),
        photos: [b64(await face())],
        assignments: [{ siteId: site }],
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.body.personId as string;
  }

  const put = (id: string, eye: string, bytes: Uint8Array) =>
    p.api.call('PUT', `/api/v1/persons/${id}/iris/${eye}`, { body: { image: b64(bytes) } });

  it('stores a good eye, with what was measured, and serves the BMP and a lossless JPEG 2000 by signed URL', async () => {
    const id = await person();
    const bmp = eyeBmp(GOOD);
    const r = await put(id, 'left', bmp);
    expect(r.status, r.text).toBe(200);
    expect(r.body.eye).toBe('left');
    expect(Math.abs(r.body.irisRadius - 100)).toBeLessThanOrEqual(3);
    expect(Math.abs(r.body.pupilRadius - 35)).toBeLessThanOrEqual(3);
    expect(Math.abs(r.body.grey - 120)).toBeLessThanOrEqual(3);
    expect(r.body.verdicts.map((v: Json) => [v.code, v.ok, v.field])).toEqual([
      ['iris_bad_image', true, 'iris.left'],
      ['iris_not_found', true, 'iris.left'],
      ['iris_radius', true, 'iris.left'],
      ['iris_grey', true, 'iris.left'],
    ]);

    const raw = await fetch(r.body.bmp.url);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('image/bmp');
    expect(Buffer.from(await raw.arrayBuffer()).equals(Buffer.from(bmp))).toBe(true);

    const jp2 = await fetch(r.body.jp2.url);
    expect(jp2.status).toBe(200);
    expect(jp2.headers.get('content-type')).toBe('image/jp2');
    const decoded = await decodeJpeg2000(new Uint8Array(await jp2.arrayBuffer()));
    const read = readGreyBmp(bmp);
    expect(read.ok && Buffer.from(decoded.pixels).equals(Buffer.from(read.image.pixels))).toBe(true);

    // Without the signature, or with another: refused.
    expect((await fetch(r.body.bmp.url.split('?')[0])).status).toBe(403);
    expect((await fetch(tamperedSignature(r.body.jp2.url))).status).toBe(403);

    const one = await p.api.call('GET', `/api/v1/persons/${id}/iris/left`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ eye: 'left', irisRadius: r.body.irisRadius, grey: r.body.grey });
    const all = await p.api.call('GET', `/api/v1/persons/${id}/iris`);
    expect(all.body.items.map((i: Json) => i.eye)).toEqual(['left']);
    expect((await p.api.call('GET', `/api/v1/persons/${id}/iris/right`)).status).toBe(404);
  });

  it.each([
    [
      'an iris radius under 50',
      { pupilRadius: 15, irisRadius: 42 },
      'iris_radius',
      42,
      /^iris radius \d+ px, needs 50–150$/,
    ],
    [
      'an iris radius over 150',
      { pupilRadius: 50, irisRadius: 165 },
      'iris_radius',
      165,
      /^iris radius \d+ px, needs 50–150$/,
    ],
    [
      'an iris region too dark',
      { pupilRadius: 30, irisRadius: 100, pupilGrey: 8, irisGrey: 52, scleraGrey: 150 },
      'iris_grey',
      52,
      /^iris region grey [\d.]+, needs 65–195$/,
    ],
    [
      'an iris region too bright',
      { pupilRadius: 30, irisRadius: 100, pupilGrey: 30, irisGrey: 208, scleraGrey: 252, noise: 3 },
      'iris_grey',
      208,
      /^iris region grey [\d.]+, needs 65–195$/,
    ],
  ] as const)(
    'refuses %s with the measured value, storing nothing',
    async (_what, eye, code, truth, message) => {
      const id = await person();
      const r = await put(id, 'right', eyeBmp(eye));
      expect(r.status, r.text).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors).toHaveLength(1);
      const [e] = r.body.errors;
      expect(e).toMatchObject({ path: 'body.image', code });
      const measured = Number(/[\d.]+/.exec(e.value)?.[0]);
      expect(Math.abs(measured - truth)).toBeLessThanOrEqual(3);
      expect(e.message.replace(`${code}: `, '')).toMatch(message);
      expect((await p.api.call('GET', `/api/v1/persons/${id}/iris`)).body.items).toEqual([]);
    },
  );

  it('refuses what is not a 640 × 480 8-bit grey BMP, saying why', async () => {
    const id = await person();
    const notBmp = await put(id, 'left', await face());
    expect(notBmp.status).toBe(400);
    expect(notBmp.body.errors).toEqual([
      expect.objectContaining({ code: 'iris_bad_image', value: 'not a BMP (no "BM" signature)' }),
    ]);
    const small = eyeBmp(GOOD);
    new DataView(small.buffer, small.byteOffset).setInt32(18, 320, true);
    const wrongSize = await put(id, 'left', small);
    expect(wrongSize.status).toBe(400);
    expect(wrongSize.body.errors).toEqual([
      expect.objectContaining({ code: 'iris_bad_image', value: '320×480 px, needs 640×480' }),
    ]);
    const flat = await put(
      id,
      'left',
      eyeBmp({ ...GOOD, pupilGrey: 128, irisGrey: 128, scleraGrey: 128, skinGrey: 128, texture: 0 }),
    );
    expect(flat.body.errors).toEqual([
      expect.objectContaining({ code: 'iris_not_found', value: 'not found' }),
    ]);
    expect(
      (await p.api.call('PUT', `/api/v1/persons/${id}/iris/middle`, { body: { image: 'AAAA' } })).status,
    ).toBe(404);
  });

  it('sends the person again to the devices of their site when an iris image is stored or deleted', async () => {
    const id = await person();
    const changed = vi.spyOn(p.platform.data.engine, 'personsChanged');
    try {
      expect((await put(id, 'right', eyeBmp(GOOD))).status).toBe(200);
      expect(changed).toHaveBeenCalledWith(site, [expect.objectContaining({ id })]);
      changed.mockClear();
      expect((await put(id, 'left', eyeBmp({ pupilRadius: 15, irisRadius: 42 }))).status).toBe(400);
      expect(changed).not.toHaveBeenCalled();
      expect((await p.api.call('DELETE', `/api/v1/persons/${id}/iris/right`)).status).toBe(204);
      expect(changed).toHaveBeenCalledWith(site, [expect.objectContaining({ id })]);
    } finally {
      changed.mockRestore();
    }
  });

  it('a new image replaces the eye’s old one (whose files go); one image held by both eyes stays until both are gone', async () => {
    const id = await person();
    const first = eyeBmp({ ...GOOD, seed: 41 });
    const second = eyeBmp({ ...GOOD, seed: 42 });
    expect((await put(id, 'left', first)).status).toBe(200);
    expect((await put(id, 'left', second)).status).toBe(200);
    expect(await holding(p.platform, first)).toEqual([]);
    expect(await holding(p.platform, second)).not.toEqual([]);

    expect((await put(id, 'right', second)).status).toBe(200);
    expect((await p.api.call('DELETE', `/api/v1/persons/${id}/iris/left`)).status).toBe(204);
    expect(await holding(p.platform, second)).not.toEqual([]);
    const right = await p.api.call('GET', `/api/v1/persons/${id}/iris/right`);
    expect((await fetch(right.body.bmp.url)).status).toBe(200);
    expect((await p.api.call('DELETE', `/api/v1/persons/${id}/iris/right`)).status).toBe(204);
    expect(await holding(p.platform, second)).toEqual([]);
  });

  it('deletes one eye (its files too), and erasure takes the rest', async () => {
    const id = await person();
    const left = eyeBmp({ ...GOOD, seed: 11 });
    const right = eyeBmp({ ...GOOD, seed: 12 });
    const l = await put(id, 'left', left);
    const r = await put(id, 'right', right);
    expect([l.status, r.status]).toEqual([200, 200]);
    expect(await holding(p.platform, left)).not.toEqual([]);

    const del = await p.api.call('DELETE', `/api/v1/persons/${id}/iris/left`);
    expect(del.status, del.text).toBe(204);
    expect(await holding(p.platform, left)).toEqual([]);
    expect((await fetch(l.body.bmp.url)).status).toBe(404);
    expect((await fetch(l.body.jp2.url)).status).toBe(404);
    expect((await p.api.call('DELETE', `/api/v1/persons/${id}/iris/left`)).status).toBe(404);

    expect((await fetch(r.body.bmp.url)).status).toBe(200); // now in the served cache too
    const erased = await p.api.call('DELETE', `/api/v1/persons/${id}`);
    expect(erased.status, erased.text).toBe(200);
    expect(await holding(p.platform, right)).toEqual([]);
    expect((await fetch(r.body.bmp.url)).status).toBe(404);
    expect((await fetch(r.body.jp2.url)).status).toBe(404);
    expect(await p.platform.data.store.personIris.ofPerson(id)).toEqual([]);
  });
});

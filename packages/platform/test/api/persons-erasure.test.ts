import { face, idNumber } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceInput } from '../../src/store/index.js';
import { NOT_CHECKED } from '../../src/store/person-types.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { holding } from '../helpers/at-rest.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe.each(BACKENDS)('erasing a person ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let site: string;
  let deviceId: string;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    site = (await p.platform.data.persons.createSite('擦除工地')).id;
    const device = await p.platform.data.devices.preRegister(p.creds.vendorId, 'ERASE-1');
    deviceId = device.id;
    await p.platform.data.persons.bindDevice(deviceId, site);
  });
  afterAll(() => p.stop());

  it('deletes the photo files and the personal data for real, and keeps the attendance rows', async () => {
    const name = '欧阳擦除测试';
    const id = '330103197702281357';
    const address = '浙江省杭州市擦除路九十九号';
    const [first, second, kept, card] = [await face(), await face(), await face(), await face()];
    const body = {
      name,
      idNumber: id,
      phone: '13512349876',
      address,
      photos: [b64(first)],
      idCardPhoto: b64(card),
      assignments: [{ siteId: site }],
    };
    const headers = { 'idempotency-key': 'erase-me-once' };
    const made = await p.api.call('POST', '/api/v1/persons', { body, headers });
    expect(made.status, made.text).toBe(201);
    const personId = made.body.personId as string;
    // A replaced photo is the person's too; `kept` is also another person's face.
    const put = await p.api.call('PUT', `/api/v1/persons/${personId}/photos`, {
      body: { photos: [b64(second), b64(kept)] },
    });
    expect(put.status, put.text).toBe(200);
    const other = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '同照片的人', idNumber: idNumber(), photos: [b64(kept)] },
    });
    expect(other.status).toBe(201);
    const url = put.body.photos[0].url as string;
    expect((await fetch(url)).status).toBe(200); // now in the served-photo cache too
    const sealed = (await p.platform.data.store.persons.get(personId))!.piiEnc;
    const store = p.platform.data.store;
    const record: AttendanceInput = {
      deviceId,
      vendorId: p.creds.vendorId,
      sn: 'ERASE-1',
      siteId: site,
      personId,
      recordTime: p.clock.now - 60_000,
      type: 1,
      bitType: null,
      qrCodeInfo: null,
      photoKey: null,
      temperature: null,
      irisInfo: null,
      longitude: null,
      latitude: null,
      realName: true,
      flags: [],
      receivedAt: p.clock.now,
      latencyMs: 60_000,
    };
    await store.attendance.insertBatch([record]);

    // Before: the bytes are there to be found (so the checks below can fail).
    for (const photo of [first, second]) expect(await holding(p.platform, photo)).not.toEqual([]);
    // The card photo is sealed at rest: its bytes were never on disk in the clear.
    expect(await holding(p.platform, card)).toEqual([]);
    if (!pg) {
      const texts = await holding(p.platform, Buffer.from(name));
      expect(texts.some((f) => /kaoqin\.db/.test(f))).toBe(true);
    }

    const erased = await p.api.call('DELETE', `/api/v1/persons/${personId}`);
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body).toMatchObject({ personId, status: 'erased', photosDeleted: 3, assignmentsEnded: 1 });

    for (const photo of [first, second, card]) expect(await holding(p.platform, photo)).toEqual([]);
    expect(await holding(p.platform, kept)).not.toEqual([]);
    for (const text of [name, id, address, '13512349876', sealed])
      expect(await holding(p.platform, Buffer.from(text)), text).toEqual([]);
    expect((await fetch(url)).status).toBe(404);
    const row = (await store.persons.get(personId))!;
    expect(row).toMatchObject({
      name: '',
      piiEnc: '',
      idNumberHash: null,
      photoKeys: [],
      idCardPhotoKey: null,
      idCardFrontKey: null,
      idCardBackKey: null,
      faceMatch: NOT_CHECKED,
    });

    // The devices delete the person; the clock-in stays, with the person id.
    expect((await store.distribution.forPerson(personId)).map((d) => d.state)).toEqual(['removing']);
    expect((await store.attendance.list({ deviceId })).map((r) => r.personId)).toContain(personId);

    // What is left is a tombstone; nothing more can be done to it.
    const got = await p.api.call('GET', `/api/v1/persons/${personId}`);
    expect(got.body).toMatchObject({ personId, status: 'erased', name: null, idNumber: null, photos: [] });
    expect((await p.api.call('GET', `/api/v1/persons/${personId}/identity`)).status).toBe(404);
    expect((await p.api.call('PATCH', `/api/v1/persons/${personId}`, { body: { name: 'x' } })).status).toBe(
      404,
    );
    expect((await p.api.call('DELETE', `/api/v1/persons/${personId}`)).status).toBe(404);
    // A retry of the first POST gets no name back, and the ID number may be enrolled again.
    const retry = await p.api.call('POST', '/api/v1/persons', { body, headers });
    expect(retry.text).not.toContain(name);
    expect(retry.body).toMatchObject({ personId, status: 'erased' });
    const again = await p.api.call('POST', '/api/v1/persons', {
      body: { ...body, photos: [b64(await face())] },
    });
    expect(again.status, again.text).toBe(201);
    expect(again.body.personId).not.toBe(personId);

    const audit = await p.api.call('GET', `/api/v1/audit?action=person.erase&resourceId=${personId}`);
    expect(audit.body.items).toEqual([
      expect.objectContaining({ actor: 'admin', detail: expect.objectContaining({ photosDeleted: 3 }) }),
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(name);
  });

  it('is for operators only: a site manager may not erase, an auditor may not either', async () => {
    const made = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '留下',
        idNumber: idNumber(),
        photos: [b64(await face())],
        assignments: [{ siteId: site }],
      },
    });
    for (const role of ['site_manager', 'auditor'] as const) {
      const r = await p.api.call('POST', '/api/v1/accounts', {
        body: { username: `erase-${role}`, role, ...(role === 'site_manager' ? { siteIds: [site] } : {}) },
      });
      const client = p.api.as(await p.api.login(`erase-${role}`, r.body.password));
      expect((await client.call('DELETE', `/api/v1/persons/${made.body.personId}`)).status).toBe(403);
    }
    const still: Json = await p.api.call('GET', `/api/v1/persons/${made.body.personId}`);
    expect(still.body.status).toBe('active');
  });
});

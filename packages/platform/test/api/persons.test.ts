/**
 * Persons over real HTTP on every backend: enrolled once per ID number (409 names the
 * person holding it), masked in lists and reads, revealed only through the audited
 * identity endpoint and only to the roles that may, changed under If-Match, photos
 * checked as §1.2 asks and served by signed URL, an idempotent POST, a site manager's
 * scope.
 */

import { face, idNumber } from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe.each(BACKENDS)('persons ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  const tokens: Record<string, string> = {};

  async function account(username: string, role: string, siteIds?: string[]) {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, role, siteIds } });
    expect(r.status, r.text).toBe(201);
    tokens[username] = await p.api.login(username, r.body.password);
  }

  async function enrol(body: Json = {}) {
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '张三', idNumber: idNumber(), photos: [b64(await face())], ...body },
    });
    expect(r.status, r.text).toBe(201);
    return r;
  }

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = (await p.platform.data.persons.createSite('西湖工地')).id;
    siteB = (await p.platform.data.persons.createSite('滨江工地')).id;
    await account('mgr-a', 'site_manager', [siteA]);
    await account('mgr-b', 'site_manager', [siteB]);
    await account('aud', 'auditor');
    await account('op', 'operator');
  });
  afterAll(() => p.stop());

  it('enrols a person: 201, Location, etag, masked ID number and phone, photos by signed URL', async () => {
    const photo = await face();
    const id = '330102199003041234';
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name: '李四',
        idNumber: id,
        gender: '男',
        ethnicity: '汉',
        address: '浙江省杭州市西湖区某路 1 号',
        validFrom: '2015-03-01',
        validTo: '长期',
        issuingAuthority: '杭州市公安局西湖分局',
        phone: '13812345678',
        photos: [b64(photo)],
        assignments: [{ siteId: siteA, company: '某劳务公司', team: '钢筋班', trade: '钢筋工' }],
      },
    });
    expect(r.status, r.text).toBe(201);
    const personId = r.body.personId as string;
    expect(personId).toMatch(/^\d{19}$/);
    expect(r.headers.get('location')).toBe(`/api/v1/persons/${personId}`);
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.body).toMatchObject({
      name: '李四',
      idNumber: '330102********1234',
      phone: '138****5678',
      status: 'active',
      etag: '"1"',
      photoCount: 1,
      hasIdCardPhoto: false,
    });
    expect(r.body.assignments).toEqual([
      expect.objectContaining({
        siteId: siteA,
        company: '某劳务公司',
        team: '钢筋班',
        trade: '钢筋工',
        status: 'active',
      }),
    ]);
    // Only masked values leave by default: no full ID number, phone, address anywhere.
    for (const secret of [id, '13812345678', '某路'] as const) expect(r.text).not.toContain(secret);
    // The photo URL is signed and serves the very bytes.
    const url = r.body.photos[0].url as string;
    expect(url).toMatch(/\/dl\/photo\/[0-9a-f]{64}\?e=\d+&s=/);
    const img = await fetch(url);
    expect(img.status).toBe(200);
    expect(Buffer.from(await img.arrayBuffer()).equals(photo)).toBe(true);
    expect((await fetch(url.replace(/s=[^&]+/, 's=x'))).status).toBe(403);

    const got = await p.api.call('GET', `/api/v1/persons/${personId}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toMatchObject({ personId, idNumber: '330102********1234', phone: '138****5678' });
    expect(got.text).not.toContain(id);
  });

  it('refuses a second enrolment of the same ID number with 409 naming the person who holds it', async () => {
    const id = idNumber();
    const first = await enrol({ idNumber: id });
    const again = await p.api.call('POST', '/api/v1/persons', {
      body: { name: '重复的人', idNumber: id.toLowerCase(), photos: [b64(await face())] },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    expect(again.body.detail).toContain(first.body.personId);
    expect(again.body.errors).toEqual([
      { path: 'body.idNumber', message: expect.stringContaining(first.body.personId) },
    ]);
    expect(again.headers.get('location')).toBe(`/api/v1/persons/${first.body.personId}`);
    // Nothing of the refused enrolment stayed behind.
    const list = await p.api.call('GET', `/api/v1/persons?idNumber=${id}`);
    expect(list.body.items.map((x: Json) => x.personId)).toEqual([first.body.personId]);
  });

  it('masks ID numbers in lists, and filters by site, name prefix and exact ID number', async () => {
    const id = idNumber();
    const made = await enrol({
      name: '王五',
      idNumber: id,
      phone: '13900001111',
      assignments: [{ siteId: siteB }],
    });
    const list = await p.api.call('GET', '/api/v1/persons?limit=500');
    expect(list.status).toBe(200);
    const row = list.body.items.find((x: Json) => x.personId === made.body.personId);
    expect(row).toEqual({
      personId: made.body.personId,
      name: '王五',
      idNumber: `${id.slice(0, 6)}********${id.slice(-4)}`,
      status: 'active',
      photoCount: 1,
      review: 'none',
      createdAt: expect.stringMatching(/\+08:00$/),
      updatedAt: expect.stringMatching(/\+08:00$/),
    });
    expect(list.text).not.toContain(id);
    expect(list.text).not.toContain('13900001111');
    const bySite = await p.api.call('GET', `/api/v1/persons?siteId=${siteB}`);
    expect(bySite.body.items.map((x: Json) => x.personId)).toEqual([made.body.personId]);
    const byName = await p.api.call('GET', `/api/v1/persons?name=${encodeURIComponent('王')}`);
    expect(byName.body.items.map((x: Json) => x.name)).toEqual(['王五']);
    const byId = await p.api.call('GET', `/api/v1/persons?idNumber=${id}`);
    expect(byId.body.items.map((x: Json) => x.personId)).toEqual([made.body.personId]);
  });

  it('pages the list by id with a cursor that stays stable under inserts', async () => {
    const first = await p.api.call('GET', '/api/v1/persons?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    await enrol();
    const seen = [...first.body.items.map((x: Json) => x.personId)];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await p.api.call('GET', `/api/v1/persons?limit=2&cursor=${cursor}`);
      seen.push(...page.body.items.map((x: Json) => x.personId));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    const all = await p.api.call('GET', '/api/v1/persons?limit=500');
    expect(seen).toEqual(all.body.items.map((x: Json) => x.personId));
  });

  it('reveals the identity only to admins, operators and the site manager of a site the person is on, audited', async () => {
    const id = '330106198507154321';
    const card = await face();
    const made = await enrol({
      name: '赵六',
      idNumber: id,
      gender: '女',
      phone: '13700002222',
      idCardPhoto: b64(card),
      assignments: [{ siteId: siteA }],
    });
    const personId = made.body.personId;
    const path = `/api/v1/persons/${personId}/identity`;
    const r = await p.api.call('GET', path, { headers: { 'user-agent': 'test' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({
      personId,
      name: '赵六',
      idNumber: id,
      birthDate: '1985-07-15',
      gender: '女',
      phone: '13700002222',
      ethnicity: null,
    });
    // The card photo is sealed at rest: read through the API, with the caller's login.
    const img = await fetch(`${p.api.base}${r.body.idCardPhoto.url}`, {
      headers: { authorization: `Bearer ${p.api.token}` },
    });
    expect(Buffer.from(await img.arrayBuffer()).equals(card)).toBe(true);

    expect((await p.api.as(tokens.op!).call('GET', path)).status).toBe(200);
    expect((await p.api.as(tokens['mgr-a']!).call('GET', path)).status).toBe(200);
    expect((await p.api.as(tokens['mgr-b']!).call('GET', path)).status).toBe(404);
    const auditor = await p.api.as(tokens.aud!).call('GET', path);
    expect(auditor.status).toBe(403);

    const audit = await p.api.call(
      'GET',
      `/api/v1/audit?action=person.identity.reveal&resourceId=${personId}`,
    );
    expect(audit.body.items.map((a: Json) => a.actor).sort()).toEqual(['admin', 'mgr-a', 'op']);
    const mine = audit.body.items.find((a: Json) => a.actor === 'mgr-a');
    expect(mine).toMatchObject({ role: 'site_manager', ip: '127.0.0.1', resource: 'person', siteId: siteA });
    expect(mine.detail.fields).toEqual(
      expect.arrayContaining(['idNumber', 'phone', 'gender', 'birthDate', 'idCardPhoto']),
    );
    // The log names what was revealed, never the values.
    expect(JSON.stringify(audit.body)).not.toContain(id);
    expect(JSON.stringify(audit.body)).not.toContain('13700002222');
  });

  it('changes a person under If-Match: a stale etag is 412, the current one applies and moves the etag', async () => {
    const made = await enrol({ phone: '13600003333' });
    const path = `/api/v1/persons/${made.body.personId}`;
    const ok = await p.api.call('PATCH', path, {
      body: { name: '张三丰', phone: null, address: '杭州' },
      headers: { 'if-match': '"1"' },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ name: '张三丰', phone: null, etag: '"2"' });
    expect(ok.headers.get('etag')).toBe('"2"');
    const stale = await p.api.call('PATCH', path, {
      body: { name: '别人改的' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition_failed');
    const photos = await p.api.call('PUT', `${path}/photos`, {
      body: { photos: [b64(await face())] },
      headers: { 'if-match': '"1"' },
    });
    expect(photos.status).toBe(412);
    expect((await p.api.call('GET', path)).body.name).toBe('张三丰');
    const identity = await p.api.call('GET', `${path}/identity`);
    expect(identity.body).toMatchObject({ address: '杭州', phone: null });
    // The merge-patch media type is taken as JSON.
    const merge = await p.api.call('PATCH', path, {
      raw: JSON.stringify({ gender: '男' }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"2"' },
    });
    expect(merge.status, merge.text).toBe(200);
    expect(merge.body.etag).toBe('"3"');
  });

  it('refuses photos §1.2 does not allow, with the photo named, and keeps nothing', async () => {
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    const cases: [string, string, RegExp][] = [
      [b64(await face()), b64(small), /128 × 128/],
      [b64(await face()), b64(Buffer.from('not a photo at all')), /JPG or PNG/],
      [b64(await face()), 'this is not base64!', /base64/],
    ];
    for (const [good, bad, message] of cases) {
      const id = idNumber();
      const r = await p.api.call('POST', '/api/v1/persons', {
        body: { name: '照片', idNumber: id, photos: [good, bad] },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.body.errors).toEqual([
        expect.objectContaining({ path: 'body.photos.1', message: expect.stringMatching(message) }),
      ]);
      expect((await p.api.call('GET', `/api/v1/persons?idNumber=${id}`)).body.items).toEqual([]);
    }
    const made = await enrol();
    const put = await p.api.call('PUT', `/api/v1/persons/${made.body.personId}/photos`, {
      body: { photos: [b64(small)] },
    });
    expect(put.status).toBe(400);
    expect(put.body.errors[0].path).toBe('body.photos.0');
  });

  it('answers a retried POST with an Idempotency-Key with the first person, not a second', async () => {
    const body = { name: '幂等', idNumber: idNumber(), photos: [b64(await face())] };
    const headers = { 'idempotency-key': `enrol-${body.idNumber}` };
    const first = await p.api.call('POST', '/api/v1/persons', { body, headers });
    expect(first.status).toBe(201);
    const again = await p.api.call('POST', '/api/v1/persons', { body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.personId).toBe(first.body.personId);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const list = await p.api.call('GET', `/api/v1/persons?idNumber=${body.idNumber}`);
    expect(list.body.items).toHaveLength(1);
  });

  it('confines a site manager to persons ever assigned to the account’s sites', async () => {
    const mgr = p.api.as(tokens['mgr-a']!);
    const onA = await enrol({ assignments: [{ siteId: siteA }] });
    const onB = await enrol({ assignments: [{ siteId: siteB }] });
    const list = await mgr.call('GET', '/api/v1/persons?limit=500');
    const ids = list.body.items.map((x: Json) => x.personId);
    expect(ids).toContain(onA.body.personId);
    expect(ids).not.toContain(onB.body.personId);
    expect((await mgr.call('GET', `/api/v1/persons?siteId=${siteB}`)).body.items).toEqual([]);
    expect((await mgr.call('GET', `/api/v1/persons/${onB.body.personId}`)).status).toBe(404);
    expect(
      (await mgr.call('PATCH', `/api/v1/persons/${onB.body.personId}`, { body: { name: 'x' } })).status,
    ).toBe(404);
    expect((await mgr.call('GET', `/api/v1/sites/${siteB}/persons`)).status).toBe(404);
    // A site manager enrols onto the account's own sites only.
    const none = await mgr.call('POST', '/api/v1/persons', {
      body: { name: '无工地', idNumber: idNumber(), photos: [b64(await face())] },
    });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].path).toBe('body.assignments');
    const other = await mgr.call('POST', '/api/v1/persons', {
      body: {
        name: '别的工地',
        idNumber: idNumber(),
        photos: [b64(await face())],
        assignments: [{ siteId: siteB }],
      },
    });
    expect(other.status).toBe(400);
    expect(other.body.errors[0].path).toBe('body.assignments.0.siteId');
    // Erasure is an operator's: a site manager's role may never.
    expect((await mgr.call('DELETE', `/api/v1/persons/${onA.body.personId}`)).status).toBe(403);
  });

  it('audits every view that hands out photo URLs, and every change', async () => {
    const made = await enrol();
    await p.api.call('GET', `/api/v1/persons/${made.body.personId}`);
    const audit = await p.api.call('GET', `/api/v1/audit?resource=person&resourceId=${made.body.personId}`);
    expect(audit.body.items.map((a: Json) => a.action)).toEqual(['person.view', 'person.create']);
  });
});

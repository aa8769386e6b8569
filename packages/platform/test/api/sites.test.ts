/**
 * /api/v1/sites over real HTTP on every backend: create, list with stable pages and a
 * name prefix, read with an etag, PATCH merging with If-Match (412 on a stale etag),
 * geofence validation naming the field path, delete refused while a device is bound or a
 * person is (or was) assigned, and a site manager's scope (404 for another site, 403 for
 * what the role never does).
 * Teams and sub-contractors: sites-parts.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_CHECKED } from '../../src/store/person-types.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const fence = {
  type: 'polygon',
  points: [
    { lat: 30.27, lng: 120.15 },
    { lat: 30.27, lng: 120.16 },
    { lat: 30.28, lng: 120.16 },
    { lat: 30.28, lng: 120.15 },
  ],
};

describe.each(BACKENDS)('sites ($name)', ({ pg }) => {
  let p: ApiPlatform;
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
  });
  afterAll(() => p.stop());

  const create = async (body: Json) => {
    const r = await p.api.call('POST', '/api/v1/sites', { body });
    expect(r.status, r.text).toBe(201);
    return r.body;
  };

  it('creates a site with its fields, closes nothing twice, and answers 201 with Location and ETag', async () => {
    const r = await p.api.call('POST', '/api/v1/sites', {
      body: {
        name: '  西湖文化广场工地 ',
        address: '杭州市西湖区',
        generalContractor: '浙江建工集团',
        location: { lat: 30.275, lng: 120.155 },
        geofence: { ...fence, points: [...fence.points, fence.points[0]] },
      },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/sites/${r.body.id}`);
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.body).toEqual({
      id: expect.stringMatching(/^\d{19}$/),
      name: '西湖文化广场工地',
      address: '杭州市西湖区',
      generalContractor: '浙江建工集团',
      location: { lat: 30.275, lng: 120.155 },
      // The closing point is dropped: the ring is stored open.
      geofence: fence,
      fenceToleranceMeters: 0, // issue 12: none unless set
      etag: '"1"',
      createdAt: expect.stringMatching(/\+08:00$/),
      updatedAt: expect.stringMatching(/\+08:00$/),
    });
    const got = await p.api.call('GET', `/api/v1/sites/${r.body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(r.body);
    const audit = await p.api.call('GET', `/api/v1/audit?resource=site&resourceId=${r.body.id}`);
    expect(audit.body.items).toEqual([expect.objectContaining({ action: 'site.create', actor: 'admin' })]);
  });

  it('creates with a name only (the CLI’s way) and a circle fence', async () => {
    expect(await create({ name: '只有名字' })).toMatchObject({
      address: null,
      generalContractor: null,
      location: null,
      geofence: null,
    });
    const circle = { type: 'circle', center: { lat: 30.2, lng: 120.1 }, radiusMeters: 250 };
    expect((await create({ name: '圆形围栏', geofence: circle })).geofence).toEqual(circle);
  });

  it('refuses bad geofences and fields, naming each path', async () => {
    const bad = async (body: Json) => {
      const r = await p.api.call('POST', '/api/v1/sites', { body });
      expect(r.status, r.text).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      return (r.body.errors as { path: string }[]).map((e) => e.path);
    };
    const [a, b, c, d] = fence.points;
    // A bow-tie: the edge 2 → 3 crosses the edge 0 → 1.
    expect(await bad({ name: 'x', geofence: { type: 'polygon', points: [a, c, b, d] } })).toEqual([
      'body.geofence.points.2',
    ]);
    expect(await bad({ name: 'x', geofence: { type: 'polygon', points: [a, b, b, c, d] } })).toEqual([
      'body.geofence.points.2',
    ]);
    expect(
      await bad({ name: 'x', geofence: { type: 'polygon', points: [a, b, c, { lat: 91, lng: 120 }] } }),
    ).toEqual(['body.geofence.points.3.lat']);
    expect(await bad({ name: 'x', geofence: { type: 'polygon', points: [a, b] } })).toEqual([
      'body.geofence.points',
    ]);
    const many = Array.from({ length: 202 }, (_, i) => ({
      lat: 30 + 0.01 * Math.sin(i / 32),
      lng: 120 + 0.01 * Math.cos(i / 32),
    }));
    expect(await bad({ name: 'x', geofence: { type: 'polygon', points: many } })).toEqual([
      'body.geofence.points',
    ]);
    expect(
      await bad({ name: 'x', geofence: { type: 'circle', center: { lat: 30, lng: 120 }, radiusMeters: 0 } }),
    ).toEqual(['body.geofence.radiusMeters']);
    expect(await bad({ name: 'x', geofence: { type: 'hexagon' } })).toEqual(['body.geofence.type']);
    expect(await bad({ name: 'x', location: { lat: 30, lng: 200 } })).toEqual(['body.location.lng']);
    expect(await bad({ name: 'x', colour: 'red' })).toEqual(['body.colour']);
    expect(await bad({ name: '   ' })).toEqual(['body.name']);
    expect(await bad({ name: 'a\u0000b' })).toEqual(['body.name']);
    expect(await bad({})).toEqual(['body.name']);
  });

  it('pages in creation order, stable under inserts, filtered by name prefix', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await create({ name: `分页工地-${i}` })).id);
    await create({ name: '别的工地' });
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const q: string = `/api/v1/sites?limit=3&namePrefix=${encodeURIComponent('分页')}${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await p.api.call('GET', q);
      expect(r.status, r.text).toBe(200);
      seen.push(...r.body.items.map((s: Json) => s.id));
      cursor = r.body.nextCursor;
      // A site created between pages lands after every one already listed.
      if (round++ === 0) made.push((await create({ name: '分页工地-new' })).id);
    } while (cursor);
    expect(seen).toEqual(made);
    const none = await p.api.call('GET', `/api/v1/sites?namePrefix=${encodeURIComponent('没有这种')}`);
    expect(none.body).toEqual({ items: [], nextCursor: null });
    expect((await p.api.call('GET', '/api/v1/sites?cursor=nonsense')).body.errors[0].path).toBe(
      'query.cursor',
    );
    expect((await p.api.call('GET', '/api/v1/sites?limit=501')).status).toBe(400);
  });

  it('merges a PATCH, bumps the etag, and answers 412 to a stale If-Match', async () => {
    const s = await create({ name: '改名工地', address: '旧地址', location: { lat: 30, lng: 120 } });
    const patched = await p.api.call('PATCH', `/api/v1/sites/${s.id}`, {
      body: { address: null, generalContractor: '中建八局', geofence: fence },
      headers: { 'if-match': s.etag },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(patched.body).toMatchObject({
      name: '改名工地',
      address: null,
      generalContractor: '中建八局',
      location: { lat: 30, lng: 120 },
      geofence: fence,
      etag: '"2"',
    });
    // Another editor still holding "1" is told, and nothing changes.
    const stale = await p.api.call('PATCH', `/api/v1/sites/${s.id}`, {
      body: { name: '覆盖' },
      headers: { 'if-match': s.etag },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition_failed');
    expect((await p.api.call('GET', `/api/v1/sites/${s.id}`)).body.name).toBe('改名工地');
    // A merge patch by its own media type, without If-Match (last write wins).
    const merged = await p.api.call('PATCH', `/api/v1/sites/${s.id}`, {
      raw: JSON.stringify({ name: '新名字' }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(merged.status, merged.text).toBe(200);
    expect(merged.body).toMatchObject({ name: '新名字', generalContractor: '中建八局', etag: '"3"' });
    // An empty patch changes nothing, not even the etag; `*` matches any version.
    const empty = await p.api.call('PATCH', `/api/v1/sites/${s.id}`, {
      body: {},
      headers: { 'if-match': '*' },
    });
    expect(empty.body.etag).toBe('"3"');
    const badFence = await p.api.call('PATCH', `/api/v1/sites/${s.id}`, {
      body: {
        geofence: {
          type: 'polygon',
          points: [fence.points[0], fence.points[2], fence.points[1], fence.points[3]],
        },
      },
    });
    expect(badFence.body.errors).toEqual([expect.objectContaining({ path: 'body.geofence.points.2' })]);
    expect((await p.api.call('PATCH', `/api/v1/sites/${s.id}`, { body: { name: null } })).status).toBe(400);
    expect((await p.api.call('PATCH', '/api/v1/sites/0000000000000000000', { body: {} })).status).toBe(404);
    const audit = await p.api.call('GET', `/api/v1/audit?action=site.update&resourceId=${s.id}`);
    expect(audit.body.items.map((a: Json) => a.detail.fields)).toEqual([
      ['name'],
      ['address', 'generalContractor', 'geofence'],
    ]);
  });

  it('deletes a site nothing depends on, with its teams; refuses while a device is bound (409)', async () => {
    const s = await create({ name: '待删工地' });
    await p.api.call('POST', `/api/v1/sites/${s.id}/teams`, { body: { name: '木工班' } });
    const bound = await create({ name: '有设备的工地' });
    await p.platform.data.store.devices.insert({
      id: 'dev-site-test',
      vendorId: p.creds.vendorId,
      sn: 'SITE-TEST-1',
      siteId: bound.id,
      disabled: false,
      registeredBy: 'operator',
      deviceVersion: null,
      deviceIp: null,
      firstSeenAt: null,
      lastSeenAt: null,
      online: false,
      direction: 'in',
      createdAt: p.clock.now,
    });
    const refused = await p.api.call('DELETE', `/api/v1/sites/${bound.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conflict');
    expect((await p.api.call('GET', `/api/v1/sites/${bound.id}`)).status).toBe(200);

    expect(
      (await p.api.call('DELETE', `/api/v1/sites/${s.id}`, { headers: { 'if-match': '"7"' } })).status,
    ).toBe(412);
    expect(
      (await p.api.call('DELETE', `/api/v1/sites/${s.id}`, { headers: { 'if-match': '"1"' } })).status,
    ).toBe(204);
    expect((await p.api.call('GET', `/api/v1/sites/${s.id}`)).status).toBe(404);
    expect((await p.api.call('GET', `/api/v1/sites/${s.id}/teams`)).status).toBe(404);
    expect((await p.api.call('DELETE', `/api/v1/sites/${s.id}`)).status).toBe(404);
  });

  it('refuses to delete a site with a person assigned, and one that ever had one (409)', async () => {
    const s = await create({ name: '有人员的工地' });
    const { store } = p.platform.data;
    const now = p.clock.now;
    await store.persons.insert({
      id: 'person-site-test',
      name: '张三',
      piiEnc: '',
      idNumberHash: 'hash-site-test',
      idNumberHead: null,
      idNumberTail: '1234',
      photoKeys: [],
      idCardPhotoKey: null,
      idCardFrontKey: null,
      idCardBackKey: null,
      faceMatch: NOT_CHECKED,
      status: 'active',
      version: 1,
      createdAt: now,
      updatedAt: now,
      erasedAt: null,
    });
    await store.assignments.insert({
      id: 'assignment-site-test',
      personId: 'person-site-test',
      siteId: s.id,
      company: null,
      team: null,
      trade: null,
      joinedOn: '2026-01-05',
      leftOn: null,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      endedAt: null,
    });
    const active = await p.api.call('DELETE', `/api/v1/sites/${s.id}`);
    expect(active.status).toBe(409);
    expect(active.body.detail).toMatch(/1 person\(s\) are assigned/);
    // Ended: the assignment is history that wages and exports read, so the site stays.
    expect(await store.assignments.end('assignment-site-test', '2026-02-01', now)).toBeDefined();
    const history = await p.api.call('DELETE', `/api/v1/sites/${s.id}`);
    expect(history.status, history.text).toBe(409);
    expect(history.body.detail).toMatch(/history/);
    expect((await p.api.call('GET', `/api/v1/sites/${s.id}`)).status).toBe(200);
  });

  it('confines a site manager to its sites: 404 for others, 403 for operators’ actions', async () => {
    const mine = await create({ name: '我的工地' });
    const other = await create({ name: '别人的工地' });
    const acct = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'sm-sites', role: 'site_manager', siteIds: [mine.id] },
    });
    expect(acct.status, acct.text).toBe(201);
    const sm = p.api.as(await p.api.login('sm-sites', acct.body.password));
    const list = await sm.call('GET', '/api/v1/sites');
    expect(list.body.items.map((s: Json) => s.id)).toEqual([mine.id]);
    expect((await sm.call('GET', `/api/v1/sites/${mine.id}`)).status).toBe(200);
    for (const [method, path] of [
      ['GET', `/api/v1/sites/${other.id}`],
      ['GET', `/api/v1/sites/${other.id}/teams`],
      ['GET', `/api/v1/sites/${other.id}/subcontractors`],
    ] as const) {
      const r = await sm.call(method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
    expect(
      (await sm.call('POST', `/api/v1/sites/${other.id}/teams`, { body: { name: '班组' } })).status,
    ).toBe(404);
    expect((await sm.call('POST', `/api/v1/sites/${mine.id}/teams`, { body: { name: '班组' } })).status).toBe(
      201,
    );
    expect((await sm.call('POST', '/api/v1/sites', { body: { name: '越权' } })).status).toBe(403);
    expect((await sm.call('PATCH', `/api/v1/sites/${mine.id}`, { body: { name: '越权' } })).status).toBe(403);
    expect((await sm.call('DELETE', `/api/v1/sites/${mine.id}`)).status).toBe(403);
  });
});

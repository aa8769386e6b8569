/**
 * Teams (班组) and sub-contractors (参建/分包单位) of a site over real HTTP on every
 * backend: create, page, read, rename, the team's sub-contractor from the same site only,
 * names unique per site (409), a named sub-contractor kept (409), ids of another site 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

describe.each(BACKENDS)('site teams and sub-contractors ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let site: string;
  let otherSite: string;
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    site = (await p.api.call('POST', '/api/v1/sites', { body: { name: '班组工地' } })).body.id;
    otherSite = (await p.api.call('POST', '/api/v1/sites', { body: { name: '另一个工地' } })).body.id;
  });
  afterAll(() => p.stop());

  const post = async (path: string, body: Json) => {
    const r = await p.api.call('POST', path, { body });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBe(`${path}/${r.body.id}`);
    return r.body;
  };

  it('adds sub-contractors and teams that name them, and pages both', async () => {
    const sub = await post(`/api/v1/sites/${site}/subcontractors`, { name: '浙江某劳务公司' });
    expect(sub).toEqual({
      id: expect.stringMatching(/^\d{19}$/),
      siteId: site,
      name: '浙江某劳务公司',
      createdAt: expect.stringMatching(/\+08:00$/),
      updatedAt: expect.stringMatching(/\+08:00$/),
    });
    const teams: string[] = [];
    for (const name of ['钢筋班', '木工班', '混凝土班', '架子工班'])
      teams.push((await post(`/api/v1/sites/${site}/teams`, { name, subcontractorId: sub.id })).id);
    teams.push((await post(`/api/v1/sites/${site}/teams`, { name: '杂工班' })).id);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Json = await p.api.call(
        'GET',
        `/api/v1/sites/${site}/teams?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(r.status, r.text).toBe(200);
      seen.push(...r.body.items.map((t: Json) => t.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(teams);

    const one = await p.api.call('GET', `/api/v1/sites/${site}/teams/${teams[0]}`);
    expect(one.body).toMatchObject({ name: '钢筋班', subcontractorId: sub.id, siteId: site });
    const subs = await p.api.call('GET', `/api/v1/sites/${site}/subcontractors`);
    expect(subs.body).toEqual({ items: [sub], nextCursor: null });
    expect((await p.api.call('GET', `/api/v1/sites/${otherSite}/teams`)).body.items).toEqual([]);
  });

  it('keeps names unique per site and a team’s sub-contractor on its own site', async () => {
    const dup = await p.api.call('POST', `/api/v1/sites/${site}/teams`, { body: { name: '钢筋班' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');
    // The same name on another site is fine.
    await post(`/api/v1/sites/${otherSite}/teams`, { name: '钢筋班' });
    const foreign = await post(`/api/v1/sites/${otherSite}/subcontractors`, { name: '外地公司' });
    const r = await p.api.call('POST', `/api/v1/sites/${site}/teams`, {
      body: { name: '新班组', subcontractorId: foreign.id },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: 'body.subcontractorId' })]);
    const empty = await p.api.call('POST', `/api/v1/sites/${site}/subcontractors`, { body: { name: '' } });
    expect(empty.body.errors[0].path).toBe('body.name');
  });

  it('renames, changes and removes; a sub-contractor named by a team is kept (409)', async () => {
    const sub = await post(`/api/v1/sites/${site}/subcontractors`, { name: '待改公司' });
    const team = await post(`/api/v1/sites/${site}/teams`, { name: '待改班组', subcontractorId: sub.id });
    const renamed = await p.api.call('PATCH', `/api/v1/sites/${site}/subcontractors/${sub.id}`, {
      body: { name: '已改公司' },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.name).toBe('已改公司');
    const clash = await p.api.call('PATCH', `/api/v1/sites/${site}/teams/${team.id}`, {
      body: { name: '钢筋班' },
    });
    expect(clash.status).toBe(409);

    const kept = await p.api.call('DELETE', `/api/v1/sites/${site}/subcontractors/${sub.id}`);
    expect(kept.status).toBe(409);
    const freed = await p.api.call('PATCH', `/api/v1/sites/${site}/teams/${team.id}`, {
      body: { subcontractorId: null, name: '已改班组' },
    });
    expect(freed.body).toMatchObject({ name: '已改班组', subcontractorId: null });
    expect((await p.api.call('DELETE', `/api/v1/sites/${site}/subcontractors/${sub.id}`)).status).toBe(204);
    expect((await p.api.call('DELETE', `/api/v1/sites/${site}/teams/${team.id}`)).status).toBe(204);
    expect((await p.api.call('GET', `/api/v1/sites/${site}/teams/${team.id}`)).status).toBe(404);
    expect((await p.api.call('DELETE', `/api/v1/sites/${site}/teams/${team.id}`)).status).toBe(404);

    const audit = await p.api.call('GET', `/api/v1/audit?resource=team&resourceId=${team.id}`);
    expect(audit.body.items.map((a: Json) => a.action)).toEqual([
      'team.delete',
      'team.update',
      'team.create',
    ]);
    expect(audit.body.items[0].siteId).toBe(site);
  });

  it('answers 404 for a team or sub-contractor through another site’s path', async () => {
    const team = await post(`/api/v1/sites/${site}/teams`, { name: '跨站班组' });
    const sub = await post(`/api/v1/sites/${site}/subcontractors`, { name: '跨站公司' });
    for (const [method, path, body] of [
      ['GET', `/api/v1/sites/${otherSite}/teams/${team.id}`, undefined],
      ['PATCH', `/api/v1/sites/${otherSite}/teams/${team.id}`, { name: '偷改' }],
      ['DELETE', `/api/v1/sites/${otherSite}/teams/${team.id}`, undefined],
      ['GET', `/api/v1/sites/${otherSite}/subcontractors/${sub.id}`, undefined],
      ['PATCH', `/api/v1/sites/${otherSite}/subcontractors/${sub.id}`, { name: '偷改' }],
      ['DELETE', `/api/v1/sites/${otherSite}/subcontractors/${sub.id}`, undefined],
    ] as const) {
      const r = await p.api.call(method, path, body ? { body } : {});
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect((await p.api.call('GET', `/api/v1/sites/${site}/teams/${team.id}`)).body.name).toBe('跨站班组');
  });

  it('lets a site manager manage its own site’s teams, and an auditor only read', async () => {
    const sm = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'sm-teams', role: 'site_manager', siteIds: [site] },
    });
    const smApi = p.api.as(await p.api.login('sm-teams', sm.body.password));
    const made = await smApi.call('POST', `/api/v1/sites/${site}/teams`, {
      body: { name: '管理员建的班组' },
    });
    expect(made.status, made.text).toBe(201);
    expect((await smApi.call('DELETE', `/api/v1/sites/${site}/teams/${made.body.id}`)).status).toBe(204);
    expect(
      (await smApi.call('POST', `/api/v1/sites/${otherSite}/subcontractors`, { body: { name: 'x' } })).status,
    ).toBe(404);

    const au = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'au-teams', role: 'auditor' },
    });
    const auApi = p.api.as(await p.api.login('au-teams', au.body.password));
    expect((await auApi.call('GET', `/api/v1/sites/${otherSite}/teams`)).status).toBe(200);
    expect((await auApi.call('POST', `/api/v1/sites/${site}/teams`, { body: { name: 'x' } })).status).toBe(
      403,
    );
  });
});

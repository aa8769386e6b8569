/**
 * /api/v1/sites/{siteId}/teams and /subcontractors: the teams (班组) and sub-contractors
 * (参建/分包单位) of a site. Readers of the site read them; site managers manage those of
 * their own sites, operators any. Every row is reached through its site, so an id from
 * another site is a 404 like a site out of scope. A name is unique within its site (409);
 * a team may name one of the same site's sub-contractors, which then cannot be deleted
 * while it is named (409).
 */
import { z } from 'zod';
import { isUniqueViolation } from '../../../store/index.js';
import { cursorId, pageOf, pageQuery } from '../../pagination.js';
import { ApiError, conflict, invalid, notFound } from '../../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../../types.js';
import { ID, siteInScope, siteParams, subcontractorView, teamView, text } from './common.js';

const NAME = text(100);
const teamParams = z.strictObject({ siteId: ID, teamId: ID });
const subParams = z.strictObject({ siteId: ID, subcontractorId: ID });

const noTeam = () => notFound({ en: 'no such team on this site', zh: '该工地没有这个班组' });
const noSub = () => notFound({ en: 'no such sub-contractor on this site', zh: '该工地没有这个参建单位' });
const nameTaken = () => conflict({ en: 'the site has one by this name already', zh: '该工地已有同名记录' });

/** A write whose unique (site, name) key was taken answers 409, not 500. */
async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken();
    throw err;
  }
}

export function sitePartRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['sites'];
  const { teams, subcontractors } = deps.data.store.sites;
  const audit = (
    req: Parameters<typeof principalOf>[0],
    action: string,
    siteId: string,
    id: string,
    name?: string,
  ) =>
    deps.audit.record({
      by: principalOf(req),
      action,
      resource: action.split('.')[0]!,
      resourceId: id,
      siteId,
      ...(name !== undefined ? { detail: { name } } : {}),
    });
  /** The sub-contractor a team names must be one of the same site's. */
  const checkSub = async (siteId: string, subcontractorId: string | null | undefined) => {
    if (subcontractorId && !(await subcontractors.get(siteId, subcontractorId)))
      throw invalid('body.subcontractorId', 'no such sub-contractor on this site');
  };

  // --- teams -------------------------------------------------------------------------
  api.get(
    '/sites/:siteId/teams',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'The site’s teams (班组), oldest first',
        params: siteParams,
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const rows = await teams.page(site.id, cursorId(req.query.cursor), req.query.limit + 1);
      return pageOf(rows, req.query.limit, (t) => [t.id], teamView);
    },
  );

  api.post(
    '/sites/:siteId/teams',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Add a team to the site',
        params: siteParams,
        body: z.strictObject({ name: NAME, subcontractorId: ID.nullable().optional() }),
      },
    },
    async (req, reply) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      await checkSub(site.id, req.body.subcontractorId);
      const now = deps.now();
      const row = {
        id: deps.data.ids.next(),
        siteId: site.id,
        name: req.body.name,
        subcontractorId: req.body.subcontractorId ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await uniqueName(() => teams.insert(row));
      await audit(req, 'team.create', site.id, row.id, row.name);
      reply.code(201).header('location', `/api/v1/sites/${site.id}/teams/${row.id}`);
      return teamView(row);
    },
  );

  api.get(
    '/sites/:siteId/teams/:teamId',
    {
      config: { roles: R.siteReaders },
      schema: { tags, summary: 'One team of the site', params: teamParams },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const team = await teams.get(site.id, req.params.teamId);
      if (!team) throw noTeam();
      return teamView(team);
    },
  );

  api.patch(
    '/sites/:siteId/teams/:teamId',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Rename a team or change its sub-contractor (null: none)',
        params: teamParams,
        body: z.strictObject({ name: NAME.optional(), subcontractorId: ID.nullable().optional() }),
      },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      await checkSub(site.id, req.body.subcontractorId);
      const { name, subcontractorId } = req.body;
      const team = await uniqueName(() =>
        teams.update(
          site.id,
          req.params.teamId,
          {
            ...(name !== undefined ? { name } : {}),
            ...(subcontractorId !== undefined ? { subcontractorId } : {}),
          },
          deps.now(),
        ),
      );
      if (!team) throw noTeam();
      await audit(req, 'team.update', site.id, team.id, team.name);
      return teamView(team);
    },
  );

  api.delete(
    '/sites/:siteId/teams/:teamId',
    {
      config: { roles: R.siteWriters },
      schema: { tags, summary: 'Remove a team from the site', params: teamParams },
    },
    async (req, reply) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      if (!(await teams.delete(site.id, req.params.teamId))) throw noTeam();
      await audit(req, 'team.delete', site.id, req.params.teamId);
      return reply.code(204).send();
    },
  );

  // --- sub-contractors -----------------------------------------------------------------
  api.get(
    '/sites/:siteId/subcontractors',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'The site’s sub-contractors (参建/分包单位), oldest first',
        params: siteParams,
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const rows = await subcontractors.page(site.id, cursorId(req.query.cursor), req.query.limit + 1);
      return pageOf(rows, req.query.limit, (s) => [s.id], subcontractorView);
    },
  );

  api.post(
    '/sites/:siteId/subcontractors',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Add a sub-contractor to the site',
        params: siteParams,
        body: z.strictObject({ name: NAME }),
      },
    },
    async (req, reply) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const now = deps.now();
      const row = {
        id: deps.data.ids.next(),
        siteId: site.id,
        name: req.body.name,
        createdAt: now,
        updatedAt: now,
      };
      await uniqueName(() => subcontractors.insert(row));
      await audit(req, 'subcontractor.create', site.id, row.id, row.name);
      reply.code(201).header('location', `/api/v1/sites/${site.id}/subcontractors/${row.id}`);
      return subcontractorView(row);
    },
  );

  api.get(
    '/sites/:siteId/subcontractors/:subcontractorId',
    {
      config: { roles: R.siteReaders },
      schema: { tags, summary: 'One sub-contractor of the site', params: subParams },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const sub = await subcontractors.get(site.id, req.params.subcontractorId);
      if (!sub) throw noSub();
      return subcontractorView(sub);
    },
  );

  api.patch(
    '/sites/:siteId/subcontractors/:subcontractorId',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Rename a sub-contractor',
        params: subParams,
        body: z.strictObject({ name: NAME.optional() }),
      },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const { name } = req.body;
      const sub = await uniqueName(() =>
        subcontractors.update(
          site.id,
          req.params.subcontractorId,
          name !== undefined ? { name } : {},
          deps.now(),
        ),
      );
      if (!sub) throw noSub();
      await audit(req, 'subcontractor.update', site.id, sub.id, sub.name);
      return subcontractorView(sub);
    },
  );

  api.delete(
    '/sites/:siteId/subcontractors/:subcontractorId',
    {
      config: { roles: R.siteWriters },
      schema: { tags, summary: 'Remove a sub-contractor no team names (else 409)', params: subParams },
    },
    async (req, reply) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const { subcontractorId } = req.params;
      if (await teams.namesSubcontractor(site.id, subcontractorId))
        throw new ApiError('conflict', {
          en: 'a team of the site names this sub-contractor: change the team first',
          zh: '仍有班组隶属该参建单位，请先调整班组',
        });
      if (!(await subcontractors.delete(site.id, subcontractorId))) throw noSub();
      await audit(req, 'subcontractor.delete', site.id, subcontractorId);
      return reply.code(204).send();
    },
  );
}

/**
 * /api/v1/sites: sites (工地) with their address, general contractor (总承包单位),
 * location and geofence. Everyone who reads sites reads those in scope (a site manager
 * only the sites given to the account, 404 for any other); only operators create, change
 * and delete sites. A PATCH merges at the top level (a field given replaces the stored
 * one, null clears it; location and geofence are replaced whole) and honours If-Match.
 * A site is deleted only while nothing depends on it: no device bound, no person ever
 * assigned (409 otherwise). Teams and sub-contractors are in sites/parts.ts.
 */
import { z } from 'zod';
import type { SitePatch } from '../../store/index.js';
import { siteScope } from '../auth/principal.js';
import { checkIfMatch, etagOf, staleError } from '../etag.js';
import { cursorId, pageOf, pageQuery } from '../pagination.js';
import { conflict } from '../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import {
  fenceToleranceSchema,
  geofenceSchema,
  locationSchema,
  noSite,
  siteInScope,
  siteParams,
  siteView,
  text,
  validGeofence,
} from './sites/common.js';
import { sitePartRoutes } from './sites/parts.js';

const fields = {
  address: text(200).nullable().optional(),
  generalContractor: text(100).nullable().optional().describe('总承包单位'),
  location: locationSchema.nullable().optional(),
  geofence: geofenceSchema.nullable().optional(),
  fenceToleranceMeters: fenceToleranceSchema.optional(),
};

/** Lets PATCH bodies say they are merge patches (RFC 7396), parsed as the JSON they are. */
function acceptMergePatch(api: ApiApp): void {
  const type = 'application/merge-patch+json';
  if (!api.hasContentTypeParser(type))
    api.addContentTypeParser(type, { parseAs: 'string' }, api.getDefaultJsonParser('error', 'error'));
}

export function siteRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['sites'];
  const { store } = deps.data;
  acceptMergePatch(api);

  api.get(
    '/sites',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'List the sites in the caller’s scope, oldest first; filter by name prefix',
        querystring: z.strictObject({
          ...pageQuery,
          namePrefix: text(100)
            .optional()
            .describe('only sites whose name starts with this (case-sensitive)'),
        }),
      },
    },
    async (req) => {
      const { limit, cursor, namePrefix } = req.query;
      const ids = siteScope(principalOf(req));
      const afterId = cursorId(cursor);
      const rows = await store.sites.page({
        limit: limit + 1,
        ...(afterId !== undefined ? { afterId } : {}),
        ...(namePrefix !== undefined ? { namePrefix } : {}),
        ...(ids !== undefined ? { ids } : {}),
      });
      return pageOf(rows, limit, (s) => [s.id], siteView);
    },
  );

  api.post(
    '/sites',
    {
      config: { roles: R.operators },
      schema: { tags, summary: 'Create a site', body: z.strictObject({ name: text(100), ...fields }) },
    },
    async (req, reply) => {
      const b = req.body;
      const id = deps.data.ids.next();
      await store.sites.create({
        id,
        name: b.name,
        createdAt: deps.now(),
        address: b.address ?? null,
        generalContractor: b.generalContractor ?? null,
        location: b.location ?? null,
        geofence: b.geofence ? validGeofence(b.geofence) : null,
        fenceToleranceMeters: b.fenceToleranceMeters ?? 0,
      });
      const site = (await store.sites.get(id))!;
      await deps.audit.record({
        by: principalOf(req),
        action: 'site.create',
        resource: 'site',
        resourceId: id,
        siteId: id,
        detail: { name: site.name },
      });
      reply.code(201).header('location', `/api/v1/sites/${id}`).header('etag', etagOf(site.version));
      return siteView(site);
    },
  );

  api.get(
    '/sites/:siteId',
    {
      config: { roles: R.siteReaders },
      schema: { tags, summary: 'One site, with its etag', params: siteParams },
    },
    async (req, reply) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      reply.header('etag', etagOf(site.version));
      return siteView(site);
    },
  );

  api.patch(
    '/sites/:siteId',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Change a site (merge at the top level; If-Match: the etag read, else 412)',
        params: siteParams,
        body: z.strictObject({ name: text(100).optional(), ...fields }),
      },
    },
    async (req, reply) => {
      const { siteId } = req.params;
      const current = await siteInScope(deps, principalOf(req), siteId);
      const expected = checkIfMatch(req.headers['if-match'], current.version);
      const patch: SitePatch = {};
      for (const [k, v] of Object.entries(req.body)) if (v !== undefined) Object.assign(patch, { [k]: v });
      if (patch.geofence) patch.geofence = validGeofence(patch.geofence);
      let site = current;
      if (Object.keys(patch).length > 0) {
        const r = await store.sites.update(siteId, patch, deps.now(), expected);
        if (r === 'not_found') throw noSite(siteId);
        if (r === 'stale') throw staleError();
        site = r;
        await deps.audit.record({
          by: principalOf(req),
          action: 'site.update',
          resource: 'site',
          resourceId: siteId,
          siteId,
          detail: { fields: Object.keys(patch) },
        });
      }
      reply.header('etag', etagOf(site.version));
      return siteView(site);
    },
  );

  api.delete(
    '/sites/:siteId',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Delete a site no device is bound to and no person was ever assigned to (else 409)',
        params: siteParams,
      },
    },
    async (req, reply) => {
      const { siteId } = req.params;
      const site = await siteInScope(deps, principalOf(req), siteId);
      const expected = checkIfMatch(req.headers['if-match'], site.version);
      const devices = (await store.deviceTasks.idsOfSite(siteId)).length;
      if (devices > 0)
        throw conflict({
          en: `${devices} device(s) are bound to the site: bind them elsewhere first`,
          zh: `工地仍绑定 ${devices} 台设备，请先解绑`,
        });
      const persons = await store.persons.countActive(siteId);
      if (persons > 0)
        throw conflict({
          en: `${persons} person(s) are assigned to the site: end their assignments first`,
          zh: `工地仍有 ${persons} 名在场人员，请先办理退场`,
        });
      const r = await store.sites.delete(siteId, expected);
      if (r === 'not_found') throw noSite(siteId);
      if (r === 'stale') throw staleError();
      if (r === 'in_use')
        throw conflict({
          en: 'the site has a history (persons were assigned to it): it is kept',
          zh: '工地已有人员进退场记录，不能删除',
        });
      await deps.audit.record({
        by: principalOf(req),
        action: 'site.delete',
        resource: 'site',
        resourceId: siteId,
        siteId,
        detail: { name: site.name },
      });
      return reply.code(204).send();
    },
  );

  sitePartRoutes(api, deps);
}

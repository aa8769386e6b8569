/**
 * Reading persons: the platform-wide list (keyset on id; a site manager's is the persons
 * ever assigned to the account's sites), one person (masked, photos by signed URL: the
 * photos are biometric data, so every such read is audited), a site's roster (persons
 * with an active assignment there, keyset on person id), and where a person stands on
 * each device (expected or not, the state, and why it failed or was refused).
 */
import { z } from 'zod';
import { siteScope } from '../../auth/principal.js';
import { cursorId, pageOf, pageQuery } from '../../pagination.js';
import { isoCst } from '../../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../../types.js';
import { siteInScope, siteParams } from '../sites/common.js';
import { ID, ID_NUMBER, personParams, text, visiblePerson } from './common.js';
import { assignmentView, personListView, personView } from './views.js';

export function personReadRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['persons'];
  const { store } = deps.data;

  api.get(
    '/persons',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'List persons in id (enrolment) order; ID numbers masked',
        querystring: z.strictObject({
          ...pageQuery,
          siteId: ID.optional().describe('only persons ever assigned to this site'),
          name: text(64).optional().describe('only names starting with this (case-sensitive)'),
          idNumber: ID_NUMBER.optional().describe('exactly this ID number (matched by its keyed hash)'),
          status: z.enum(['active', 'erased']).default('active'),
          review: z
            .enum(['none', 'required', 'accepted', 'rejected'])
            .optional()
            .describe('only persons in this face-vs-ID-card review state (required: flagged, to settle)'),
        }),
      },
    },
    async (req) => {
      const { limit, cursor, siteId, name, idNumber, status, review } = req.query;
      const scope = siteScope(principalOf(req));
      let siteIds: readonly string[] | undefined;
      if (siteId !== undefined) siteIds = scope === undefined || scope.includes(siteId) ? [siteId] : [];
      else siteIds = scope;
      const after = cursorId(cursor);
      const rows = await store.persons.page({
        limit: limit + 1,
        status,
        ...(after !== undefined ? { afterId: after } : {}),
        ...(name !== undefined ? { namePrefix: name } : {}),
        ...(idNumber !== undefined ? { idNumberHash: deps.data.persons.idNumberHash(idNumber) } : {}),
        ...(siteIds !== undefined ? { siteIds } : {}),
        ...(review !== undefined ? { review } : {}),
      });
      return pageOf(
        rows,
        limit,
        (p) => [p.id],
        (p) => personListView(deps, p),
      );
    },
  );

  api.get(
    '/persons/:personId',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'One person: masked ID number and phone, signed photo URLs, assignments, etag',
        params: personParams,
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { person, assignments } = await visiblePerson(deps, by, req.params.personId);
      if (person.photoKeys.length > 0)
        await deps.audit.record({
          by,
          action: 'person.view',
          resource: 'person',
          resourceId: person.id,
          detail: { photos: person.photoKeys.length },
        });
      reply.header('etag', `"${person.version}"`).header('cache-control', 'no-store');
      return personView(deps, req, person, assignments);
    },
  );

  api.get(
    '/persons/:personId/distribution',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'Where the person stands on each device: expected or not, state, reason',
        params: personParams,
      },
    },
    async (req) => {
      const by = principalOf(req);
      const { person } = await visiblePerson(deps, by, req.params.personId);
      const scope = siteScope(by);
      // Expected: the device's site has the person actively assigned.
      const activeSites = new Set(
        (await store.assignments.ofPerson(person.id))
          .filter((a) => a.status === 'active')
          .map((a) => a.siteId),
      );
      const items = [];
      for (const d of await store.distribution.forPerson(person.id)) {
        const device = await store.devices.byId(d.deviceId);
        const siteId = device?.siteId ?? null;
        if (scope !== undefined && (siteId === null || !scope.includes(siteId))) continue;
        items.push({
          deviceId: d.deviceId,
          sn: device?.sn ?? null,
          siteId,
          expected: siteId !== null && activeSites.has(siteId),
          state: d.state,
          reason: d.reason,
          taskId: d.taskId,
          updatedAt: isoCst(d.updatedAt),
        });
      }
      return { personId: person.id, items };
    },
  );

  api.get(
    '/sites/:siteId/persons',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'A site’s roster: persons with an active assignment there, in person id order',
        params: siteParams,
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const { limit, cursor } = req.query;
      const rows = await store.persons.rosterPage(site.id, cursorId(cursor), limit + 1);
      return pageOf(
        rows,
        limit,
        (r) => [r.person.id],
        (r) => ({ ...personListView(deps, r.person), assignment: assignmentView(r.assignment) }),
      );
    },
  );
}

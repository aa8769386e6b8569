/**
 * The ID card's images (§1.1(1) 照片, §1.1(2) front and back), opened from their sealed
 * blobs for the roles that may see personal data (api.md "Personal data": as the
 * identity endpoint), each read audited; and the review of a face-vs-ID-card mismatch
 * the policy 'flag' enrolled (§1.1(4)), settled by an admin, operator or the labour
 * (site) manager of a site the person is on, audited.
 */
import { z } from 'zod';
import { siteScope } from '../../auth/principal.js';
import { checkIfMatch, etagOf } from '../../etag.js';
import { notFound } from '../../problems.js';
import { type ApiApp, type ApiDeps, principalOf } from '../../types.js';
import { activePerson, domain, ID, noPerson } from './common.js';
import { IDENTITY_ROLES } from './identity.js';
import { personView } from './views.js';

const CONTENT_TYPE = { jpg: 'image/jpeg', png: 'image/png' } as const;
export const CARD_IMAGES = ['photo', 'front', 'back'] as const;

export function personCardRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['persons'];
  const { persons } = deps.data;

  api.get(
    '/persons/:personId/id-card/:image',
    {
      config: { roles: IDENTITY_ROLES },
      schema: {
        tags,
        summary: 'The ID card’s photo, front or back image, unsealed (audited)',
        params: z.strictObject({ personId: ID, image: z.enum(CARD_IMAGES) }),
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { person, assignments } = await activePerson(deps, by, req.params.personId);
      // As the identity: a site manager only for a worker still on one of the account's sites.
      if (siteScope(by) !== undefined && !assignments.some((a) => a.status === 'active'))
        throw noPerson(person.id);
      const img = await persons.cardImage(person, req.params.image);
      if (!img)
        throw notFound({
          en: `person ${person.id} has no ID card ${req.params.image}`,
          zh: '没有该身份证图像',
        });
      await deps.audit.record({
        by,
        action: 'person.id_card.view',
        resource: 'person',
        resourceId: person.id,
        siteId: assignments.find((a) => a.status === 'active')?.siteId ?? null,
        detail: { image: req.params.image },
      });
      reply.header('content-type', CONTENT_TYPE[img.ext]).header('cache-control', 'no-store');
      return reply.send(Buffer.from(img.bytes));
    },
  );

  api.post(
    '/persons/:personId/review',
    {
      config: { roles: IDENTITY_ROLES },
      schema: {
        tags,
        summary: 'Accept or reject a person enrolled with a face-vs-ID-card mismatch (policy flag); If-Match',
        params: z.strictObject({ personId: ID }),
        body: z.strictObject({
          decision: z.enum(['accepted', 'rejected']).describe('rejected: the person leaves every site'),
          note: z.string().max(500).optional().describe('why, for the audit log'),
        }),
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { person, assignments } = await activePerson(deps, by, req.params.personId);
      if (siteScope(by) !== undefined && !assignments.some((a) => a.status === 'active'))
        throw noPerson(person.id);
      const expected = checkIfMatch(req.headers['if-match'], person.version);
      const { decision, note } = req.body;
      const updated = await domain(() => persons.review(person.id, decision, by.username, expected));
      await deps.audit.record({
        by,
        action: 'person.review',
        resource: 'person',
        resourceId: person.id,
        siteId: assignments.find((a) => a.status === 'active')?.siteId ?? null,
        detail: {
          decision,
          score: person.faceMatch.score,
          threshold: person.faceMatch.threshold,
          ...(note ? { note } : {}),
        },
      });
      reply.header('etag', etagOf(updated.version));
      const after = await deps.data.store.assignments.ofPerson(person.id);
      const scope = siteScope(by);
      return personView(
        deps,
        req,
        updated,
        scope === undefined ? after : after.filter((a) => scope.includes(a.siteId)),
      );
    },
  );
}

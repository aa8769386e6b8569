/**
 * GET /persons/{id}/identity: the one place the sealed fields come out unmasked (api.md
 * "Personal data"): the ID card's fields (§1.1(1)), the birth date the ID number carries,
 * the phone, and where to read the ID card's sealed images (card.ts). Every call is written to the audit
 * log: who, which person, which fields (never their values), when, from which address.
 *
 * Who may: admins and operators for anyone; a site manager only for a person actively
 * assigned to one of the account's sites (a worker who left is none of theirs any more).
 * Auditors may not: they audit who looked, and need not see what was looked at (PIPL's
 * minimum necessary); the masked reads are theirs.
 */
import { birthDateOf } from '../../../tasks/persons.js';
import { siteScope } from '../../auth/principal.js';
import type { ApiApp, ApiDeps } from '../../types.js';
import { principalOf } from '../../types.js';
import { activePerson, noPerson, personParams } from './common.js';

/** The API path of a card image, or null when there is none. */
const cardLink = (personId: string, image: string, key: string | null) =>
  key === null ? null : { url: `/api/v1/persons/${personId}/id-card/${image}` };

export const IDENTITY_ROLES = ['admin', 'operator', 'site_manager'] as const;

export function personIdentityRoutes(api: ApiApp, deps: ApiDeps): void {
  api.get(
    '/persons/:personId/identity',
    {
      config: { roles: IDENTITY_ROLES },
      schema: {
        tags: ['persons'],
        summary: 'Reveal the ID card fields and phone, unmasked (audited)',
        params: personParams,
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { person, assignments } = await activePerson(deps, by, req.params.personId);
      if (siteScope(by) !== undefined && !assignments.some((a) => a.status === 'active'))
        throw noPerson(person.id);
      const pii = deps.data.persons.pii(person);
      const identity = {
        personId: person.id,
        name: person.name,
        idNumber: pii.idNumber,
        birthDate: birthDateOf(pii.idNumber),
        gender: pii.gender ?? null,
        ethnicity: pii.ethnicity ?? null,
        address: pii.address ?? null,
        validFrom: pii.validFrom ?? null,
        validTo: pii.validTo ?? null,
        issuingAuthority: pii.issuingAuthority ?? null,
        phone: pii.phone ?? null,
        // Sealed images: read through the API (card.ts), audited, never a signed device URL.
        idCardPhoto: cardLink(person.id, 'photo', person.idCardPhotoKey),
        idCardFront: cardLink(person.id, 'front', person.idCardFrontKey),
        idCardBack: cardLink(person.id, 'back', person.idCardBackKey),
      };
      await deps.audit.record({
        by,
        action: 'person.identity.reveal',
        resource: 'person',
        resourceId: person.id,
        siteId: assignments.find((a) => a.status === 'active')?.siteId ?? null,
        detail: {
          fields: Object.entries(identity)
            .filter(([k, v]) => v !== null && k !== 'personId' && k !== 'name')
            .map(([k]) => k),
        },
      });
      reply.header('cache-control', 'no-store');
      return identity;
    },
  );
}

/**
 * Changing persons: enrol (once per ID number on the platform: a second enrolment of the
 * same number is 409 naming the person who holds it), merge-PATCH the identity and
 * replace its face photos (both with If-Match on the etag), and erase (PIPL: the sealed
 * fields, the name and every photo file go; the assignments end, so every device deletes
 * the person; attendance rows stay with the person id, their clock-in photos go).
 *
 * A site manager enrols onto the account's own sites (at least one assignment, each on
 * one of them); erasure is for operators, as it reaches every site the person worked on.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AssignmentRow } from '../../../store/index.js';
import {
  type AssignmentInput,
  type PersonPii,
  type PersonUpdate,
  PII_OPTIONAL,
} from '../../../tasks/persons.js';
import { canSeeSite, siteScope } from '../../auth/principal.js';
import { checkIfMatch, etagOf } from '../../etag.js';
import { invalid } from '../../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../../types.js';
import {
  activePerson,
  decodePhoto,
  decodePhotos,
  domain,
  FACES_MAX,
  ID_NUMBER,
  newAssignment,
  personParams,
  photoText,
  piiFields,
  text,
} from './common.js';
import { personView } from './views.js';

const optionalPii = Object.fromEntries(Object.entries(piiFields).map(([k, v]) => [k, v.optional()])) as {
  [K in keyof typeof piiFields]: z.ZodOptional<(typeof piiFields)[K]>;
};
const nullablePii = Object.fromEntries(
  Object.entries(piiFields).map(([k, v]) => [k, v.nullable().optional()]),
) as {
  [K in keyof typeof piiFields]: z.ZodOptional<z.ZodNullable<(typeof piiFields)[K]>>;
};

export const createBody = z.strictObject({
  name: text(64).describe('姓名, as devices show it'),
  idNumber: ID_NUMBER,
  ...optionalPii,
  photos: z.array(photoText).min(1).max(FACES_MAX).describe('face photos (§1.2), base64'),
  idCardPhoto: photoText
    .optional()
    .describe('the ID card’s own photo (§1.1(1) 照片), base64; compared with photos[0]'),
  idCardFront: photoText.optional().describe('the ID card’s front image (§1.1(2)), base64; stored sealed'),
  idCardBack: photoText.optional().describe('the ID card’s back image (§1.1(2)), base64; stored sealed'),
  assignments: z.array(newAssignment).max(20).optional().describe('sites to assign the person to at once'),
});

/** Body keys that are pictures or assignments, not identity fields (the audit names the fields). */
const NOT_FIELDS = new Set(['photos', 'idCardPhoto', 'idCardFront', 'idCardBack', 'assignments']);

/** The card's images of a body, decoded (a 400 naming the one that is not base64). */
export function cardImages(b: { idCardPhoto?: string; idCardFront?: string; idCardBack?: string }) {
  const out: { idCardPhoto?: Uint8Array; idCardFront?: Uint8Array; idCardBack?: Uint8Array } = {};
  for (const k of ['idCardPhoto', 'idCardFront', 'idCardBack'] as const) {
    const v = b[k];
    if (v !== undefined) out[k] = decodePhoto(v, `body.${k}`);
  }
  return out;
}

export const assignmentInput = (a: z.infer<typeof newAssignment>): AssignmentInput => ({
  siteId: a.siteId,
  company: a.company ?? null,
  team: a.team ?? null,
  trade: a.trade ?? null,
  ...(a.joinedOn !== undefined ? { joinedOn: a.joinedOn } : {}),
  leftOn: a.leftOn ?? null,
});

/** Every site named is one the caller may act on, and named once (before anything is stored). */
async function checkSites(deps: ApiDeps, req: FastifyRequest, list: z.infer<typeof newAssignment>[]) {
  const by = principalOf(req);
  if (siteScope(by) !== undefined && list.length === 0)
    throw invalid(
      'body.assignments',
      'a site manager enrols persons onto the account’s sites: assign at least one',
    );
  const seen = new Set<string>();
  for (const [i, a] of list.entries()) {
    const path = `body.assignments.${i}`;
    if (!canSeeSite(by, a.siteId) || !(await deps.data.store.sites.get(a.siteId)))
      throw invalid(`${path}.siteId`, 'no such site');
    if (seen.has(a.siteId)) throw invalid(`${path}.siteId`, 'the same site twice');
    seen.add(a.siteId);
    if (a.leftOn && a.joinedOn && a.leftOn < a.joinedOn)
      throw invalid(`${path}.leftOn`, 'leftOn is before joinedOn');
  }
}

export function personWriteRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['persons'];
  const { persons } = deps.data;

  api.post(
    '/persons',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Enrol a person once (409 with the existing person when the ID number is enrolled already)',
        body: createBody,
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const b = req.body;
      const list = b.assignments ?? [];
      await checkSites(deps, req, list);
      const photos = decodePhotos(b.photos, 'body.photos');
      const card = cardImages(b);
      const pii: PersonPii = { idNumber: b.idNumber };
      for (const f of PII_OPTIONAL) if (b[f] !== undefined) pii[f] = b[f];
      const person = await domain(() => persons.enrol({ ...pii, name: b.name, photos, ...card }));
      const made: AssignmentRow[] = [];
      for (const [i, a] of list.entries())
        made.push(
          (
            await domain(
              () => persons.assignments.assign(person, assignmentInput(a)),
              `body.assignments.${i}`,
            )
          ).assignment,
        );
      await deps.audit.record({
        by,
        action: 'person.create',
        resource: 'person',
        resourceId: person.id,
        siteId: made[0]?.siteId ?? null,
        detail: {
          fields: Object.keys(b).filter((k) => !NOT_FIELDS.has(k)),
          photos: photos.length,
          idCardPhoto: card.idCardPhoto !== undefined,
          idCardFront: card.idCardFront !== undefined,
          idCardBack: card.idCardBack !== undefined,
          faceMatch: person.faceMatch.outcome,
          review: person.faceMatch.review,
          sites: made.map((a) => a.siteId),
        },
      });
      reply
        .code(201)
        .header('location', `/api/v1/persons/${person.id}`)
        .header('etag', etagOf(person.version));
      return personView(deps, req, person, made);
    },
  );

  api.patch(
    '/persons/:personId',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Change the identity (JSON merge: null clears a field); If-Match with the etag',
        params: personParams,
        body: z.strictObject({
          name: text(64).optional(),
          idNumber: ID_NUMBER.optional(),
          ...nullablePii,
          idCardPhoto: photoText.nullable().optional(),
          idCardFront: photoText.nullable().optional(),
          idCardBack: photoText.nullable().optional(),
        }),
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { person, assignments } = await activePerson(deps, by, req.params.personId);
      const expected = checkIfMatch(req.headers['if-match'], person.version);
      const { idCardPhoto, idCardFront, idCardBack, ...rest } = req.body;
      let updated = person;
      if (Object.keys(req.body).length > 0) {
        const patch: PersonUpdate = { ...rest };
        const images = { idCardPhoto, idCardFront, idCardBack };
        for (const [k, v] of Object.entries(images) as [keyof typeof images, string | null | undefined][])
          if (v !== undefined) patch[k] = v === null ? null : decodePhoto(v, `body.${k}`);
        updated = await domain(() => persons.update(person.id, patch, expected));
        await deps.audit.record({
          by,
          action: 'person.update',
          resource: 'person',
          resourceId: person.id,
          detail: { fields: Object.keys(req.body) },
        });
      }
      reply.header('etag', etagOf(updated.version));
      return personView(deps, req, updated, assignments);
    },
  );

  api.put(
    '/persons/:personId/photos',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Replace the face photos (§1.2); sent again to the devices of every site the person is on',
        params: personParams,
        body: z.strictObject({ photos: z.array(photoText).min(1).max(FACES_MAX) }),
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const { person, assignments } = await activePerson(deps, by, req.params.personId);
      const expected = checkIfMatch(req.headers['if-match'], person.version);
      const photos = decodePhotos(req.body.photos, 'body.photos');
      const updated = await domain(() => persons.setPhotos(person.id, photos, expected));
      await deps.audit.record({
        by,
        action: 'person.photos',
        resource: 'person',
        resourceId: person.id,
        detail: { photos: photos.length },
      });
      reply.header('etag', etagOf(updated.version));
      return personView(deps, req, updated, assignments);
    },
  );

  api.delete(
    '/persons/:personId',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary: 'Erase the person (PIPL): sealed fields, name and photos deleted; attendance rows kept',
        params: personParams,
      },
    },
    async (req) => {
      const by = principalOf(req);
      const { person } = await activePerson(deps, by, req.params.personId);
      checkIfMatch(req.headers['if-match'], person.version);
      // Clock-in photos first: should it fail, the person is still there to erase again.
      const attendance = deps.attendanceErasure
        ? await deps.attendanceErasure.erasePerson(person.id)
        : undefined;
      const r = await domain(() => persons.erase(person.id));
      // Erase took the iris files with the other photos; the rows that named them go too.
      await deps.data.iris.erased(person.id);
      await deps.audit.record({
        by,
        action: 'person.erase',
        resource: 'person',
        resourceId: person.id,
        detail: { ...r, attendancePhotosDeleted: attendance?.photos ?? null },
      });
      return {
        personId: person.id,
        status: 'erased' as const,
        photosDeleted: r.photosDeleted,
        assignmentsEnded: r.assignmentsEnded,
        attendancePhotosDeleted: attendance?.photos ?? null,
      };
    },
  );
}

/**
 * POST /api/v1/enrolment-checks: the enrolment check without enrolling (issue 11 item 6),
 * for the console to show a labour manager what a capture would be refused for before
 * it is submitted. Runs the very check POST /persons runs (enrolment/check.ts): the ID
 * card rules on the fields given, each face photo's rules, the card images, the
 * face-vs-card 1:1 and what the policy would make of it. Stores nothing, so nothing is
 * audited; 200 whether the rules pass or not (the verdicts are the answer).
 */
import { z } from 'zod';
import { isoDate } from '../time.js';
import { type ApiApp, type ApiDeps, R } from '../types.js';
import { decodePhotos, domain, FACES_MAX, ID_NUMBER, photoText, text } from './persons/common.js';
import { cardImages } from './persons/write.js';

const body = z.strictObject({
  idNumber: ID_NUMBER.optional().describe('checked with the card fields when given'),
  gender: text(16).optional(),
  ethnicity: text(32).optional(),
  validFrom: isoDate.optional(),
  validTo: z.union([isoDate, z.literal('长期')]).optional(),
  photos: z.array(photoText).max(FACES_MAX).optional().describe('face photos (§1.2), base64'),
  idCardPhoto: photoText.optional().describe('the card’s own photo, base64: compared with photos[0]'),
  idCardFront: photoText.optional(),
  idCardBack: photoText.optional(),
});

export function enrolmentCheckRoutes(api: ApiApp, deps: ApiDeps): void {
  api.post(
    '/enrolment-checks',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags: ['persons'],
        summary: 'Run every enrolment rule on a would-be enrolment and answer each verdict; stores nothing',
        body,
      },
    },
    async (req) => {
      const b = req.body;
      const { persons } = deps.data;
      const card =
        b.idNumber === undefined
          ? undefined
          : {
              idNumber: b.idNumber.toUpperCase(),
              ...(b.gender !== undefined ? { gender: b.gender } : {}),
              ...(b.ethnicity !== undefined ? { ethnicity: b.ethnicity } : {}),
              ...(b.validFrom !== undefined ? { validFrom: b.validFrom } : {}),
              ...(b.validTo !== undefined ? { validTo: b.validTo } : {}),
            };
      const photos = b.photos ? decodePhotos(b.photos, 'body.photos') : [];
      const images = cardImages(b);
      const c = await domain(() => persons.check({ ...(card ? { card } : {}), photos, ...images }));
      return {
        ok: c.refusals.length === 0,
        verdicts: c.verdicts,
        refusals: c.refusals.map((v) => ({ ...v, path: `body.${v.field}` })),
        faceMatch: c.faceMatch,
        policy: persons.faceMatchPolicy,
        review: c.review,
        faceDetector: persons.detectingFaces ? 'human' : 'off',
      };
    },
  );
}

/**
 * A person's iris images (issue 11 item 4, 技术要求 1.1(5)(6), 1.2(2)), one per eye:
 *
 *   PUT    /persons/{id}/iris/{eye}   { image: base64 640×480 8-bit grey BMP }
 *   GET    /persons/{id}/iris         both eyes
 *   GET    /persons/{id}/iris/{eye}   one eye
 *   DELETE /persons/{id}/iris/{eye}
 *
 * The check runs before anything is stored: a refusal is 400 validation_failed naming
 * every failed rule (code, the measured value). What is kept is readable, as face photos
 * are, only through signed, expiring URLs in the answer: the BMP as received and its
 * lossless JPEG 2000 export. Roles as face photos: site writers change, site readers read.
 * A stored or removed image sends the person again to the devices of their sites.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { IrisBusyError } from '../../../iris/pool.js';
import { EYES, type Eye, type PersonIrisRow } from '../../../store/index.js';
import { ApiError, notFound } from '../../problems.js';
import { isoCst } from '../../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../../types.js';
import { activePerson, decodePhoto, domain, ID, visiblePerson } from './common.js';
import { photoLink } from './views.js';

/**
 * The eye is checked by the handler, not the schema: an unknown eye is a resource that
 * does not exist (404), and the body's own problems are reported first, as on every route.
 */
const eyeParams = z.strictObject({ personId: ID, eye: z.string().max(100).describe('left or right') });

function eyeOf(eye: string): Eye {
  if ((EYES as readonly string[]).includes(eye)) return eye as Eye;
  throw notFound({ en: `no eye ${eye}: left or right`, zh: '眼别只能是 left 或 right' });
}
/** 308,278 bytes for the one size §1.2(2) allows; base64 a third more. */
const irisText = z
  .string()
  .min(1)
  .max(500_000)
  .describe('base64 BMP: 640 × 480 pixels, 8-bit single-channel grey (GB/T 26237.6 VGA)');

function irisView(deps: ApiDeps, req: FastifyRequest, r: PersonIrisRow) {
  return {
    eye: r.eye,
    irisRadius: r.irisRadius,
    pupilRadius: r.pupilRadius,
    grey: r.grey,
    createdAt: isoCst(r.createdAt),
    bmp: photoLink(deps, req, r.rawKey),
    jp2: photoLink(deps, req, r.jp2Key),
  };
}

export function personIrisRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['persons'];
  const { iris } = deps.data;

  api.put(
    '/persons/:personId/iris/:eye',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary:
          'Store an iris image (§1.2(2)), checked first (§1.1(5)(6)); sent again to the person’s devices',
        params: eyeParams,
        body: z.strictObject({ image: irisText }),
      },
    },
    async (req) => {
      const by = principalOf(req);
      const eye = eyeOf(req.params.eye);
      const { person } = await activePerson(deps, by, req.params.personId);
      const bmp = decodePhoto(req.body.image, 'body.image');
      let r: Awaited<ReturnType<typeof iris.store>>;
      try {
        r = await domain(() => iris.store(person.id, eye, bmp));
      } catch (e) {
        if (e instanceof IrisBusyError)
          throw new ApiError('unavailable', { en: e.message, zh: '虹膜检测繁忙，请稍后重试' }, undefined, {
            'retry-after': '1',
          });
        throw e;
      }
      if (!r.stored) {
        const failed = r.verdicts.filter((v) => !v.ok);
        throw new ApiError(
          'validation_failed',
          undefined,
          failed.map((v) => ({
            path: 'body.image',
            message: `${v.code}: ${v.message}`,
            code: v.code,
            value: v.value,
          })),
        );
      }
      await deps.audit.record({
        by,
        action: 'person.iris',
        resource: 'person',
        resourceId: person.id,
        detail: { eye: r.row.eye, irisRadius: r.row.irisRadius, grey: r.row.grey },
      });
      return { ...irisView(deps, req, r.row), verdicts: r.verdicts };
    },
  );

  api.get(
    '/persons/:personId/iris',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags,
        summary: 'The person’s iris images, by signed URL (BMP and JPEG 2000)',
        params: z.strictObject({ personId: ID }),
      },
    },
    async (req) => {
      const { person } = await visiblePerson(deps, principalOf(req), req.params.personId);
      const rows = person.status === 'active' ? await domain(() => iris.list(person.id)) : [];
      return { items: rows.map((r) => irisView(deps, req, r)) };
    },
  );

  api.get(
    '/persons/:personId/iris/:eye',
    {
      config: { roles: R.siteReaders },
      schema: { tags, summary: 'One iris image, by signed URL (BMP and JPEG 2000)', params: eyeParams },
    },
    async (req) => {
      const eye = eyeOf(req.params.eye);
      const { person } = await activePerson(deps, principalOf(req), req.params.personId);
      const row = await domain(() => iris.get(person.id, eye));
      if (!row)
        throw notFound({
          en: `person ${person.id} has no ${eye} iris image`,
          zh: '没有该虹膜图像',
        });
      return irisView(deps, req, row);
    },
  );

  api.delete(
    '/persons/:personId/iris/:eye',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Delete an iris image (its files too); the person’s devices are updated',
        params: eyeParams,
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const eye = eyeOf(req.params.eye);
      const { person } = await activePerson(deps, by, req.params.personId);
      const gone = await domain(() => iris.remove(person.id, eye));
      if (!gone)
        throw notFound({
          en: `person ${person.id} has no ${eye} iris image`,
          zh: '没有该虹膜图像',
        });
      await deps.audit.record({
        by,
        action: 'person.iris.delete',
        resource: 'person',
        resourceId: person.id,
        detail: { eye },
      });
      return reply.code(204).send();
    },
  );
}

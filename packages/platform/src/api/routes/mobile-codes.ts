/**
 * One-time codes for registering a worker's phone (issue 14, docs/api.md "Mobile codes"):
 *
 *   POST /sites/{siteId}/mobile-codes   { personId, validHours? } → 201 { code, …, url }
 *
 * The code lets a phone become a device of the site speaking for its person, so only
 * those who change a site's workers make one (admin, operator, the site's managers); a
 * site manager's other sites are 404, and so is a person not on the site's roster. The
 * code is shown once: only its keyed hash is stored (domain/mobile/codes.ts).
 */
import { z } from 'zod';
import {
  CODE_DEFAULT_HOURS,
  CODE_MAX_HOURS,
  CODE_MAX_TRIES,
  MobileCodeError,
} from '../../domain/mobile/codes.js';
import { notFound } from '../problems.js';
import { isoCst } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { ID, siteInScope, siteParams } from './sites/common.js';

/** Where the phone page takes a code from (its URL fragment never reaches a server log). */
export const codeUrl = (code: string) => `/m/#code=${code}`;

export function mobileCodeRoutes(api: ApiApp, deps: ApiDeps): void {
  api.post(
    '/sites/:siteId/mobile-codes',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags: ['sites'],
        summary: `A one-time code (8 digits, shown once) for a worker on the site's roster to register their phone; ${CODE_MAX_TRIES} wrong ID-number tails burn it`,
        params: siteParams,
        body: z.strictObject({
          personId: ID.describe("a person on the site's roster"),
          validHours: z
            .number()
            .int()
            .min(1)
            .max(CODE_MAX_HOURS)
            .optional()
            .describe(`hours the code is valid (default ${CODE_DEFAULT_HOURS})`),
        }),
        response: {
          201: z.object({
            code: z.string().describe('8 decimal digits; shown once, stored only as a keyed hash'),
            siteId: z.string(),
            personId: z.string(),
            expiresAt: z.string().describe('ISO 8601, +08:00'),
            url: z.string().describe('the phone page with the code in its fragment: /m/#code=<code>'),
          }),
        },
      },
    },
    async (req, reply) => {
      const by = principalOf(req);
      const site = await siteInScope(deps, by, req.params.siteId);
      const { personId, validHours } = req.body;
      let made: Awaited<ReturnType<typeof deps.data.mobile.codes.create>>;
      try {
        made = await deps.data.mobile.codes.create({
          siteId: site.id,
          personId,
          createdBy: by.accountId,
          ...(validHours !== undefined ? { validHours } : {}),
        });
      } catch (e) {
        if (!(e instanceof MobileCodeError)) throw e;
        throw notFound({
          en: `no person ${personId} on the roster of site ${site.id}`,
          zh: '该工地花名册中没有此人员',
        });
      }
      await deps.audit.record({
        by,
        action: 'site.mobile_code.create',
        resource: 'person',
        resourceId: personId,
        siteId: site.id,
        // Never the code itself.
        detail: { codeId: made.row.id, expiresAt: isoCst(made.row.expiresAt) },
      });
      reply.code(201).header('cache-control', 'no-store');
      return {
        code: made.code,
        siteId: site.id,
        personId,
        expiresAt: isoCst(made.row.expiresAt),
        url: codeUrl(made.code),
      };
    },
  );
}

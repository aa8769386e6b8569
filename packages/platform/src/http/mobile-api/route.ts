/**
 * The phone API (issue 14, contracts §2; docs/protocol.md 12, our extension): what the
 * attendance page needs besides the bridge, under /api/mobile/v1 like it and outside the
 * management API (no login, no session, no cookies, no CORS answer).
 *
 *   GET  /api/mobile/v1/time       { now: <epoch ms> }: the page's clock offset (the
 *                                  standard's timeStamp window is checked against it)
 *   POST /api/mobile/v1/register   { code | personCode, idLast6 } → 201 the phone's sn and
 *                                  own credentials (domain/mobile/registration.ts)
 *
 * Errors are the management API's problem documents (RFC 9457, api.md): 400
 * validation_failed, 422 mobile_code_invalid / id_mismatch, 429 rate_limited. JSON only.
 */
import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Audit } from '../../api/audit.js';
import { sendProblem } from '../../api/errors.js';
import { ApiError } from '../../api/problems.js';
import { type MobileRegistration, RegisterError } from '../../domain/mobile/registration.js';
import type { Logger } from '../../log.js';

export const MOBILE_TIME_PATH = '/api/mobile/v1/time';
export const MOBILE_REGISTER_PATH = '/api/mobile/v1/register';

export interface MobileApiDeps {
  registration: Pick<MobileRegistration, 'register'>;
  audit: Pick<Audit, 'record' | 'note'>;
  logger: Logger;
  now(): number;
}

const registerBody = z
  .strictObject({
    code: z
      .string()
      .regex(/^\d{8}$/, '8 decimal digits')
      .optional()
      .describe('the one-time code from the site manager'),
    personCode: z.string().min(1).max(512).optional().describe("the worker's person QR code (its codeValue)"),
    idLast6: z
      .string()
      .regex(/^\d{5}[\dXx]$/, 'the last 6 characters of the ID number: 5 digits and a digit or X'),
  })
  .refine((b) => (b.code === undefined) !== (b.personCode === undefined), {
    message: 'exactly one of code and personCode',
  });

const TEXT: Record<RegisterError['code'], { en: string; zh: string }> = {
  mobile_code_invalid: {
    en: 'the code is unknown, expired or used, or the person QR code is not valid for a site you are on',
    zh: '注册码无效、已过期或已使用，或人员二维码在所属工地无效',
  },
  id_mismatch: {
    en: 'the last 6 characters of the ID number do not match',
    zh: '身份证号后六位不符',
  },
  rate_limited: {
    en: 'too many failed registrations from this address: try again later',
    zh: '注册失败次数过多，请稍后再试',
  },
};

export const mobileApi: FastifyPluginAsync<MobileApiDeps> = async (scope, deps) => {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, req, reply) => sendProblem(req, reply, err));
  app.removeContentTypeParser('text/plain');

  app.get(MOBILE_TIME_PATH, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return { now: deps.now() };
  });

  app.post(MOBILE_REGISTER_PATH, { bodyLimit: 4096, schema: { body: registerBody } }, async (req, reply) => {
    const b = req.body;
    const input =
      b.code !== undefined
        ? { code: b.code, idLast6: b.idLast6 }
        : { personCode: b.personCode ?? '', idLast6: b.idLast6 };
    try {
      const r = await deps.registration.register(input, req.ip);
      await deps.audit.record({
        actor: 'phone',
        ip: req.ip,
        action: 'device.mobile.register',
        resource: 'device',
        resourceId: r.deviceId,
        siteId: r.site.siteId,
        detail: { sn: r.sn, personId: r.person.personId, via: r.via, disabled: r.disabledDeviceIds },
      });
      reply.code(201).header('cache-control', 'no-store');
      return {
        sn: r.sn,
        accessId: r.accessId,
        accessKey: r.accessKey,
        accessSecret: r.accessSecret,
        person: r.person,
        site: r.site,
      };
    } catch (e) {
      if (!(e instanceof RegisterError)) throw e;
      if (e.code === 'id_mismatch')
        deps.audit.note({
          actor: 'phone',
          ip: req.ip,
          action: 'device.mobile.register_failed',
          resource: 'device',
          detail: { reason: e.code, via: b.code !== undefined ? 'code' : 'person_qr' },
        });
      const headers =
        e.retryAfterMs !== undefined
          ? { 'retry-after': String(Math.ceil(e.retryAfterMs / 1000)) }
          : undefined;
      throw new ApiError(e.code, TEXT[e.code], undefined, headers);
    }
  });
};

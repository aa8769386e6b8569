/**
 * One error policy for the API scope: whatever went wrong becomes a problem document
 * (problems.ts). Zod validation → 400 validation_failed naming every field; Fastify's
 * own refusals (bad JSON, empty body, wrong media type, too large) → their 4xx code; an
 * unexpected exception → 500 `internal` with no internal text, logged with the request id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, type FieldError, langOf, type ProblemCode, problemOf } from './problems.js';

const BY_STATUS: Record<number, ProblemCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'bad_request',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Where in the request a validation error sits (Fastify's validationContext), as body.a.b / query.limit. */
function fieldPaths(
  context: string | undefined,
  instancePath: string,
  keyword: string,
  params: unknown,
): string[] {
  const where = context === 'querystring' ? 'query' : (context ?? 'body');
  const base = [where, ...instancePath.split('/').filter(Boolean)].join('.');
  // An unknown field is reported on its parent: name each one.
  const keys = (params as { keys?: unknown } | undefined)?.keys;
  if (keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length > 0)
    return keys.map((k) => `${base}.${String(k)}`);
  return [base];
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors: FieldError[] = err.validation.flatMap((v) =>
      fieldPaths(err.validationContext, v.instancePath, v.keyword, v.params).map((path) => ({
        path,
        message: v.message ?? 'invalid',
      })),
    );
    return new ApiError('validation_failed', undefined, errors);
  }
  const fe = err as Partial<FastifyError>;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'bad_request';
    // Fastify's messages for client errors describe the request, not our internals.
    return new ApiError(code, fe.message ? { en: fe.message, zh: fe.message } : undefined);
  }
  return new ApiError('internal');
}

/**
 * Fastify's 415 says only "Unsupported Media Type"; the usual cause is `curl -d` without a
 * content-type header (it sends a form), so the answer names the type received and the fix.
 */
function mediaTypeError(req: FastifyRequest, err: unknown): ApiError | undefined {
  if ((err as Partial<FastifyError>).code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return undefined;
  const got = (req.headers['content-type'] ?? 'none').split(';')[0]?.trim().slice(0, 100) || 'none';
  return new ApiError('unsupported_media_type', {
    en: `content-type ${got} is not one this endpoint takes: a JSON body needs the header content-type: application/json`,
    zh: `本接口不接受 content-type ${got}：JSON 请求体须带请求头 content-type: application/json`,
  });
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const api = mediaTypeError(req, err) ?? toApiError(err);
  if (api.code === 'internal') req.log.error({ err, reqId: req.id }, 'management API request failed');
  const problem = problemOf(api, langOf(req.headers['accept-language']), req.url.split('?')[0]);
  if (api.headers) reply.headers(api.headers);
  return reply.code(api.status).type('application/problem+json; charset=utf-8').send(problem);
}

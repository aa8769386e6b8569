/**
 * The management API (api.md): `/api/v1` on the one Fastify server, its OpenAPI 3.1
 * document at `/api/openapi.json` generated from the same zod schemas that validate
 * requests, and the interactive page at `/api/docs` (@fastify/swagger-ui).
 *
 * Inside the /api/v1 scope, in order: the auth hook (onRequest: 401 without a valid
 * session, 403 for a role the route does not list, before any body is parsed), zod
 * validation, the idempotency hook (preHandler), the handler; every failure is a problem
 * document (errors.ts). Routes are registered from routes/index.ts; each must declare its
 * roles, and the table of them is kept for the role tests (routeTable).
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { sendProblem } from './errors.js';
import { idempotencyHooks } from './idempotency.js';
import { ApiError } from './problems.js';
import { API_ROUTE_MODULES } from './routes/index.js';
import { refuseNul } from './text-guard.js';
import type { ApiDeps, ApiRouteInfo } from './types.js';

export const API_PREFIX = '/api/v1';
/** JSON bodies of the management API; imports (multipart) set their own limit. */
export const API_BODY_LIMIT = 1024 * 1024;

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h && /^Bearer\s+/i.test(h)) return h.replace(/^Bearer\s+/i, '').trim();
  // EventSource cannot set headers: a route that opts in (the event stream) also takes
  // ?access_token= (docs/api.md "Live events" says what that risks).
  if (req.routeOptions.config?.queryToken) {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === 'string' && q !== '') return q;
  }
  return undefined;
}

// A 401 says which of the two it is: a header sent without `Bearer ` (or none) is a
// different mistake from a session that ended.
const NO_TOKEN = {
  en: 'no session token: send the token from POST /api/v1/auth/login as Authorization: Bearer <token>',
  zh: '缺少登录令牌：请将 POST /api/v1/auth/login 返回的 token 以 Authorization: Bearer <token> 发送',
};
const STALE_TOKEN = {
  en: 'the session token is unknown, expired or ended (logout, disabled account): log in again',
  zh: '登录令牌无效或已过期（已退出或账户被停用）：请重新登录',
};

export interface ApiHandle {
  /** Every /api/v1 route with the roles it admits (filled as routes register). */
  readonly routeTable: ApiRouteInfo[];
}

export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<ApiHandle> {
  const routeTable: ApiRouteInfo[] = [];
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'kaoqin management API',
        description:
          'Sites, workers, devices, vendors, attendance and audit for the Zhejiang real-name attendance platform. Conventions: docs/api.md.',
        version: '1.0.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    hideUntagged: false,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (scope) => {
      const api = scope.withTypeProvider<ZodTypeProvider>();
      api.setValidatorCompiler(validatorCompiler);
      api.setSerializerCompiler(serializerCompiler);
      api.setErrorHandler((err, req, reply) => sendProblem(req, reply, err));
      // JSON only (api.md): a text/plain body is a 415, not a string handed to validation.
      api.removeContentTypeParser('text/plain');
      api.setNotFoundHandler((req, reply) =>
        sendProblem(
          req,
          reply,
          new ApiError('not_found', {
            en: `no route ${req.method} ${req.url.split('?')[0]}`,
            zh: '接口不存在',
          }),
        ),
      );
      api.addHook('onRoute', (route) => {
        const roles = route.config?.roles;
        if (roles === undefined)
          throw new Error(`management API route ${route.method} ${route.url} declares no roles`);
        route.bodyLimit ??= API_BODY_LIMIT;
        for (const method of [route.method].flat()) {
          if (method === 'HEAD') continue;
          routeTable.push({ method, url: route.url, roles });
        }
      });
      api.addHook('onRequest', async (req) => {
        const roles = req.routeOptions.config?.roles;
        if (roles === undefined || roles === 'public') return; // not-found handler, login
        const token = bearer(req);
        if (!token) throw new ApiError('unauthenticated', NO_TOKEN);
        const principal = await deps.accounts.authenticate(token, req.ip);
        if (!principal) throw new ApiError('unauthenticated', STALE_TOKEN);
        if (!roles.includes(principal.role))
          throw new ApiError('forbidden', {
            en: `the ${principal.role} role may not do this`,
            zh: `角色 ${principal.role} 无权执行此操作`,
          });
        req.principal = principal;
      });
      api.addHook('preValidation', refuseNul);
      const idem = idempotencyHooks(deps.data.store, deps.now);
      api.addHook('preHandler', idem.claim);
      api.addHook('onSend', idem.keep);
      for (const register of API_ROUTE_MODULES) await register(api, deps);
    },
    { prefix: API_PREFIX },
  );
  return { routeTable };
}

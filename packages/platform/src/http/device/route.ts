/**
 * The HTTP device endpoint (1.2, 1.4; docs/protocol.md 1.1): one URL, `POST /api/device`,
 * where the body's `apicode` chooses one of the eight T_* operations of chapter 3.
 *
 * Devices decide by `success` in the body (4.1), so every answer, refusals included, is
 * HTTP 200 with the standard's JSON envelope: a body over `maxHttpBodyBytes` gets 490_05
 * in that envelope instead of Fastify's 413 page, and nothing the endpoint meets (an
 * unreadable body, a failing store, a throwing handler) escapes as an HTML or Fastify
 * error page. The plugin is encapsulated, so its body parsing, hook and error handler
 * touch no other route of the server.
 */

import { ERRORS, ProtocolError } from '@kaoqin/protocol';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { DeviceEndpointDeps } from './deps.js';
import { httpSide, processDeviceBody, unreadableAnswer } from './process.js';

export type { DeviceEndpointDeps } from './deps.js';

export const DEVICE_PATH = '/api/device';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Where the device reached us, for the URLs the task engine signs (imgUrls, downloadUrl). */
function baseUrlOf(deps: DeviceEndpointDeps, req: FastifyRequest): string {
  if (deps.config.publicUrl) return deps.config.publicUrl.replace(/\/+$/, '');
  // request.host is the Host header (or X-Forwarded-Host under trustProxy); HTTP/1.0 may send none.
  const host = req.host || hostOfSocket(req);
  return `${req.protocol}://${host}`;
}

function hostOfSocket(req: FastifyRequest): string {
  const { localAddress = '127.0.0.1', localPort } = req.socket;
  const addr = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return localPort === undefined ? addr : `${addr}:${localPort}`;
}

/**
 * A Fastify error about reading the body, as a protocol error: 490_05 for a body over the
 * limit, 400_02 for one that could not be read (a content length that does not match, an
 * aborted upload). Undefined for anything else, which is unexpected (500_01).
 */
function bodyError(err: unknown): ProtocolError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, statusCode } = err as Error & { code?: unknown; statusCode?: unknown };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ProtocolError(ERRORS.BODY_TOO_LARGE);
  const parsing = typeof code === 'string' && code.startsWith('FST_ERR_CTP_');
  if (parsing || (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)) {
    return new ProtocolError(ERRORS.PARAM_PARSE, `request body could not be read: ${err.message}`);
  }
  return undefined;
}

export const deviceEndpoint: FastifyPluginAsync<DeviceEndpointDeps> = async (app, deps) => {
  const side = httpSide(deps);
  // Devices are sloppy with Content-Type (missing, text/plain, a malformed header) and
  // the standard says JSON in UTF-8 (1.2), so every body is read as text and parsed here:
  // the raw text is needed anyway, since an object param is signed as it stands (D5).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req) => {
    // A malformed Content-Type would make Fastify refuse with 415 before any parser runs.
    req.raw.headers['content-type'] = 'application/json';
  });

  app.setErrorHandler(async (err, req, reply) => {
    let error = bodyError(err);
    if (!error) {
      deps.logger.error({ err, reqId: req.id }, 'device endpoint failed');
      error = new ProtocolError(ERRORS.SYSTEM);
    }
    return reply.code(200).type(JSON_TYPE).send(unreadableAnswer(deps, error));
  });

  app.post(DEVICE_PATH, { bodyLimit: deps.config.maxHttpBodyBytes }, async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : undefined;
    const answer = await processDeviceBody(deps, side, body, () => baseUrlOf(deps, req));
    return reply.code(200).type(JSON_TYPE).send(answer);
  });
};

/**
 * Registers `POST /api/device` on the server (call it before `listen`/`ready`). Generic
 * over the logger type, since the server is built with the platform's pino instance.
 */
export async function registerDeviceEndpoint<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  deps: DeviceEndpointDeps,
): Promise<void> {
  await app.register(deviceEndpoint, deps);
}

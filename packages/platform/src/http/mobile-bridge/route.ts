/**
 * The mobile bridge (our extension, docs/protocol.md 12): `POST /api/mobile/v1/frames`
 * carries the TCP byte stream of chapter 2 in an HTTP body, for devices that cannot open
 * a TCP socket (the attendance PWA: browsers speak no raw TCP). Every frame goes through
 * the TCP gateway's own frame processor; only the carrier differs.
 *
 * - Stateless: each frame stands alone, as it does on a connection, where a request is
 *   checked by its own sn and token; the connection's C_AUTH binding only routes task
 *   pushes (D3), which HTTP cannot receive. A C_AUTH answer carries the token; the
 *   client keeps it.
 * - Outside the management API (/api/v1): no session, no cookies, no CORS headers; the
 *   signature in each frame is the only credential. Only `application/octet-stream` is
 *   read, so a cross-origin page cannot send a body without a preflight, which finds no
 *   CORS answer here.
 * - Like POST /api/device, whatever the bridge answers in protocol terms is HTTP 200, and
 *   nothing it meets escapes as a Fastify error page. Encapsulated, so its body parsing
 *   and error handler touch no other route.
 */
import { ERRORS, ProtocolError } from '@kaoqin/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { answerBody, resultsOf } from './answer.js';
import { bridgeBody } from './bridge.js';
import type { MobileBridgeDeps } from './deps.js';

export type { MobileBridgeDeps } from './deps.js';

export const MOBILE_FRAMES_PATH = '/api/mobile/v1/frames';

const JSON_TYPE = 'application/json; charset=utf-8';
const EMPTY = new Uint8Array(0);

/** The body could not be read as a whole: too large (490_05), or cut or mis-declared (490_02). */
function bodyError(err: unknown): ProtocolError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, statusCode } = err as Error & { code?: unknown; statusCode?: unknown };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ProtocolError(ERRORS.BODY_TOO_LARGE);
  const reading = typeof code === 'string' && code.startsWith('FST_ERR_CTP_');
  if (reading || (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)) {
    return new ProtocolError(ERRORS.FRAME_MALFORMED, `request body could not be read: ${err.message}`);
  }
  return undefined;
}

export const mobileBridge: FastifyPluginAsync<MobileBridgeDeps> = async (app, deps) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler(async (err, req, reply) => {
    const { code } = err as { code?: unknown };
    // Not the bridge's carrier at all (a form post, text/plain): refused before any frame is read.
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).type(JSON_TYPE).send({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'send the frames as Content-Type: application/octet-stream',
      });
    }
    let error = bodyError(err);
    if (!error) {
      deps.logger.error({ err, reqId: req.id }, 'mobile bridge failed');
      error = new ProtocolError(ERRORS.SYSTEM);
    }
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .type(JSON_TYPE)
      .send(answerBody([deps.frames.framingFailure(error)]));
  });

  app.post(MOBILE_FRAMES_PATH, { bodyLimit: deps.limits.maxBodyBytes }, async (req, reply) => {
    const body = req.body instanceof Uint8Array ? req.body : EMPTY;
    const outcomes = await bridgeBody(deps.frames, deps.limits, body, req.ip);
    const results = await resultsOf(deps.verdicts, outcomes);
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .type(JSON_TYPE)
      .send(answerBody(outcomes, results));
  });
};

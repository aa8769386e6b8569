/**
 * The one HTTP server (default port 8080). It will carry the device task API
 * (POST /api/device, chapter 3), the management API and the console; for now it
 * answers health and status probes.
 */
import Fastify, { type FastifyReply, LogController } from 'fastify';
import { sendProblem } from '../api/errors.js';
import type { Logger } from '../log.js';

export interface StatusSource {
  status(): Promise<Record<string, unknown>>;
  ready(): Promise<void>;
}

export function buildHttpServer(logger: Logger, source: StatusSource) {
  // Per-request log lines would be two JSON lines for every photo a device downloads (an
  // enrolment wave is hundreds of thousands): off; errors are still logged.
  const app = Fastify({
    loggerInstance: logger.child({ part: 'http' }),
    bodyLimit: 4 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    // Refusals before routing (a bad URL, an over-long path segment) under /api/ are
    // problem documents like every other management API answer.
    frameworkErrors: (err, req, reply) => {
      const r = reply as FastifyReply;
      if (req.url.startsWith('/api/v1/')) return sendProblem(req, r, err);
      const statusCode = err.statusCode ?? 400;
      return r.code(statusCode).send({ statusCode, code: err.code, error: err.message });
    },
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await source.ready();
      return { ok: true };
    } catch (e) {
      return reply.code(503).send({ ok: false, error: (e as Error).message });
    }
  });
  app.get('/api/status', async () => source.status());
  return app;
}

/**
 * The one HTTP server (default port 8080): the probes (/healthz, /readyz), the status
 * summary and the Prometheus metrics here; the device task API (POST /api/device,
 * chapter 3), the management API and the console register on it (app.ts).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyReply, LogController } from 'fastify';
import { sendProblem } from '../api/errors.js';
import type { Logger } from '../log.js';
import { answerClientError } from './client-error.js';

export interface StatusSource {
  status(): Promise<Record<string, unknown>>;
  ready(): Promise<void>;
  /** Prometheus exposition (metrics/metrics.ts); absent, no /metrics route (test servers). */
  metrics?(): Promise<{ contentType: string; body: string }>;
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
    // Requests the HTTP parser refuses (Chinese text in a URL): problems under /api/ too.
    clientErrorHandler: answerClientError,
  });
  app.addHook('preClose', cutUnusedConnections(app.server));
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
  // Like the probes above, no login: counts and timings only, no personal data; keep the
  // port's /metrics to your monitoring network (docs/operations.md, "Metrics").
  const metrics = source.metrics?.bind(source);
  if (metrics) {
    app.get('/metrics', async (_req, reply) => {
      const { contentType, body } = await metrics();
      return reply.type(contentType).send(body);
    });
  }
  return app;
}

/**
 * Node counts a connection that has not sent a byte yet (an HTTP client's spare
 * connection, a load balancer's pre-connect, a port probe) as busy, not idle, and stops
 * timing connections out once close() begins: server.close() would wait for it forever.
 * From the start of close until the server has closed, such connections are cut; every
 * connection that has sent something is left to finish its request.
 */
function cutUnusedConnections(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return async () => {
    const cut = () => {
      for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
    };
    cut();
    const timer = setInterval(cut, 100);
    timer.unref();
    server.once('close', () => clearInterval(timer));
  };
}

/**
 * The web console (packages/console) on the platform's HTTP port: its built files at /,
 * so `kaoqin serve` is the whole product with no second server. Hashed assets are cached
 * for a year; index.html never (a new build is seen at the next load). A browser that
 * accepts brotli or gzip gets the build's precompressed copy of a file. Any other GET
 * that a browser sends for a page (Accept: text/html, outside /api) gets index.html: the
 * console routes in the browser, so /workers/123 opened from a bookmark works.
 * Without a build (a checkout where `npm run build` has not run) / says how to make one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../log.js';

/** The installed console's dist directory, or undefined when the package is absent. */
export function defaultConsoleDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@kaoqin/console/package.json');
    return join(dirname(pkg), 'dist');
  } catch {
    return undefined;
  }
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>kaoqin</title>
<p>The console is not built: run <code>npm run build</code> (or <code>npm start</code>) and reload.
The management API is at <a href="/api/docs">/api/docs</a>.</p>`;

export async function registerConsole(
  http: FastifyInstance,
  setting: string | undefined,
  logger: Logger,
): Promise<{ dir: string | undefined }> {
  if (setting === 'off') return { dir: undefined };
  const dir = setting ? resolve(setting) : defaultConsoleDir();
  const built = dir !== undefined && existsSync(join(dir, 'index.html'));
  if (!built) {
    logger.warn({ consoleDir: dir }, 'console not built: / explains how to build it');
    http.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return { dir: undefined };
  }
  await http.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false, // files found at start; the fallback below serves the rest
    index: false,
    preCompressed: true, // the build writes .br and .gz beside its assets (vite.config.ts)
    setHeaders(reply, path) {
      reply.header(
        'Cache-Control',
        path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const page = (_req: unknown, reply: FastifyReply) =>
    reply.header('Cache-Control', 'no-cache').sendFile('index.html', dir);
  http.get('/', page);
  http.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const isPage =
      req.method === 'GET' && !path.startsWith('/api') && (req.headers.accept ?? '').includes('text/html');
    if (isPage) return page(req, reply);
    return reply
      .code(404)
      .send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${path}` });
  });
  return { dir };
}

/**
 * The phone clock-in page (packages/mobile) on the platform's HTTP port, at /m/: its
 * built files, so a worker's phone needs nothing but the platform's address. Hashed
 * assets are cached for a year; index.html, the manifest and the models' folder names
 * carry no hash of their own, so only the assets are immutable. sw.js is never cached
 * by HTTP (a new build must reach the phone at the next check) and is allowed the /m/
 * scope. A browser that accepts brotli or gzip gets the build's precompressed copy.
 * Any other page GET under /m/ gets index.html; other misses under /m/ are 404, never
 * the console's page. Without a build, /m/ says how to make one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../log.js';

export const MOBILE_PREFIX = '/m';

/** The installed page's dist directory, or undefined when the package is absent. */
export function defaultMobileDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@kaoqin/mobile/package.json');
    return join(dirname(pkg), 'dist');
  } catch {
    return undefined;
  }
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>kaoqin</title>
<p>The phone clock-in page is not built: run <code>npm run build</code> (or <code>npm start</code>) and reload.
手机考勤页尚未构建:请运行 <code>npm run build</code> 后刷新。</p>`;

/**
 * Registers /m/ on `http`, which must be a scope registered with prefix '/m' (its
 * not-found handler is then /m's own, and the console's never sees /m/ paths).
 */
export async function registerMobile(
  http: FastifyInstance,
  setting: string | undefined,
  logger: Logger,
): Promise<{ dir: string | undefined }> {
  const notFound = (method: string, path: string, reply: FastifyReply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${method} ${path}` });
  if (setting === 'off') {
    // Still /m's own 404: the console's page fallback would answer a phone's bookmark.
    http.setNotFoundHandler((req, reply) => notFound(req.method, req.url.split('?')[0] ?? '', reply));
    return { dir: undefined };
  }
  const dir = setting ? resolve(setting) : defaultMobileDir();
  const built = dir !== undefined && existsSync(join(dir, 'index.html'));
  // /m without its slash: to /m/, the service worker's scope and the page's base.
  http.get('', { prefixTrailingSlash: 'no-slash' }, (_req, reply) =>
    reply.redirect(`${MOBILE_PREFIX}/`, 301),
  );
  if (!built) {
    logger.warn({ mobileDir: dir }, 'phone page not built: /m/ explains how to build it');
    http.get('/', { prefixTrailingSlash: 'slash' }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT),
    );
    http.setNotFoundHandler((req, reply) => notFound(req.method, req.url.split('?')[0] ?? '', reply));
    return { dir: undefined };
  }
  const assets = join(dir, 'assets');
  await http.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false, // files found at start; the fallback below serves the rest
    index: false,
    preCompressed: true, // the build writes .br and .gz beside its text files (vite.config.ts)
    setHeaders(reply, path) {
      if (path.startsWith(assets)) {
        reply.header('Cache-Control', 'public, max-age=31536000, immutable');
        return;
      }
      reply.header('Cache-Control', 'no-cache');
      // The path is the copy sent: sw.js.br to a browser that takes brotli.
      if (basename(path).replace(/\.(br|gz)$/, '') === 'sw.js')
        reply.header('Service-Worker-Allowed', `${MOBILE_PREFIX}/`);
    },
  });
  const page = (reply: FastifyReply) =>
    reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', dir);
  http.get('/', { prefixTrailingSlash: 'slash' }, (_req, reply) => page(reply));
  http.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const isPage = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    if (isPage) return page(reply);
    return notFound(req.method, path, reply);
  });
  return { dir };
}

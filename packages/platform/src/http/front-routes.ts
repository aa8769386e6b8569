/**
 * Routes answered on node:http before Fastify sees the request: for the few requests so
 * frequent that Fastify's per-request work is a large share of their cost (the photos
 * of an enrolment wave, downloads/fast-photo.ts). A front route either answers the
 * request whole and returns true, or returns false having touched nothing, and Fastify
 * handles it as if the front route were not there.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export type FrontRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

const installed = new WeakMap<Server, FrontRoute[]>();

/** Puts route ahead of the server's own request handler (Fastify's, attached when it was made). */
export function addFrontRoute(server: Server, route: FrontRoute): void {
  let routes = installed.get(server);
  if (!routes) {
    const behind = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    if (behind.length !== 1) throw new Error(`expected one request handler, found ${behind.length}`);
    const next = behind[0]!;
    const list: FrontRoute[] = [];
    server.removeListener('request', next);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      for (const r of list) if (r(req, res)) return;
      next(req, res);
    });
    installed.set(server, list);
    routes = list;
  }
  routes.push(route);
}

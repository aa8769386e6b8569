/**
 * GET /api/v1/events: the live event stream (api.md "Live"; docs/api.md "Live events"):
 * text/event-stream of device.online, device.offline, attendance.created, task.finished
 * and distribution.changed, filtered by the caller's role and sites, resumable with
 * Last-Event-ID (header, or ?lastEventId= for EventSource polyfills) for at least
 * eventsReplayMs. EventSource cannot send an Authorization header, so this route alone
 * also takes the session token as ?access_token=.
 */
import { z } from 'zod';
import { canSeeSite } from '../auth/principal.js';
import { eventFilter, parseTypes } from '../events/filter.js';
import { EventStreams } from '../events/streams.js';
import { ApiError, notFound } from '../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';

export function eventRoutes(api: ApiApp, deps: ApiDeps): void {
  const hub = deps.eventHub;
  const streams =
    hub &&
    new EventStreams(hub, {
      heartbeatMs: deps.config.eventsHeartbeatMs,
      recheck: (p) => deps.accounts.session(p.sessionHash, p.ip),
      logger: deps.logger,
    });
  // Before the server closes: it would wait for these never-ending responses forever.
  if (streams) api.addHook('preClose', async () => streams.close());

  api.get(
    '/events',
    {
      config: { roles: R.anyone, queryToken: true },
      schema: {
        tags: ['events'],
        summary: 'Live events (server-sent events), resumable with Last-Event-ID',
        description:
          'text/event-stream. Events: device.online, device.offline, attendance.created, task.finished, distribution.changed; control events ready, reset, end. Filtered by role and sites. See docs/api.md "Live events".',
        querystring: z.strictObject({
          types: z.string().max(500).optional(),
          siteId: z.string().min(1).max(64).optional(),
          lastEventId: z.string().max(100).optional(),
          access_token: z.string().max(200).optional(),
        }),
      },
    },
    async (req, reply) => {
      if (!hub || !streams || streams.closed) throw new ApiError('unavailable');
      const p = principalOf(req);
      const types = parseTypes(req.query.types, p.role);
      const { siteId } = req.query;
      if (siteId !== undefined && (!canSeeSite(p, siteId) || !(await deps.data.store.sites.get(siteId))))
        throw notFound({ en: `no site ${siteId}`, zh: '工地不存在' });
      const header = req.headers['last-event-id'];
      const lastEventId = (Array.isArray(header) ? header[0] : header) ?? req.query.lastEventId;
      if (req.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send();
      reply.hijack();
      streams.open(reply.raw, {
        principal: p,
        accepts: eventFilter(p, types, siteId),
        resume: lastEventId === undefined ? undefined : hub.resume(lastEventId),
        lastEventId,
      });
    },
  );
}
